"""Console work lists of billing: accounts in arrears (post-paid bills unpaid past their
due date) and prepaid accounts with a low balance, both scoped to the reader's org unit,
narrowed to one unit of it, sortable and paged."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridcare.billing.selectors import accounts
from gridcare.core.models import OrgUnit, User
from gridcare.core.params import BadParameter, parse_choice, parse_int, parse_text
from gridcare.core.roles import VIEW_BILLING
from gridcare.core.web import staff_required

PAGE_SIZE = 25
#: The low-balance list's default threshold (yuan) until the prepaid cycle's configured
#: notice thresholds are wired in (TODO(#25)).
LOW_BALANCE_DEFAULT = Decimal("20.00")
_THRESHOLD = re.compile(r"-?[0-9]{1,9}(\.[0-9]{1,2})?")


def _unit_path(request: HttpRequest, user: User) -> tuple[list[OrgUnit], str, int | None]:
    """The scope's bureaus and stations, and the chosen one's path ("" for all)."""
    units = list(accounts.billing_units_of(user))
    chosen = parse_int(request.GET.get("unit"), field="unit")
    if chosen is None:
        return units, "", None
    for unit in units:
        if unit.pk == chosen:
            return units, unit.path, chosen
    raise BadParameter("request.param.unknown_choice", "参数 unit 的取值不受支持", field="unit")


def _list_context(
    request: HttpRequest, rows: QuerySet[Any], *, sort: str, **filters: object
) -> dict[str, object]:
    page: Page[Any] = Paginator(rows, PAGE_SIZE).get_page(
        parse_int(request.GET.get("page"), field="page", default=1, minimum=1)
    )
    query = {key: "" if value is None else str(value) for key, value in filters.items()}
    page_query = "&".join(f"{k}={v}" for k, v in {**query, "sort": sort}.items() if v)
    return {
        "page": page,
        "sort": sort,
        "filters_query": query,
        "page_query": page_query,
        "today": timezone.localdate(),
    }


@staff_required(VIEW_BILLING)
def arrears_view(request: HttpRequest) -> HttpResponse:
    """欠费清单: who owes, how much, since when; most days overdue first."""
    assert isinstance(request.user, User)
    units, unit_path, unit = _unit_path(request, request.user)
    sort = parse_choice(
        request.GET.get("sort"),
        field="sort",
        choices=tuple(accounts.ARREARS_SORTS),
        default="-days",
    )
    today = timezone.localdate()
    found = accounts.arrears_accounts(
        user=request.user, today=today, sort=sort, unit_path=unit_path
    )
    context = {
        **_list_context(request, found, sort=sort, unit=unit),
        "units": units,
        "unit": unit,
    }
    return render(request, "console/billing/arrears.html", context)


def _threshold(request: HttpRequest) -> Decimal:
    raw = parse_text(request.GET.get("below"), field="below", max_length=13)
    if not raw:
        return LOW_BALANCE_DEFAULT
    if not _THRESHOLD.fullmatch(raw):
        raise BadParameter(
            "billing.amount.invalid", "金额应为数字，最多两位小数，例如 20.00", field="below"
        )
    return Decimal(raw)


@staff_required(VIEW_BILLING)
def low_balance_view(request: HttpRequest) -> HttpResponse:
    """余额不足: prepaid (费控) accounts under a threshold; lowest balance first."""
    assert isinstance(request.user, User)
    units, unit_path, unit = _unit_path(request, request.user)
    below = _threshold(request)
    sort = parse_choice(
        request.GET.get("sort"),
        field="sort",
        choices=tuple(accounts.LOW_BALANCE_SORTS),
        default="balance",
    )
    found = accounts.low_balance_accounts(
        user=request.user, below=below, sort=sort, unit_path=unit_path
    )
    context = {
        **_list_context(request, found, sort=sort, unit=unit, below=below),
        "units": units,
        "unit": unit,
        "below": below,
    }
    return render(request, "console/billing/low_balance.html", context)
