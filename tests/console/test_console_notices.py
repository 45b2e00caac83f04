"""我的提醒: each staff member sees their own notices only (newest first, unread bold), opens
one with a POST that marks it read, and the nav shows the unread count; an SLA escalation
lands on the manager's page, not on the agent's."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.notify.models import StaffNotice
from gridcare.notify.services import staff_notice_send
from gridcare.service.services.sla_escalation import sla_sweep
from gridcare.testing.personas import World
from tests.service.sla_support import bj, new_order

STAFF = ["agent_s1", "agent_s2", "clerk_s1", "dispatcher", "crew", "analyst", "manager", "admin"]


def notify_each(world: World) -> None:
    for name in STAFF:
        staff_notice_send(
            users=[world.users[name]],
            kind="test",
            title=f"给{name}的提醒",
            body="请处理",
            link="/console/orders/",
            idempotency_key=f"test:{name}",
        )


@pytest.mark.parametrize("path", ["/console/notices/"])
def test_anonymous_visitors_go_to_the_login_and_customers_to_the_portal(
    world: World, client_for, path: str
) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")
    response = client_for("alice").get(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert Client().post("/console/notices/1/read/").status_code == 302
    assert client_for("alice").post("/console/notices/1/read/")["Location"] == "/portal/"


@pytest.mark.parametrize("persona", STAFF)
def test_every_staff_member_sees_their_own_notices_only(
    world: World, client_for, persona: str
) -> None:
    notify_each(world)
    page = client_for(persona).get("/console/notices/").content.decode()
    assert f"给{persona}的提醒" in page
    assert page.count('data-testid="notice"') == 1
    for other in STAFF:
        if other != persona:
            assert f"给{other}的提醒" not in page
    assert 'data-testid="unread-notices">1<' in page


def test_an_sla_escalation_reaches_the_managers_page_not_the_agents(
    world: World, client_for
) -> None:
    order = new_order(world, "fault_repair", bj(2025, 3, 5, 10, 0))
    assert sla_sweep(now=bj(2025, 3, 5, 10, 46)).escalated == 1
    manager = client_for("manager")
    page = manager.get("/console/notices/").content.decode()
    assert order.number in page
    assert "fw-bold" in page, "unread notices are bold"
    assert 'data-testid="unread-notices">1<' in manager.get("/console/").content.decode()
    agent = client_for("agent_s1").get("/console/notices/").content.decode()
    assert order.number not in agent
    assert 'data-testid="no-notices"' in agent
    assert 'data-testid="unread-notices"' not in agent

    notice = StaffNotice.objects.get(user=world.users["manager"], kind="sla.overdue")
    response = manager.post(f"/console/notices/{notice.pk}/read/", {"next": notice.link})
    assert response.status_code == 302
    assert response["Location"] == f"/console/orders/{order.number}/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    page = manager.get("/console/notices/").content.decode()
    assert 'data-read="1"' in page
    assert 'data-testid="unread-notices"' not in page


def test_a_notice_of_someone_else_is_404_and_stays_unread(world: World, client_for) -> None:
    notify_each(world)
    theirs = StaffNotice.objects.get(user=world.users["manager"])
    response = client_for("agent_s1").post(f"/console/notices/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_is_a_post_and_goes_nowhere_outside_the_console(world: World, client_for) -> None:
    notify_each(world)
    mine = StaffNotice.objects.get(user=world.users["agent_s1"])
    agent = client_for("agent_s1")
    assert agent.get(f"/console/notices/{mine.pk}/read/").status_code == 405
    for target in ["https://evil.example/", "//evil.example/", "/portal/"]:
        response = agent.post(f"/console/notices/{mine.pk}/read/", {"next": target})
        assert response["Location"] == "/console/notices/"
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(world.users["agent_s1"], backend="django.contrib.auth.backends.ModelBackend")
    assert csrf.post(f"/console/notices/{mine.pk}/read/").status_code == 403
