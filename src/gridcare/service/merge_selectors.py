"""Reads about merged and possibly duplicate orders (issue 24 §7).

Merged trees are one level deep (`order_merge` moves a child's children to the root), so a
parent's followers are one query away.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from gridcare.service.choices import OPEN_STATES, OrderState
from gridcare.service.models import MergeSuggestion, WorkOrder


def order_followers(order: WorkOrder) -> list[int]:
    """The customers who hear of `order`'s progress: its own customer, then the customers of
    every order merged into it (each once; orders without a customer add none)."""
    followers = [order.customer_id] if order.customer_id is not None else []
    children = (
        WorkOrder.objects.filter(parent=order, state=OrderState.MERGED, customer__isnull=False)
        .order_by("pk")
        .values_list("customer_id", flat=True)
    )
    for customer_id in children:
        if customer_id is not None and customer_id not in followers:
            followers.append(customer_id)
    return followers


def order_children(order: WorkOrder) -> QuerySet[WorkOrder]:
    """The orders merged into `order`, oldest first."""
    return WorkOrder.objects.filter(parent=order).order_by("created_at", "pk")


def merge_suggestions_pending(order: WorkOrder) -> QuerySet[MergeSuggestion]:
    """The undecided suggestions to merge `order` into an older open order (the candidate)."""
    return (
        MergeSuggestion.objects.filter(
            order=order, decided_at__isnull=True, candidate__state__in=OPEN_STATES
        )
        .select_related("candidate")
        .order_by("candidate__created_at", "pk")
    )


def merged_order_counts(*, parent_numbers: list[str]) -> dict[str, int]:
    """Parent order number → how many orders were merged into it (an outage's repair order:
    its linked calls, on the console outage board)."""
    rows = (
        WorkOrder.objects.filter(parent__number__in=parent_numbers)
        .values_list("parent__number")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def orders_merged_into_number(*, number: str) -> QuerySet[WorkOrder]:
    """The orders merged into the order `number`, oldest first ("" or unknown: none)."""
    if not number:
        return WorkOrder.objects.none()
    return (
        WorkOrder.objects.filter(parent__number=number)
        .select_related("account")
        .order_by("created_at", "pk")
    )
