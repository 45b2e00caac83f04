"""Facts for the monthly report's tests, inserted directly (not through the rollup), and
the month they describe: November 2026 for the persona world (bureau B1 → stations S1
(→ team T1) and S2). Every expected figure in the tests is computed by hand from these.
Also the readers of the files: the PDF's text (pypdf) and the workbook (openpyxl)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from openpyxl import load_workbook
from openpyxl.workbook import Workbook
from pypdf import PdfReader

from gridcare.core.models import OrgUnit
from gridcare.monitoring.models import Fact
from gridcare.testing.personas import World

MONTH = dt.date(2026, 11, 1)


def fact(
    day: dt.date,
    metric: str,
    unit: OrgUnit,
    *,
    channel: str = "",
    key: str = "",
    n: int = 0,
    d: int = 0,
    total: float = 0.0,
) -> Fact:
    return Fact.objects.create(
        day=day, metric=metric, org_unit=unit, channel=channel, key=key, n=n, d=d, total=total
    )


def november_facts(world: World) -> None:
    s1, s2, t1 = world.station_1, world.station_2, world.team_1
    nov3, nov20, nov30 = dt.date(2026, 11, 3), dt.date(2026, 11, 20), dt.date(2026, 11, 30)
    # Contacts: 100 in all, 40 online (WeChat 30 + portal 10).
    fact(nov3, "contacts", s1, channel="hotline", key="inbound", n=60)
    fact(nov20, "contacts", s1, channel="wechat", key="inbound", n=30)
    fact(nov3, "contacts", s2, channel="portal", key="inbound", n=10)
    fact(nov3, "online_share", s1, channel="web", key="new_residential", n=3, d=4)
    # Complaints: 6, supply quality 3 (S2 voltage 1, T1 frequent outages 2), service 3.
    fact(nov3, "complaints", s1, channel="hotline", key="service.attitude", n=3)
    fact(nov3, "complaints", s2, channel="web", key="supply_quality.voltage", n=1)
    fact(nov20, "complaints", t1, channel="hotline", key="supply_quality.frequent_outage", n=2)
    fact(nov30, "customers", s1, n=4000)
    fact(nov30, "customers", s2, n=2000)
    # SLA: 9 of 10 complaint replies (S1), 3 of 4 repair arrivals (S2): 12 / 14.
    fact(nov3, "sla_compliance", s1, channel="hotline", key="complaint_reply:complaint", n=9, d=10)
    fact(nov3, "sla_compliance", s2, channel="hotline", key="repair_arrival:fault_repair", n=3, d=4)
    # Repairs: urban 2 in 80 minutes (mean 40), rural 1 in 100.
    fact(nov3, "repair_arrival", s1, key="urban", n=2, total=80.0)
    fact(nov3, "repair_arrival", s2, key="rural", n=1, total=100.0)
    # CSAT: S1 8 of 10 by hotline, S2 1 of 2 on the web: 9 / 12.
    fact(nov3, "csat", s1, channel="hotline", key="7", n=8, d=10)
    fact(nov3, "csat", s2, channel="web", key="7", n=1, d=2)
    # Business hall: 4 visits waiting 2400 s in all (10 minutes each).
    fact(nov3, "hall_wait", s1, n=4, total=2400.0)
    # Payments: WeChat 3 (300 yuan), cash at the counter 1.
    fact(nov3, "payments", s1, channel="wechat", n=3)
    fact(nov3, "payment_amount", s1, channel="wechat", n=3, total=300.0)
    fact(nov3, "payments", s2, channel="counter_cash", n=1)
    fact(nov3, "payment_amount", s2, channel="counter_cash", n=1, total=50.0)
    fact(nov3, "bot_handoffs", s1, key="asked", n=2)
    fact(nov3, "bot_handoffs", s1, key="anger", n=1)
    fact(nov3, "bot_containment", s1, channel="web_chat", n=6, d=8)
    fact(nov3, "notify_delivery", s1, channel="sms", n=9, d=10)
    # October, for the previous-month column: 50 contacts.
    fact(dt.date(2026, 10, 5), "contacts", s1, channel="hotline", key="inbound", n=50)


def pdf_text(content: bytes) -> str:
    """The text of every page of a PDF (pypdf): a table's row is one line, its cells
    separated by spaces."""
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def workbook(content: bytes) -> Workbook:
    return load_workbook(BytesIO(content))


def sheet_texts(book: Workbook) -> list[str]:
    """Every non-empty cell of every sheet, as text."""
    return [
        str(cell)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    ]
