"""Alert rules (data) and the windows they fired in."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gridcare.core.errors import DomainError, NotFound
from gridcare.core.models import User
from gridcare.core.params import BadParameter, parse_decimal, parse_int
from gridcare.core.roles import VIEW_DASHBOARDS
from gridcare.core.web import staff_required
from gridcare.monitoring.selectors.alerts import alert_firings, alert_rule_get, alert_rules
from gridcare.monitoring.selectors.index_scope import scope_unit_ids, scope_units, unit_in_scope
from gridcare.monitoring.services.alert_rules import alert_rule_update

CHANGE_RULE = "monitoring.change_alertrule"


def _parse_decimal(value: str | None, *, field: str) -> Decimal:
    number = parse_decimal(value, field=field)
    if number is None:
        raise BadParameter("request.param.not_a_number", f"参数 {field} 应为数字", field=field)
    return number


def _rule_in_scope(user: User, code: str) -> Any:
    """The rule `code`; a rule watching a unit outside the user's scope is a 404."""
    rule = alert_rule_get(code)
    if not unit_in_scope(user=user, unit=rule.org_unit):
        raise NotFound("monitoring.alert_rule.not_found", "告警规则不存在")
    return rule


@staff_required(VIEW_DASHBOARDS)
def alerts_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    assert isinstance(request.user, User)
    scope = scope_units(request.user)
    visible = scope_unit_ids(request.user)
    rules = [r for r in alert_rules() if r.org_unit is None or r.org_unit.pk in visible]
    context = {"rules": rules, "firings": alert_firings(scope=scope)}
    return render(request, "console/monitoring/alerts.html", context)


@staff_required(VIEW_DASHBOARDS)
def alert_rule_view(request: HttpRequest, **kwargs: object) -> HttpResponse:
    assert isinstance(request.user, User)
    rule = _rule_in_scope(request.user, str(kwargs["code"]))
    can_edit = request.user.has_perm(CHANGE_RULE)
    context: dict[str, Any] = {"rule": rule, "can_edit": can_edit, "saved": "saved" in request.GET}
    status = 200
    if request.method == "POST":
        if not can_edit:
            return render(request, "errors/403.html", status=403)
        post = request.POST
        try:
            ints = {
                name: parse_int(post.get(name), field=name, default=0) or 0
                for name in ("window_hours", "baseline_days", "min_count")
            }
            alert_rule_update(
                actor=request.user,
                rule=rule,
                threshold=_parse_decimal(post.get("threshold"), field="threshold"),
                active=post.get("active") == "on",
                **ints,
            )
            url = reverse("console:monitoring_alert_rule", args=[rule.code])
            return redirect(f"{url}?saved=1")
        except DomainError as exc:
            context.update(error=exc.message, error_code=exc.code, error_field=exc.field)
            context["form"] = {k: post.get(k, "")[:14] for k in
                               ("threshold", "window_hours", "baseline_days", "min_count")}  # fmt: skip
            context["form"]["active"] = post.get("active") == "on"
            status = exc.status
    context.setdefault(
        "form",
        {
            "threshold": rule.threshold.normalize(),
            "window_hours": rule.window_hours,
            "baseline_days": rule.baseline_days,
            "min_count": rule.min_count,
            "active": rule.active,
        },
    )
    context["firings"] = alert_firings(scope=scope_units(request.user), rule=rule)
    return render(request, "console/monitoring/alert_rule.html", context, status=status)
