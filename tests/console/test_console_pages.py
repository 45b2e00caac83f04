"""Console pages: the permission matrix per page, masking, scope, and the audited reveal."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.core.models import AuditLog
from gridcare.testing.personas import ALICE_ID_NUMBER, ALICE_MOBILE, World

STAFF_SEARCHERS = ["agent_s1", "clerk_s1", "dispatcher", "manager", "admin"]
NO_SEARCH = ["crew", "analyst"]


def search_url(query: str = ALICE_MOBILE) -> str:
    return f"/console/search/?q={query}"


@pytest.mark.parametrize(
    "path", ["/console/", "/console/search/", "/console/customers/1/", "/console/notices/"]
)
def test_anonymous_visitor_is_sent_to_the_staff_login(world: World, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("path", ["/console/", "/console/search/", "/console/notices/"])
def test_customer_is_sent_back_to_the_portal(world: World, client_for, path: str) -> None:
    response = client_for("alice").get(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


@pytest.mark.parametrize("persona", NO_SEARCH)
def test_roles_without_customer_view_get_403_on_search_and_360(
    world: World, client_for, persona: str
) -> None:
    client = client_for(persona)
    assert client.get(search_url()).status_code == 403
    assert client.get(f"/console/customers/{world.customer_alice.pk}/").status_code == 403
    assert client.get("/console/").status_code == 200


@pytest.mark.parametrize("persona", STAFF_SEARCHERS)
def test_staff_in_scope_find_alice_by_mobile_with_everything_masked(
    world: World, client_for, persona: str
) -> None:
    page = client_for(persona).get(search_url()).content.decode()
    # The query the agent typed is echoed in the form; the results must not repeat it.
    body = page.split('id="results"')[1]
    assert "138****0001" in body
    assert "张*丰" in body
    assert ALICE_MOBILE not in body
    assert "张三丰" not in page
    assert ALICE_ID_NUMBER not in body


def test_agent_of_another_station_finds_nothing_and_gets_404_on_the_360(
    world: World, client_for
) -> None:
    client = client_for("agent_s2")
    body = client.get(search_url()).content.decode()
    assert "138****0001" not in body
    assert "没有与" in body
    response = client.get(f"/console/customers/{world.customer_alice.pk}/")
    assert response.status_code == 404
    assert "张*丰" not in response.content.decode()


def test_search_by_account_number_and_by_id_number_find_the_same_customer(
    world: World, client_for
) -> None:
    client = client_for("agent_s1")
    for query in (world.account_a.number, ALICE_ID_NUMBER):
        body = client.get(search_url(query)).content.decode()
        assert f"/console/customers/{world.customer_alice.pk}/" in body


def test_htmx_search_returns_only_the_results_fragment(world: World, client_for) -> None:
    response = client_for("agent_s1").get(search_url(), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert 'data-testid="search-result"' in body


def test_customer_360_shows_accounts_topology_and_consent(world: World, client_for) -> None:
    body = (
        client_for("agent_s1")
        .get(f"/console/customers/{world.customer_alice.pk}/")
        .content.decode()
    )
    assert world.account_a.number in body
    for node in ("110kV 石牌站", "10kV 石牌线", "石牌1号台区", "MA0001"):
        assert node in body
    assert "营销推广：未征询" in body
    assert ALICE_MOBILE not in body


def test_manager_reveals_the_id_number_and_it_is_audited(world: World, client_for) -> None:
    response = client_for("manager").post(
        f"/console/customers/{world.customer_alice.pk}/reveal/", {"field": "id_number"}
    )
    assert response.status_code == 200
    assert ALICE_ID_NUMBER in response.content.decode()
    entry = AuditLog.objects.get(action="core.pii.reveal")
    assert entry.actor == world.users["manager"]
    assert entry.data == {"field": "id_number"}
    assert entry.object_id == str(world.customer_alice.pk)


def test_agent_cannot_reveal_and_nothing_is_audited(world: World, client_for) -> None:
    response = client_for("agent_s1").post(
        f"/console/customers/{world.customer_alice.pk}/reveal/", {"field": "id_number"}
    )
    assert response.status_code == 403
    assert ALICE_ID_NUMBER not in response.content.decode()
    assert not AuditLog.objects.filter(action="core.pii.reveal").exists()


def test_reveal_of_an_unknown_field_is_refused(world: World, client_for) -> None:
    response = client_for("manager").post(
        f"/console/customers/{world.customer_alice.pk}/reveal/", {"field": "password"}
    )
    assert response.status_code == 400


def test_workbench_shows_the_role_and_the_area_numbers(world: World, client_for) -> None:
    body = client_for("agent_s1").get("/console/").content.decode()
    assert "95598 坐席" in body
    assert "石牌供电所" in body
    summary = body.split('data-testid="scope-summary"')[1]
    assert '<div class="fs-4 fw-semibold">1</div>' in summary


def test_customer_cannot_log_in_on_the_staff_page(world: World) -> None:
    from gridcare.testing.personas import PASSWORD

    response = Client().post("/console/login/", {"username": ALICE_MOBILE, "password": PASSWORD})
    assert response.status_code == 400
    assert "请使用对应的登录入口" in response.content.decode()


def test_search_list_uses_a_bounded_number_of_queries(
    world: World, client_for, django_assert_max_num_queries
) -> None:
    client = client_for("manager")
    with django_assert_max_num_queries(12):
        response = client.get(search_url("张"))
    assert response.status_code == 200


def test_customer_360_shows_the_timeline_and_filters_it_with_htmx(world: World, client_for) -> None:
    from datetime import UTC, datetime

    from gridcare.customers.services import interaction_record

    alice = world.customer_alice.pk
    call = {"recording_ref": "rec-7", "duration_seconds": 60}
    interaction_record(
        actor=world.users["agent_s1"], customer_id=alice, channel="hotline",
        direction="inbound", summary="来电报修：家中停电", data=call,
        occurred_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
    )  # fmt: skip
    interaction_record(
        actor=None, customer_id=alice, channel="wechat", direction="inbound",
        summary="微信咨询电费", occurred_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
    )  # fmt: skip
    client = client_for("agent_s1")
    page = client.get(f"/console/customers/{alice}/").content.decode()
    assert page.index("微信咨询电费") < page.index("来电报修：家中停电")  # newest first
    assert "rec-7" in page
    offline = client.get(
        f"/console/customers/{alice}/timeline/?show=offline", HTTP_HX_REQUEST="true"
    )
    text = offline.content.decode()
    assert offline.status_code == 200
    assert "来电报修" in text
    assert "微信咨询电费" not in text
    assert "<html" not in text  # the fragment only
    other = client_for("agent_s2").get(f"/console/customers/{alice}/timeline/")
    assert other.status_code == 404
