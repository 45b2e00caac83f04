"""Forms of the portal's work-order pages: report a fault, complain, suggest; cancel; rate.

They only parse: choices come from the login's accounts and the taxonomy, every value is
bounded here, and the rules (who may file on which account, which category fits which type)
stay in `service.services`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

#: What the "suggest" page files: suggestion, opinion or praise (建议/意见/表扬).
FEEDBACK_TYPES = ("suggestion", "opinion", "praise")
#: The service's limits (`service.models`; the portal may not import models). The service
#: checks them again, so a drift shows as a service error, never as a stored overlong text.
DESCRIPTION_MAX = 2000
TITLE_MAX = 200


def category_choices(categories: Any) -> list[tuple[str, Any]]:
    """Level-1 categories with children become option groups of their sub-categories."""
    english = (get_language() or "").startswith("en")
    rows = list(categories)

    def name(c: Any) -> str:
        return str(c.name_en if english else c.name_zh)

    choices: list[tuple[str, Any]] = []
    for top in (c for c in rows if c.parent_id is None):
        children = [c for c in rows if c.parent_id == top.pk]
        if children:
            choices.append((name(top), [(c.code, name(c)) for c in children]))
        else:
            choices.append((top.code, name(top)))
    return choices


def _coordinate(value: str, *, limit: int) -> Decimal | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) > limit or len(value) > 20:
        raise forms.ValidationError(
            _("The location could not be read; describe it in the address.")
        )
    return number.quantize(Decimal("0.000001"))


class OrderForm(forms.Form):
    """One form for the three pages; `kind` is "fault_repair", "complaint" or "feedback"."""

    account = forms.ChoiceField(label=_("Account number"))
    order_type = forms.ChoiceField(label=_("Type"), required=False)
    category = forms.ChoiceField(label=_("Category"))
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def __init__(
        self, *args: Any, kind: str, accounts: list[Any], categories: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in ("account", "order_type", "category"):
            self.fields[name].widget.attrs.update(
                {"class": "form-select", "data-testid": f"field-{name}"}
            )
        account = self.fields["account"]
        assert isinstance(account, forms.ChoiceField)
        account.choices = [(a.number, a.number) for a in accounts]
        rows = list(categories)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", _("Choose…")), *category_choices(rows)]
        #: Chinese names by code: orders are titled in the utility's language.
        self.category_names = {c.code: str(c.name_zh) for c in rows}
        if kind == "feedback":
            order_type = self.fields["order_type"]
            assert isinstance(order_type, forms.ChoiceField)
            order_type.required = True
            order_type.choices = [
                ("suggestion", _("Suggestion")),
                ("opinion", _("Opinion")),
                ("praise", _("Praise")),
            ]
            del self.fields["category"]
        else:
            del self.fields["order_type"]
        if kind != "fault_repair":
            for name in ("address", "latitude", "longitude"):
                del self.fields[name]

    def clean_latitude(self) -> Decimal | None:
        return _coordinate(self.cleaned_data.get("latitude", ""), limit=90)

    def clean_longitude(self) -> Decimal | None:
        return _coordinate(self.cleaned_data.get("longitude", ""), limit=180)

    def order_type_value(self) -> str:
        return self.kind if self.kind != "feedback" else self.cleaned_data["order_type"]

    def title(self, category_name: str) -> str:
        """A title the crew and agents read in lists: the category, then the first words."""
        text = " ".join(self.cleaned_data["description"].split())
        head = f"{category_name}：{text[:40]}" if category_name else text[:60]
        return head[:TITLE_MAX]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
