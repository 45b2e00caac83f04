"""Reads for the monthly service report (monitoring): the names of complaint categories by
their leaf code, and the month's complaints that are still open or overdue.

The complaint rows leave this module masked (name and mobile through core.privacy): the
report is an export, and personal data in an export is masked (domain-facts §8.2), so the
clear values never reach the report's code at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q

from gridcare.core.models import OrgUnit
from gridcare.core.privacy import mask_mobile, mask_name
from gridcare.service.choices import OPEN_STATES, OrderType
from gridcare.service.models import Category, SlaClock, WorkOrder

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class CategoryName:
    """A category's names and its level-1 parent's (the parent is itself for a level 1)."""

    code: str
    name_zh: str
    name_en: str
    parent_code: str
    parent_name_zh: str
    parent_name_en: str

    def name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_zh

    def parent_name(self, language: str) -> str:
        return self.parent_name_en if language.startswith("en") else self.parent_name_zh


def category_names(*, codes: Iterable[str]) -> dict[str, CategoryName]:
    """The categories named by `codes` (unknown codes are absent), with their parents."""
    rows = Category.objects.filter(code__in=list(codes)).values_list(
        "code", "name_zh", "name_en", "parent__code", "parent__name_zh", "parent__name_en"
    )
    return {
        code: CategoryName(code, zh, en, p_code or code, p_zh or zh, p_en or en)
        for code, zh, en, p_code, p_zh, p_en in rows
    }


def category_order(*, order_type: str = OrderType.COMPLAINT) -> list[str]:
    """The level-1 category codes of an order type in the taxonomy's own order."""
    return list(
        Category.objects.filter(order_type=order_type, parent__isnull=True)
        .order_by("position", "code")
        .values_list("code", flat=True)
    )


@dataclass(frozen=True)
class OpenComplaint:
    """One complaint of the month still open or overdue, masked for export."""

    number: str
    category_code: str
    state: str
    created_at: dt.datetime
    customer_name_masked: str
    mobile_masked: str
    overdue: bool


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA)


def complaints_open_or_overdue(
    *,
    org_unit: OrgUnit | None,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    limit: int,
) -> tuple[list[OpenComplaint], int]:
    """Complaints accepted from `start` to `end` (local days, inclusive) under `org_unit`
    (every unit when None) that are open now or have a running clock past its deadline
    (the inbox's "overdue"); oldest first, at most `limit`, and how many there are."""
    late = SlaClock.objects.filter(
        order=OuterRef("pk"), stopped_at__isnull=True, paused_at__isnull=True, deadline_at__lt=now
    )
    orders = WorkOrder.objects.filter(
        order_type=OrderType.COMPLAINT,
        created_at__gte=_day_start(start),
        created_at__lt=_day_start(end + dt.timedelta(days=1)),
    ).annotate(overdue=Exists(late))
    if org_unit is not None:
        orders = orders.filter(org_unit__path__startswith=org_unit.path)
    orders = orders.filter(Q(state__in=OPEN_STATES) | Q(overdue=True))
    count = orders.count()
    rows = orders.order_by("created_at", "number").values_list(
        "number", "category__code", "state", "created_at", "contact_name", "contact_mobile",
        "customer__name", "customer__mobile", "overdue",
    )[:limit]  # fmt: skip
    result = [
        OpenComplaint(
            number=number,
            category_code=category or "",
            state=state,
            created_at=created,
            # The contact given on the order first (who called), else the account holder.
            customer_name_masked=mask_name(contact_name or customer_name),
            mobile_masked=mask_mobile(contact_mobile or customer_mobile),
            overdue=overdue,
        )
        for number, category, state, created, contact_name, contact_mobile, customer_name,
        customer_mobile, overdue in rows
    ]  # fmt: skip
    return result, count
