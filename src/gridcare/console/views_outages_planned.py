"""计划停电 in the console: the list, the editor with its live affected preview (htmx: the
preview follows every change of the form, computed from the topology as publishing will),
and one outage with its actions — publish (with the notice-rule override when allowed),
cancel and mark restored. The rules live in outages.services.planned.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridcare.core.api_support import client_ip
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.params import parse_choice
from gridcare.core.roles import OVERRIDE_OUTAGE_NOTICE, VIEW_OUTAGES
from gridcare.core.web import form_add_domain_error, page_not_found, staff_required
from gridcare.outages.choices import OutageState, PlannedType
from gridcare.outages.selectors import planned as reads
from gridcare.outages.services import planned as uses

PLAN = "outages.change_outage"
_CODES = re.compile(r"[\s,，、;；]+")
STATES = ("", *OutageState.values)


def _codes(value: str) -> list[str]:
    """ "F1, F2 TR3": codes separated by commas (also full-width) or spaces."""
    return [code for code in _CODES.split(value.strip()) if code]


class PlannedForm(forms.Form):
    planned_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=PlannedType.choices)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    feeders = forms.CharField(label=gettext_lazy("Feeders"), required=False, max_length=2000)
    transformers = forms.CharField(
        label=gettext_lazy("Transformer areas"), required=False, max_length=4000
    )
    accounts = forms.CharField(
        label=gettext_lazy("Account numbers"), required=False, max_length=4000
    )

    def planned_input(self, user: User) -> uses.PlannedInput:
        """The typed input of the services (the scope resolved within the user's scope);
        a DomainError names the field to show it next to."""
        data = self.cleaned_data
        scope = reads.scope_resolve(
            user=user,
            feeder_codes=_codes(data["feeders"]),
            transformer_codes=_codes(data["transformers"]),
            account_numbers=_codes(data["accounts"]),
        )
        return uses.PlannedInput(
            planned_type=data["planned_type"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
            scope=scope,
        )


def _initial(outage: reads.Outage) -> dict[str, Any]:
    scope = reads.scope_of(outage)
    return {
        "planned_type": outage.planned_type,
        "starts_at": timezone.localtime(outage.starts_at),
        "ends_at": timezone.localtime(outage.ends_at) if outage.ends_at else None,
        "reason": outage.reason,
        "feeders": ", ".join(f.code for f in scope.feeders),
        "transformers": ", ".join(t.code for t in scope.transformers),
        "accounts": ", ".join(a.number for a in scope.accounts),
    }


def _topology_hints(user: User) -> dict[str, Any]:
    """The feeders and 台区 the editor may choose (datalists of the scope fields)."""
    feeders, transformers = reads.planned_scope_choices(user=user)
    return {"hint_transformers": transformers, "hint_feeders": feeders}


@staff_required(VIEW_OUTAGES)
def planned_list_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    state = parse_choice(request.GET.get("state"), field="state", choices=STATES, default="")
    outages = reads.planned_outages_for_user(user=request.user, state=state)[:200]
    context = {"outages": outages, "state": state, "states": OutageState.choices}
    return render(request, "console/outages/planned_list.html", context)


def _editor(
    request: HttpRequest,
    user: User,
    outage: reads.Outage | None,
    form: PlannedForm,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "outage": outage, **_topology_hints(user)}
    return render(request, "console/outages/planned_edit.html", context, status=status)


def _save(request: HttpRequest, user: User, outage: reads.Outage | None) -> HttpResponse:
    form = PlannedForm(request.POST)
    if not form.is_valid():
        return _editor(request, user, outage, form, status=400)
    try:
        data = form.planned_input(user)
        if outage is None:
            outage = uses.planned_create(actor=user, data=data)
            messages.success(request, _("Draft %(number)s saved.") % {"number": outage.number})
        else:
            version = int(request.POST.get("version") or 0)
            outage = uses.planned_update(actor=user, outage=outage, data=data, version=version)
            messages.success(request, _("Draft %(number)s updated.") % {"number": outage.number})
    except DomainError as exc:
        form_add_domain_error(form, exc)
        return _editor(request, user, outage, form, status=exc.status)
    return redirect("console:outage_planned", number=outage.number)


@staff_required(PLAN)
def planned_new_view(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    if request.method == "POST":
        return _save(request, request.user, None)
    return _editor(
        request, request.user, None, PlannedForm(initial={"planned_type": "maintenance"})
    )


def _outage_or_404(request: HttpRequest, number: str) -> reads.Outage | None:
    assert isinstance(request.user, User)
    try:
        return reads.planned_get_for_user(user=request.user, number=number)
    except DomainError:
        return None


@staff_required(PLAN)
def planned_edit_view(request: HttpRequest, number: str) -> HttpResponse:
    outage = _outage_or_404(request, number)
    if outage is None:
        return page_not_found(request)
    assert isinstance(request.user, User)
    if outage.state != OutageState.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("console:outage_planned", number=outage.number)
    if request.method == "POST":
        return _save(request, request.user, outage)
    return _editor(request, request.user, outage, PlannedForm(initial=_initial(outage)))


@staff_required(PLAN)
def planned_preview_view(request: HttpRequest) -> HttpResponse:
    """The editor's live preview (htmx): who the form's scope reaches and whether its
    start meets the notice rule. Always 200, so htmx swaps the explanation in."""
    assert isinstance(request.user, User)
    form = PlannedForm(request.POST)
    context: dict[str, Any] = {}
    if form.is_valid():
        try:
            data = form.planned_input(request.user)
            if data.scope.empty:
                context["hint"] = _("Choose feeders, transformer areas or accounts.")
            else:
                context["preview"] = reads.affected_preview(
                    scope=data.scope,
                    planned_type=data.planned_type,
                    starts_at=data.starts_at,
                    now=timezone.now(),
                )
        except DomainError as exc:
            context["error"] = exc.message
    else:
        context["hint"] = _("Fill in the type, window and scope to see who is affected.")
    return render(request, "console/outages/planned_preview.html", context)


@staff_required(VIEW_OUTAGES)
def planned_detail_view(request: HttpRequest, number: str) -> HttpResponse:
    outage = _outage_or_404(request, number)
    if outage is None:
        return page_not_found(request)
    assert isinstance(request.user, User)
    preview = reads.outage_preview(outage=outage, now=timezone.now())
    context = {
        "outage": outage,
        "preview": preview,
        "events": reads.outage_history(outage=outage),
        "can_plan": request.user.has_perm(PLAN),
        "can_override": request.user.has_perm(OVERRIDE_OUTAGE_NOTICE),
        "scope": reads.scope_of(outage),
    }
    return render(request, "console/outages/planned_detail.html", context)


ACTIONS = ("publish", "cancel", "restore")


def _restored_at(value: str | None) -> datetime | None:
    if not value:
        return None
    field = forms.DateTimeField()
    try:
        moment = field.clean(value)
    except forms.ValidationError:
        raise DomainError(
            "outages.planned.bad_restored_at", "恢复送电时间格式不正确", field="restored_at"
        ) from None
    assert isinstance(moment, datetime)
    return moment


@staff_required(PLAN)
def planned_action_view(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """POST publish / cancel / restore, then back to the outage with what happened."""
    outage = _outage_or_404(request, number)
    if outage is None or action not in ACTIONS:
        return page_not_found(request)
    if request.method != "POST":
        return redirect("console:outage_planned", number=number)
    assert isinstance(request.user, User)
    post = request.POST
    try:
        if action == "publish":
            uses.planned_publish(
                actor=request.user,
                outage=outage,
                override_reason=(post.get("override_reason") or "")[:200],
                ip=client_ip(request),
            )
            messages.success(request, _("Published; the affected customers are being told."))
        elif action == "cancel":
            uses.planned_cancel(actor=request.user, outage=outage, reason=post.get("reason") or "")
            messages.success(request, _("Cancelled."))
        else:
            at = _restored_at(post.get("restored_at"))
            uses.planned_restore(actor=request.user, outage=outage, at=at)
            messages.success(request, _("Marked restored; the customers are being told."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:outage_planned", number=number)
