"""Reads behind the monthly report's CLI and console pages: which month (parsed and
checked), which org unit (in the reader's scope: outside it is 404, the same as unknown),
and the months and units the console offers.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import QuerySet

from gridcare.core.errors import NotFound
from gridcare.core.models import OrgUnit, User
from gridcare.core.params import EARLIEST_DATE, BadParameter
from gridcare.core.selectors import org_unit_scope_root, org_units_in_scope
from gridcare.monitoring.selectors.index_scope import unit_by_code

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
#: How many months the console lists (this one and a year back: the same month last year).
LISTED_MONTHS = 13


def report_month_parse(text: str | None, *, today: dt.date) -> dt.date:
    """`YYYY-MM` as the month's first day; not before 2000, not after the current month."""
    match = MONTH_PATTERN.match((text or "").strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise BadParameter(
            "monitoring.report.bad_month", "月份格式应为 YYYY-MM，例如 2026-11", field="month"
        )
    month = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if month < EARLIEST_DATE:
        raise BadParameter(
            "monitoring.report.month_too_early", "月份不能早于 2000-01", field="month"
        )
    if month > today.replace(day=1):
        raise BadParameter(
            "monitoring.report.future_month", "不能生成未来月份的报告", field="month"
        )
    return month


def report_months(*, today: dt.date, count: int = LISTED_MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, newest first, the current one included."""
    index = today.year * 12 + today.month - 1
    return [dt.date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(count)]


def report_org_choices(*, user: User) -> QuerySet[OrgUnit]:
    """The org units a user may make the report for (their scope), top first."""
    return org_units_in_scope(user).order_by("path")


def report_default_org(*, user: User) -> OrgUnit | None:
    """The unit a user's report covers by default: their scope's root (None: everything,
    for a superuser without a unit). Staff without a unit have an empty scope: 404."""
    if user.org_unit is not None:
        return org_unit_scope_root(user.org_unit)
    if user.is_superuser:
        return None
    raise NotFound("monitoring.report.no_scope", "您的账号未归属任何单位", field="org")


def report_org_unit(*, code: str, user: User | None) -> OrgUnit:
    """The unit named `code`, which must be in `user`'s scope (None: the CLI, any unit);
    unknown or outside the scope is the same 404."""
    return unit_by_code(
        user=user, code=code, error="monitoring.report.org_not_found", message=f"单位不存在：{code}"
    )
