"""Console monthly reports: who may list and download them (every persona × both pages),
the download as an audited attachment of the user's scope, and the 400 / 404 paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.core.choices import Role
from gridcare.core.models import AuditLog
from gridcare.core.services import staff_user_create
from gridcare.testing.personas import PASSWORD, World
from tests.monitoring.report_support import november_facts, pdf_text, sheet_texts, workbook

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]
EXPORTERS = {"analyst", "manager", "admin"}
LIST = "/console/monitoring/reports/"
DOWNLOAD = "/console/monitoring/reports/2026-11.pdf"
XLSX = "/console/monitoring/reports/2026-11.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGES = [LIST, DOWNLOAD]


@pytest.fixture(autouse=True)
def _report_dir(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MONITORING_REPORT_DIR = tmp_path / "reports"


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_staff_login(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("path", PAGES)
def test_a_customer_is_sent_back_to_the_portal(world: World, client_for, path: str) -> None:
    response = client_for("alice").get(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("path", PAGES)
def test_each_page_answers_each_role_with_200_or_403(
    world: World, client_for, persona: str, path: str
) -> None:
    expected = 200 if persona in EXPORTERS else 403
    assert client_for(persona).get(path).status_code == expected
    audited = AuditLog.objects.filter(action="monitoring.report.export").exists()
    assert audited == (persona in EXPORTERS and path == DOWNLOAD)


def test_the_list_offers_thirteen_months_and_the_units_in_scope(world: World, client_for) -> None:
    body = client_for("manager").get(LIST).content.decode()
    assert body.count('data-testid="report-row"') == 13
    this_month = timezone.localdate().strftime("%Y-%m")
    for fmt in ("pdf", "xlsx"):
        assert f"/console/monitoring/reports/{this_month}.{fmt}?org=B1" in body
    assert body.count('data-testid="report-xlsx"') == 13
    for code in ("B1", "S1", "S2", "T1"):
        assert f'<option value="{code}"' in body


def test_the_download_is_the_scopes_report_as_an_audited_attachment(
    world: World, client_for
) -> None:
    november_facts(world)
    response = client_for("manager").get(
        DOWNLOAD, {"org": "S1"}, REMOTE_ADDR="10.1.2.3", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="service-report-2026-11-S1.pdf"'
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    text = pdf_text(content)
    assert "2026-11" in text
    assert "石牌供电所" in text
    entry = AuditLog.objects.get(action="monitoring.report.export")
    assert entry.actor == world.users["manager"]
    assert entry.ip == "10.1.2.3"
    assert entry.data == {"month": "2026-11", "org": "S1", "format": "pdf", "who": "manager"}


def test_the_excel_download_is_the_scopes_workbook_as_an_audited_attachment(
    world: World, client_for
) -> None:
    november_facts(world)
    response = client_for("analyst").get(XLSX, {"org": "S1"}, REMOTE_ADDR="10.1.2.4")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="service-report-2026-11-S1.xlsx"'
    )
    assert response["Cache-Control"] == "private, no-store"
    book = workbook(b"".join(response.streaming_content))  # type: ignore[attr-defined]
    summary = book.worksheets[0]
    assert [summary["B3"].value, summary["B4"].value] == ["2026-11", "石牌供电所"]
    assert len(book.worksheets) == 13  # the summary and twelve sections
    assert "石牌抢修班" in sheet_texts(book)  # S1's team, in the per-unit table
    entry = AuditLog.objects.get(action="monitoring.report.export")
    assert (entry.actor, entry.ip) == (world.users["analyst"], "10.1.2.4")
    assert entry.data == {"month": "2026-11", "org": "S1", "format": "xlsx", "who": "analyst"}


def test_a_role_without_export_rights_gets_no_workbook(world: World, client_for) -> None:
    assert client_for("agent_s1").get(XLSX).status_code == 403
    assert not AuditLog.objects.filter(action="monitoring.report.export").exists()


def test_a_second_download_is_served_from_the_cache_and_audited_again(
    world: World, client_for, settings
) -> None:  # type: ignore[no-untyped-def]
    client = client_for("analyst")
    first = b"".join(client.get(DOWNLOAD).streaming_content)  # type: ignore[attr-defined]
    cached = list((Path(settings.MONITORING_REPORT_DIR) / "cache").iterdir())
    second = b"".join(client.get(DOWNLOAD).streaming_content)  # type: ignore[attr-defined]
    assert first == second
    assert list((Path(settings.MONITORING_REPORT_DIR) / "cache").iterdir()) == cached
    assert AuditLog.objects.filter(action="monitoring.report.export").count() == 2


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/console/monitoring/reports/2026-11.doc", "request.param.unknown_choice"),
        ("/console/monitoring/reports/2026-13.pdf", "monitoring.report.bad_month"),
        ("/console/monitoring/reports/november.pdf", "monitoring.report.bad_month"),
        ("/console/monitoring/reports/1999-12.pdf", "monitoring.report.month_too_early"),
        ("/console/monitoring/reports/2026-11.tar.gz", "request.param.unknown_choice"),
    ],
)
def test_a_bad_format_or_month_is_a_400_with_a_code(
    world: World, client_for, path: str, code: str
) -> None:
    response = client_for("manager").get(path)
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    assert not AuditLog.objects.filter(action="monitoring.report.export").exists()


def test_a_future_month_is_a_400(world: World, client_for) -> None:
    following = (timezone.localdate().replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")
    response = client_for("manager").get(f"/console/monitoring/reports/{following}.pdf")
    assert response.status_code == 400
    assert 'data-code="monitoring.report.future_month"' in response.content.decode()


def test_an_org_unit_outside_the_scope_is_not_found(world: World) -> None:
    manager_s2 = staff_user_create(
        actor=None,
        username="manager_s2",
        display_name="manager_s2",
        role=Role.MANAGER,
        org_unit=world.station_2,
        password=PASSWORD,
    )
    client = Client()
    client.force_login(manager_s2, backend="django.contrib.auth.backends.ModelBackend")
    for path in PAGES:
        for org in ("S1", "B1", "NOPE"):
            assert client.get(path, {"org": org}).status_code == 404
    # Its own station is fine, and the list offers only it.
    assert client.get(DOWNLOAD, {"org": "S2"}).status_code == 200
    body = client.get(LIST).content.decode()
    assert '<option value="S2"' in body
    assert '<option value="S1"' not in body
    entries = AuditLog.objects.filter(action="monitoring.report.export")
    assert [e.data["org"] for e in entries] == ["S2"]
