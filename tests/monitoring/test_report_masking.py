"""Personal data in the report: a customer's open complaint is listed with the masked
name and mobile only; the clear name, mobile, ID number and address appear nowhere — not
in the content, the PDF, any cell of any sheet of the workbook, nor anywhere in its zip
(charts, properties, shared strings)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from zipfile import ZipFile
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from gridcare.monitoring.services.report_data import report_monthly_data
from gridcare.monitoring.services.report_pdf import report_pdf
from gridcare.monitoring.services.report_xlsx import report_xlsx
from gridcare.service.models import WorkOrder
from gridcare.service.services import OrderDraft, order_create
from gridcare.testing.personas import ACCOUNT_A, ALICE_ID_NUMBER, ALICE_MOBILE, World
from tests.monitoring.report_support import (
    MONTH,
    november_facts,
    pdf_text,
    sheet_texts,
    workbook,
)

ADDRESS = "华师路 12 号 3 栋 501"
CLEAR = ["张三丰", ALICE_MOBILE, ALICE_ID_NUMBER, ADDRESS, "华师路"]


@pytest.fixture
def open_complaint(world: World) -> WorkOrder:
    november_facts(world)
    draft = OrderDraft(
        order_type="complaint",
        origin="web",
        title="抢修人员态度差",
        account_number=ACCOUNT_A,
        category_code="service.attitude",
        address=ADDRESS,
        contact_mobile=ALICE_MOBILE,
    )
    order = order_create(actor=world.users["alice"], draft=draft)
    # Accepted in November (the test writes the row: the service stamps "now").
    november = dt.datetime(2026, 11, 12, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    WorkOrder.objects.filter(pk=order.pk).update(created_at=november)
    return order


def _cells(world: World) -> list[str]:
    report = report_monthly_data(month=MONTH, org_unit=world.bureau)
    return [
        t.text_at(i, j)
        for s in report.sections
        for t in s.tables
        for i in range(len(t.rows))
        for j in range(len(t.columns))
    ]


def test_the_open_complaint_is_listed_masked(world: World, open_complaint: WorkOrder) -> None:
    with translation.override("en"):
        report = report_monthly_data(month=MONTH, org_unit=None)
    listed = next(t for s in report.sections for t in s.tables if t.key == "open_complaints")
    assert listed.rows == [
        [open_complaint.number, "Attitude", "张*丰", "138****0001", "Accepted", "no"]
    ]


def test_no_personal_data_in_clear_in_the_content_or_the_pdf(
    world: World, open_complaint: WorkOrder
) -> None:
    cells = _cells(world)
    assert "张*丰" in cells
    assert "138****0001" in cells
    for clear in CLEAR:
        assert not any(clear in cell for cell in cells), clear
    text = pdf_text(report_pdf(report_monthly_data(month=MONTH, org_unit=None)))
    assert "张*丰" in text
    assert "138****0001" in text
    assert open_complaint.number in text
    for clear in CLEAR:
        assert clear not in text, clear


def test_no_personal_data_in_clear_in_any_cell_or_part_of_the_workbook(
    world: World, open_complaint: WorkOrder
) -> None:
    content = report_xlsx(report_monthly_data(month=MONTH, org_unit=world.bureau))
    book = workbook(content)
    listed = [
        [cell for cell in row if cell is not None]
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
    ]
    assert any(
        row[:4] == [open_complaint.number, "服务态度", "张*丰", "138****0001"] for row in listed
    )
    texts = sheet_texts(book)
    for clear in CLEAR:
        assert not any(clear in text for text in texts), clear
    with ZipFile(BytesIO(content)) as archive:
        parts = "".join(archive.read(name).decode() for name in archive.namelist())
    for clear in CLEAR:
        assert clear not in parts, clear


def test_a_complaint_of_another_month_or_station_is_not_listed(
    world: World, open_complaint: WorkOrder
) -> None:
    report = report_monthly_data(month=MONTH, org_unit=world.station_2)
    listed = next(t for s in report.sections for t in s.tables if t.key == "open_complaints")
    assert listed.rows == []
    october = report_monthly_data(month=dt.date(2026, 10, 1), org_unit=None)
    listed = next(t for s in october.sections for t in s.tables if t.key == "open_complaints")
    assert listed.rows == []
