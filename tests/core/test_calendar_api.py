"""GET /api/v1/calendar/{year} (JSON) and /calendar/{year}.ics (iCalendar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest
from django.test import Client

from gridcare.core.calendar_services import calendar_year_import
from gridcare.core.services import api_token_issue
from gridcare.testing.personas import World

from ..api.conftest import assert_chinese_error, validate_response

API = "/api/v1/calendar"
CALENDAR_2027 = """\
year = 2027
source = "测试用 2027 年通知"
[[holiday]]
name = "春节"
days_off = ["2027-02-05..2027-02-11"]
makeup_workdays = ["2027-02-13"]
"""


@pytest.mark.django_db
def test_a_year_lists_its_days_in_order_with_source_and_provisional_flag(
    world: World, client_for: Any
) -> None:
    response = client_for("alice").get(f"{API}/2026")
    body = validate_response(response)

    assert response.status_code == 200
    assert (body["year"], body["source"], body["provisional"]) == (2026, "chinese_calendar", False)
    assert body["days"][:4] == [
        {"date": "2026-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2026-01-02", "kind": "holiday", "name": "元旦"},
        {"date": "2026-01-03", "kind": "holiday", "name": "元旦"},
        {"date": "2026-01-04", "kind": "makeup_workday", "name": "元旦"},
    ]
    dates = [day["date"] for day in body["days"]]
    assert dates == sorted(dates)


@pytest.mark.django_db
def test_a_year_without_calendar_is_provisional_until_one_is_imported(
    world: World, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for("agent_s1")
    before = validate_response(client.get(f"{API}/2027"))
    assert (before["source"], before["provisional"]) == ("provisional", True)
    assert {"date": "2027-02-06", "kind": "holiday", "name": "春节"} in before["days"]

    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_import(actor=None, text=CALENDAR_2027)
    after = validate_response(client.get(f"{API}/2027"))
    assert (after["source"], after["provisional"]) == ("official", False)
    assert after["reference"] == "测试用 2027 年通知"
    assert {"date": "2027-02-13", "kind": "makeup_workday", "name": "春节"} in after["days"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["1999", "2101", "0", "1999.ics", "99999.ics"])
def test_a_year_outside_2000_to_2100_is_a_400_in_chinese(
    world: World, client_for: Any, path: str
) -> None:
    response = client_for("agent_s1").get(f"{API}/{path}")
    assert response.status_code == 400
    body = validate_response(response)
    assert_chinese_error(body, "core.calendar.bad_year")
    assert body["field"] == "year"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["abc", "2025.5", "abc.ics"])
def test_a_year_that_is_not_a_number_is_refused(world: World, client_for: Any, path: str) -> None:
    response = client_for("agent_s1").get(f"{API}/{path}")
    assert response.status_code == 422
    assert validate_response(response)["message"] == "年份（year）不正确或缺失"


@pytest.mark.django_db
def test_the_ics_is_an_rfc_5545_calendar_of_all_day_events(world: World) -> None:
    _, token = api_token_issue(
        actor=world.users["analyst"], user=world.users["analyst"], name="ics"
    )
    response = Client().get(f"{API}/2025.ics", headers={"authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="gridcare-2025.ics"' in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(validate_response(response))
    assert str(calendar["X-WR-CALNAME"]) == "GridCare 工作日历 2025"
    summaries = {(str(e["SUMMARY"]), e.decoded("DTSTART")) for e in calendar.walk("VEVENT")}
    assert ("春节（放假）", dt.date(2025, 1, 28)) in summaries
    assert ("调休上班（春节）", dt.date(2025, 2, 8)) in summaries
