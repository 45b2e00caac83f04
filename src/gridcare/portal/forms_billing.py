"""Forms of the portal's billing pages: pay (or top up) and the bill calculator (电费试算).

They only parse and bound what a person typed: an amount is a positive number of yuan with
at most two decimals, never above what the page offers to pay; kWh are non-negative with at
most three decimals. Whatever is refused is a 400 with the reason beside the field. Whether
a payment may be made is the payment service's decision.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from gridcare.billing.choices import Provider

#: The largest prepaid top-up accepted in one payment (yuan).
TOPUP_MAX = Decimal("50000.00")
#: The largest quantity the calculator prices (kWh or kW): a month of a large factory.
QUANTITY_MAX = Decimal("100000000")
PROVIDERS = [(Provider.WECHAT.value, Provider.WECHAT.label), (Provider.ALIPAY.value, Provider.ALIPAY.label)]  # fmt: skip
DEVICES = [("desktop", _("Computer")), ("phone", _("Phone"))]
TOU_FIELDS = ("sharp", "peak", "flat", "valley")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PayForm(forms.Form):
    """Provider and amount; `device` is filled in by the page's script from the screen width
    (a phone is sent to the provider's page, a computer shows a QR code)."""

    provider = forms.ChoiceField(
        label=_("Pay with"),
        choices=PROVIDERS,
        initial=Provider.WECHAT.value,
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"invalid": _("Enter an amount in yuan, such as 100 or 88.50.")},
    )
    device = forms.ChoiceField(choices=DEVICES, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, maximum: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)
        # Only the providers this installation takes payments with (GRIDCARE_PAY_PROVIDERS).
        provider.choices = [(v, label) for v, label in PROVIDERS if v in settings.PAY_PROVIDERS]
        field = self.fields["amount"]
        field.validators.append(
            MaxValueValidator(
                maximum,
                message=_("At most ¥%(limit)s can be paid here.") % {"limit": f"{maximum:,.2f}"},
            )
        )
        field.widget.attrs.update({"max": str(maximum), "step": "0.01", "inputmode": "decimal"})


def _quantity(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=QUANTITY_MAX,
        widget=forms.NumberInput(attrs={"min": "0", "step": "any", "inputmode": "decimal"}),
    )


class QuoteForm(forms.Form):
    """A tariff, a month and the usage to price: a total, or kWh per time-of-use period."""

    tariff = forms.ChoiceField(label=_("Tariff"))
    month = forms.CharField(
        label=_("Month"), max_length=7, widget=forms.TextInput(attrs={"type": "month"})
    )
    mode = forms.ChoiceField(
        label=_("Usage"),
        choices=[("total", _("Total kWh")), ("tou", _("kWh per time-of-use period"))],
        initial="total",
        widget=forms.RadioSelect,
    )
    kwh = _quantity(_("Total (kWh)"))
    sharp = _quantity(_("Critical peak (kWh)"))
    peak = _quantity(_("Peak (kWh)"))
    flat = _quantity(_("Flat (kWh)"))
    valley = _quantity(_("Valley (kWh)"))
    max_demand_kw = _quantity(_("Maximum demand (kW)"))

    def __init__(self, *args: Any, tariffs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        tariff = self.fields["tariff"]
        assert isinstance(tariff, forms.ChoiceField)
        tariff.choices = tariffs

    def clean_month(self) -> dt.date:
        match = _MONTH.match(self.cleaned_data["month"].strip())
        year, month = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        return dt.date(year, month, 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "total" and data.get("kwh") is None and "kwh" not in self.errors:
            self.add_error("kwh", _("Enter the month's kWh."))
        if data.get("mode") == "tou":
            for name in ("peak", "flat", "valley"):  # the critical peak only where priced
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Enter this period's kWh (0 if none)."))
        return data

    def usage(self) -> dict[str, Decimal | None]:
        """The usage of the chosen mode: {"total": kWh} or kWh per time-of-use period."""
        data = self.cleaned_data
        if data["mode"] == "total":
            return {"total": data["kwh"]}
        return {name: data.get(name) for name in TOU_FIELDS}
