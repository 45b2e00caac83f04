"""Return visits: opened on resolve with a link and an SMS survey; rated once by link,
portal or SMS reply; the policy archives, flags, reopens or escalates; unanswered visits
close as no_answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gridcare.core.errors import Conflict, DomainError, NotFound
from gridcare.customers.models import Interaction
from gridcare.notify.models import Notification
from gridcare.service.models import ReturnVisit, WorkOrder
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.visit_rating import (
    visit_for_token,
    visit_open_of_order,
    visit_rate,
    visit_rate_by_sms,
    visits_expire,
)
from gridcare.testing.personas import ACCOUNT_A, World
from tests.service.test_progress import repair, run_to_resolved


def resolved(world: World, order_type: str = "fault_repair") -> tuple[WorkOrder, str]:
    """An order of alice's, resolved; returns it and the token of its visit link."""
    if order_type == "fault_repair":
        order = repair(world)
        run_to_resolved(world, order.number)
    else:
        order = order_create(
            actor=world.users["alice"],
            draft=OrderDraft(
                order_type=order_type, origin="web", title="态度差", account_number=ACCOUNT_A
            ),
        )
        for action in ["dispatch", "take", "resolve"]:
            order_act(
                actor=world.users["agent_s1"],
                number=order.number,
                action=action,
                team_id=world.team_1.pk,
            )
    message = Notification.objects.get(
        template__code="service.visit", idempotency_key__startswith=f"order:{order.number}:"
    )
    match = re.search(r"/portal/visit/([A-Za-z0-9_-]+)/", message.body)
    assert match is not None, message.body
    order.refresh_from_db()
    return order, match.group(1)


def kinds(order: WorkOrder) -> list[str]:
    return list(order.events.values_list("kind", flat=True))


def test_resolving_opens_a_visit_and_asks_by_sms(world: World) -> None:
    order, token = resolved(world)
    assert order.state == "return_visit"
    visit = ReturnVisit.objects.get(order=order)
    assert visit.token_digest != token
    assert len(visit.token_digest) == 64
    assert visit.channel == "sms"
    assert timedelta(hours=71) < visit.due_at - visit.sent_at <= timedelta(hours=72)
    body = Notification.objects.get(template__code="service.visit").body
    assert "回复1-5" in body
    assert order.number in body
    assert kinds(order)[-2:] == ["resolve", "start_visit"]


def test_a_high_rating_archives_and_a_second_rating_is_refused(world: World) -> None:
    order, token = resolved(world)
    visit = visit_rate(visit=visit_for_token(token), rating="5", channel="link", comment="很快")
    assert (visit.rating, visit.outcome, visit.flagged) == (5, "satisfied", False)
    order.refresh_from_db()
    assert order.state == "archived"
    assert kinds(order)[-2:] == ["rated", "archive"]
    with pytest.raises(Conflict) as again:
        visit_rate(visit=visit_for_token(token), rating=1, channel="link")
    assert again.value.code == "service.visit.already_rated"
    assert ReturnVisit.objects.get().rating == 5


def test_a_middling_rating_archives_and_flags(world: World) -> None:
    order, token = resolved(world)
    visit = visit_rate(visit=visit_for_token(token), rating=3, channel="link")
    assert (visit.outcome, visit.flagged) == ("satisfied", True)
    order.refresh_from_db()
    assert order.state == "archived"


def test_a_low_rating_reopens_to_the_same_team_and_a_new_visit_follows(world: World) -> None:
    order, token = resolved(world)
    visit_rate(visit=visit_for_token(token), rating=2, channel="link", comment="还是没电")
    order.refresh_from_db()
    assert (order.state, order.team) == ("dispatched", world.team_1)
    assert ReturnVisit.objects.get().outcome == "reopened"
    reopen = order.events.get(kind="reopen")
    assert reopen.actor is None
    assert "2 分" in reopen.note
    assert Notification.objects.filter(template__code="service.progress.reopen").count() == 1
    for action in ["take", "arrive", "resolve"]:
        order_act(actor=world.users["crew"], number=order.number, action=action)
    assert ReturnVisit.objects.filter(order=order).count() == 2
    order.refresh_from_db()
    assert order.state == "return_visit"


def test_a_low_rated_complaint_is_escalated_to_the_units_manager(world: World) -> None:
    order, token = resolved(world, "complaint")
    visit = visit_rate(visit=visit_for_token(token), rating=1, channel="link")
    assert visit.outcome == "escalated"
    note = order.events.get(kind="note")
    assert note.public is False
    assert note.data["escalation"] == "low_rating"
    order.refresh_from_db()
    assert order.state == "dispatched"


@pytest.mark.parametrize("value", [0, 6, -1, "", "５x", "3.5", "abc", None, True, "1" * 50])
def test_bad_ratings_are_refused_and_nothing_is_stored(world: World, value: object) -> None:
    order, token = resolved(world)
    with pytest.raises(DomainError) as refused:
        visit_rate(visit=visit_for_token(token), rating=value, channel="link")
    assert refused.value.code == "service.visit.bad_rating"
    assert ReturnVisit.objects.get().rating is None
    assert "rated" not in kinds(order)


def test_a_huge_comment_is_refused(world: World) -> None:
    _, token = resolved(world)
    with pytest.raises(DomainError) as refused:
        visit_rate(visit=visit_for_token(token), rating=5, channel="link", comment="好" * 501)
    assert refused.value.status == 400
    assert ReturnVisit.objects.get().rating is None


@pytest.mark.parametrize("token", ["", "garbage", "x" * 5000, "../../etc/passwd"])
def test_unknown_tokens_are_404(world: World, token: str) -> None:
    resolved(world)
    with pytest.raises(NotFound):
        visit_for_token(token)


def test_the_portal_finds_only_the_customers_own_open_visit(world: World) -> None:
    order, _ = resolved(world)
    assert visit_open_of_order(actor=world.users["alice"], number=order.number).order == order
    with pytest.raises(NotFound):
        visit_open_of_order(actor=world.users["bob"], number=order.number)


def test_an_expired_visit_is_archived_with_no_answer_and_cannot_be_rated(world: World) -> None:
    order, token = resolved(world)
    assert visits_expire(now=timezone.now()) == 0
    assert visits_expire(now=timezone.now() + timedelta(hours=73)) == 1
    assert visits_expire(now=timezone.now() + timedelta(hours=73)) == 0
    order.refresh_from_db()
    assert order.state == "archived"
    assert ReturnVisit.objects.get().outcome == "no_answer"
    with pytest.raises(Conflict):
        visit_rate(visit=visit_for_token(token), rating=5, channel="link")


def test_an_sms_rating_with_no_or_several_open_visits_is_recorded_but_not_applied(
    world: World,
) -> None:
    interaction = Interaction.objects.create(
        customer=world.customer_alice, channel="sms", direction="inbound", summary="短信评价：5 分"
    )
    assert (
        visit_rate_by_sms(
            customer_id=world.customer_alice.pk, rating=5, interaction_id=interaction.pk
        )
        is None
    )
    interaction.refresh_from_db()
    assert interaction.links["rating_unapplied"] == "no_open_visit"
    resolved(world)
    resolved(world)
    assert (
        visit_rate_by_sms(
            customer_id=world.customer_alice.pk, rating=5, interaction_id=interaction.pk
        )
        is None
    )
    interaction.refresh_from_db()
    assert interaction.links["rating_unapplied"] == "several_open_visits"
    assert not ReturnVisit.objects.exclude(rating=None).exists()
