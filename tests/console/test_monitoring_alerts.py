"""The alert rule pages: who reads, who edits, scope, validation and the audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from gridcare.core.choices import OrgUnitKind
from gridcare.core.models import AuditLog
from gridcare.core.services import org_unit_create
from gridcare.monitoring.models import AlertFiring, AlertRule
from gridcare.testing.personas import World
from tests.monitoring.index_support import bj

ALERTS = reverse("console:monitoring_alerts")
CSAT = reverse("console:monitoring_alert_rule", args=["csat-drop"])


def _form(**overrides: str) -> dict[str, str]:
    form = {"threshold": "12.5", "window_hours": "12", "baseline_days": "14",
            "min_count": "20", "active": "on"}  # fmt: skip
    form.update(overrides)
    return form


#: Every persona: the dashboards' readers (analyst, manager, admin) get the page; other
#: staff 403; a customer goes back to the portal; nobody logged in goes to the login page.
ALL_STAFF = [
    "agent_s1",
    "agent_s2",
    "clerk_s1",
    "dispatcher",
    "crew",
    "analyst",
    "manager",
    "admin",
]
READERS = {"analyst", "manager", "admin"}


@pytest.mark.parametrize("url", [ALERTS, CSAT])
@pytest.mark.parametrize("persona", ALL_STAFF)
def test_pages_by_persona(client_for, url: str, persona: str) -> None:  # type: ignore[no-untyped-def]
    expected = 200 if persona in READERS else 403
    assert client_for(persona).get(url).status_code == expected


@pytest.mark.parametrize("url", [ALERTS, CSAT])
def test_a_customer_and_a_stranger_are_sent_away(world: World, client_for, url: str) -> None:  # type: ignore[no-untyped-def]
    customer = client_for("alice").get(url)
    assert (customer.status_code, customer["Location"]) == (302, "/portal/")
    stranger = Client().get(url)
    assert stranger.status_code == 302
    assert stranger["Location"].startswith("/console/login/?next=")


def test_alerts_page_lists_rules_and_firings_in_scope(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    rule = AlertRule.objects.get(code="sla-below-target")
    other = org_unit_create(actor=None, code="B9", name="外局", kind=OrgUnitKind.BUREAU)
    for unit, subject in ((world.station_1, "unit:S1"), (other, "unit:B9")):
        AlertFiring.objects.create(
            rule=rule, subject=subject, subject_label=unit.name, org_unit=unit,
            window_start=bj(2026, 11, 20), window_end=bj(2026, 11, 21), value=80.0,
            threshold=90.0, link="/console/monitoring/sla/?org=S1&from=2026-11-19&to=2026-11-20",
        )  # fmt: skip
    AlertRule.objects.create(code="b9-only", name="外局规则", kind="csat_drop",
                             threshold=Decimal(10), org_unit=other)  # fmt: skip
    page = client_for("analyst").get(ALERTS)
    html = page.content.decode()
    assert html.count("data-rule=") == 4  # the presets; not the other bureau's rule
    assert [f.subject for f in page.context["firings"]] == ["unit:S1"]
    assert "/console/monitoring/sla/?org=S1" in html
    assert (
        client_for("analyst")
        .get(reverse("console:monitoring_alert_rule", args=["b9-only"]))
        .status_code
        == 404
    )
    assert (
        client_for("analyst")
        .get(reverse("console:monitoring_alert_rule", args=["no-such-rule"]))
        .status_code
        == 404
    )


def test_manager_edits_a_rule_and_it_is_audited(world: World, client_for) -> None:  # type: ignore[no-untyped-def]
    manager = client_for("manager")
    assert 'data-testid="rule-save"' in manager.get(CSAT).content.decode()
    response = manager.post(CSAT, _form(active=""))
    assert response.status_code == 302
    rule = AlertRule.objects.get(code="csat-drop")
    assert (rule.threshold, rule.window_hours, rule.baseline_days, rule.min_count) == (
        Decimal("12.50"), 12, 14, 20,
    )  # fmt: skip
    assert rule.active is False
    assert rule.updated_by == world.users["manager"]
    audit = AuditLog.objects.get(action="monitoring.alert_rule.update")
    assert audit.data["before"]["window_hours"] == 24
    assert audit.data["after"]["active"] is False


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"threshold": "120"}, "monitoring.alert_rule.threshold_over_100"),
     ({"threshold": "abc"}, "request.param.not_a_number"),
     ({"threshold": "-1"}, "monitoring.alert_rule.bad_threshold"),
     ({"window_hours": "0"}, "monitoring.alert_rule.bad_window"),
     ({"window_hours": "1e3"}, "request.param.not_an_integer"),
     ({"baseline_days": "9999"}, "monitoring.alert_rule.bad_baseline"),
     ({"min_count": "0"}, "monitoring.alert_rule.bad_min_count")],
)  # fmt: skip
def test_bad_edits_are_shown_inline(client_for, overrides, code: str) -> None:  # type: ignore[no-untyped-def]
    page = client_for("manager").post(CSAT, _form(**overrides))
    assert page.status_code == 400
    assert f'data-code="{code}"' in page.content.decode()
    assert AlertRule.objects.get(code="csat-drop").threshold == Decimal(10)
    assert not AuditLog.objects.filter(action="monitoring.alert_rule.update").exists()


def test_analyst_reads_a_rule_but_cannot_edit(client_for) -> None:  # type: ignore[no-untyped-def]
    analyst = client_for("analyst")
    html = analyst.get(CSAT).content.decode()
    assert "<fieldset disabled>" in html
    assert 'data-testid="rule-save"' not in html
    assert analyst.post(CSAT, _form()).status_code == 403
    assert AlertRule.objects.get(code="csat-drop").window_hours == 24


def test_spike_factor_must_exceed_one(client_for) -> None:  # type: ignore[no-untyped-def]
    url = reverse("console:monitoring_alert_rule", args=["complaint-spike"])
    page = client_for("manager").post(url, _form(threshold="1"))
    assert page.status_code == 400
    assert 'data-code="monitoring.alert_rule.factor_not_above_1"' in page.content.decode()
