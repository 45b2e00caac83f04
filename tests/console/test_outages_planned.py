"""Console pages of planned outages and the reliability report: who sees what, the editor
and its live preview, the actions, and bad input answered with a 400 page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gridcare.outages.models import Outage
from gridcare.testing.personas import World
from tests.outages.outage_factory import bj, interruption_add, outage_make
from tests.outages.planned_support import draft

pytestmark = pytest.mark.django_db
STAFF = ("agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin")
PLANNERS = ("dispatcher", "manager", "admin")


def _local(days: float) -> str:
    return timezone.localtime(timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _form(days: float = 10, **overrides: str) -> dict[str, str]:
    return {
        "planned_type": "maintenance",
        "starts_at": _local(days),
        "ends_at": _local(days + 0.25),
        "reason": "台区改造",
        "feeders": "",
        "transformers": "TR1",
        "accounts": "",
        **overrides,
    }


@pytest.fixture
def outage_s1(world: World) -> Outage:
    return draft(world.users["manager"], starts_in=timedelta(days=10), transformers=("TR1",))


def _expected(persona: str, page: str) -> int:
    if persona in ("alice", "bob"):
        return 302  # customers go to the portal
    if page in ("new", "edit") and persona not in PLANNERS:
        return 403
    if page in ("detail", "edit") and persona == "agent_s2":
        return 404  # outside station S2's scope
    return 200


@pytest.mark.parametrize("persona", ["alice", "bob", *STAFF])
@pytest.mark.parametrize("page", ["list", "new", "detail", "edit", "reliability"])
def test_page_permissions(
    page: str, persona: str, outage_s1: Outage, client_for: Callable[[str], Client]
) -> None:
    paths = {
        "list": "/console/outages/planned/",
        "new": "/console/outages/planned/new/",
        "detail": f"/console/outages/planned/{outage_s1.number}/",
        "edit": f"/console/outages/planned/{outage_s1.number}/edit/",
        "reliability": "/console/outages/reliability/",
    }
    assert client_for(persona).get(paths[page]).status_code == _expected(persona, page)


def test_anonymous_goes_to_login(world: World) -> None:
    response = Client().get("/console/outages/planned/")
    assert response.status_code == 302
    assert "/console/login/" in response["Location"]


def test_editor_preview_and_save(world: World, client_for: Callable[[str], Client]) -> None:
    client = client_for("manager")
    page = client.get("/console/outages/planned/new/").content.decode()
    assert 'hx-post="/console/outages/planned/preview/"' in page
    assert "TR1" in page  # the datalist of 台区 in scope

    preview = client.post("/console/outages/planned/preview/", _form(3, transformers="TR2"))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert 'data-testid="affected-count">2<' in html
    assert "棠下1号台区" in html
    assert "7 天" in html or "7 days" in html  # the rule, not met three days ahead

    refused = client.post("/console/outages/planned/preview/", _form(transformers="TRX"))
    assert "台区不存在：TRX" in refused.content.decode()

    saved = client.post("/console/outages/planned/new/", _form())
    assert saved.status_code == 302
    outage = Outage.objects.get()
    assert saved["Location"] == f"/console/outages/planned/{outage.number}/"
    assert outage.affected_count == 1


def test_bad_form_is_a_400_with_the_reason(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("manager")
    past = client.post("/console/outages/planned/new/", _form(-1))
    assert past.status_code == 400
    assert "开始时间须晚于现在" in past.content.decode()
    garbled = client.post("/console/outages/planned/new/", _form(starts_at="tomorrow"))
    assert garbled.status_code == 400
    assert not Outage.objects.exists()


def test_publish_with_override_then_restore(
    world: World, client_for: Callable[[str], Client]
) -> None:
    outage = draft(world.users["manager"], starts_in=timedelta(days=2), transformers=("TR1",))
    base = f"/console/outages/planned/{outage.number}"
    dispatcher = client_for("dispatcher")
    page = dispatcher.get(f"{base}/").content.decode()
    assert "只有经理" in page or "only a manager" in page.lower()
    refused = dispatcher.post(f"{base}/publish/", {}, follow=True)
    assert "通知期不足" in refused.content.decode()
    manager = client_for("manager")
    manager.post(f"{base}/publish/", {"override_reason": "设备隐患"})
    outage.refresh_from_db()
    assert (outage.state, outage.notice_override) == ("published", "manager: 设备隐患")
    detail = manager.get(f"{base}/").content.decode()
    assert 'data-testid="notice-override"' in detail
    early = manager.post(f"{base}/restore/", {"restored_at": "garbage"}, follow=True)
    assert "恢复送电时间格式不正确" in early.content.decode()
    manager.post(f"{base}/cancel/", {"reason": "改期"})
    outage.refresh_from_db()
    assert outage.state == "cancelled"


def test_reliability_page_shows_figures_and_charts(
    world: World, client_for: Callable[[str], Client]
) -> None:
    fault = outage_make(world.transformer_2, starts_at=bj("2026-03-02", "10:00"))
    interruption_add(fault, world.account_b, bj("2026-03-02", "10:00"), 60)
    response = client_for("analyst").get(
        "/console/outages/reliability/?from=2026-03-01&to=2026-03-31"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="customers-served">3<' in html
    assert 'data-testid="saidi">20.0<' in html  # 60 min over 3 customers
    assert 'data-chart="reliability-monthly"' in html
    assert 'id="reliability-data"' in html
    assert "reliability-charts.js" in html
    scoped = client_for("agent_s1").get(
        "/console/outages/reliability/?from=2026-03-01&to=2026-03-31"
    )
    assert 'data-testid="customers-served">1<' in scoped.content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [("from=2026-13-01", 400), ("from=2026-03-10&to=2026-03-01", 400), ("feeder=NOPE", 404)],
)
def test_reliability_bad_input(
    world: World, client_for: Callable[[str], Client], query: str, status: int
) -> None:
    assert client_for("manager").get(f"/console/outages/reliability/?{query}").status_code == status


@pytest.mark.parametrize("persona", ["alice", "bob", *STAFF])
def test_posting_preview_and_actions_needs_the_planner_role(
    persona: str, outage_s1: Outage, client_for: Callable[[str], Client]
) -> None:
    client = client_for(persona)
    preview = client.post("/console/outages/planned/preview/", _form())
    cancel = client.post(f"/console/outages/planned/{outage_s1.number}/cancel/", {"reason": "改期"})
    outage_s1.refresh_from_db()
    if persona in ("alice", "bob"):
        assert (preview.status_code, cancel.status_code) == (302, 302)
        assert outage_s1.state == "draft"
    elif persona not in PLANNERS:
        assert (preview.status_code, cancel.status_code) == (403, 403)
        assert outage_s1.state == "draft"
    else:
        assert preview.status_code == 200
        assert cancel.status_code == 302
        assert outage_s1.state == "cancelled"
