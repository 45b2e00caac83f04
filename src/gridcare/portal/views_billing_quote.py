"""电费试算: price a month's usage on a tariff, as a bill would (lines, total, the tiers and
time-of-use periods in words), through `billing.services.quote` like the API and the CLI.
GET, so a result can be bookmarked and shared."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from gridcare.billing.labels import explain
from gridcare.billing.selectors import bills as bill_selectors
from gridcare.billing.services.quote import quote
from gridcare.core.errors import DomainError
from gridcare.core.web import customer_required, form_add_domain_error
from gridcare.portal.forms_billing import QuoteForm

FIELDS = ("tariff", "month", "mode", "kwh", "sharp", "peak", "flat", "valley", "max_demand_kw")


def _price(form: QuoteForm) -> dict[str, Any] | None:
    """Lines, total and explanations for a valid form; the service's refusal goes onto the
    form beside the field it names."""
    data = form.cleaned_data
    usage = form.usage()
    try:
        result = quote(
            tariff_code=data["tariff"],
            month=data["month"],
            kwh=usage.get("total"),
            peak=usage.get("peak"),
            flat=usage.get("flat"),
            valley=usage.get("valley"),
            critical=usage.get("sharp"),
            max_demand_kw=data.get("max_demand_kw"),
        )
    except DomainError as exc:
        # The service names its usage field `kwh` whatever the mode; show it where typed.
        if exc.field == "kwh" and data["mode"] != "total":
            exc.field = None
        form_add_domain_error(form, exc)
        return None
    total_kwh = sum((v for v in usage.values() if v is not None), Decimal("0"))
    items = {line.item for line in result.lines}
    windows = bill_selectors.month_tou_windows(month=result.month, items=items)
    return {
        "lines": result.lines,
        "total": result.total,
        "total_kwh": total_kwh,
        "explanations": explain(lines=result.lines, total_kwh=total_kwh, windows=windows),
    }


@customer_required
def quote_view(request: HttpRequest) -> HttpResponse:
    """The calculator: empty form, or the priced result (400 with the reasons)."""
    english = (get_language() or "").startswith("en")
    tariffs = [
        (t.code, f"{t.description if english and t.description else t.name} · {t.code}")
        for t in bill_selectors.quote_tariffs()
    ]
    submitted = any(name in request.GET for name in FIELDS)
    initial = {"month": timezone.localdate().strftime("%Y-%m"), "mode": "total"}
    form = QuoteForm(request.GET if submitted else None, tariffs=tariffs, initial=initial)
    result = _price(form) if submitted and form.is_valid() else None
    status = 400 if submitted and result is None else 200
    return render(
        request, "portal/billing/quote.html", {"form": form, "result": result}, status=status
    )
