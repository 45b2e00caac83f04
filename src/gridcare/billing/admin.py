"""Tariffs are edited by administrators here; every version passes the same check as the
service (engine.parse_spec and the overlap rule) before it is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from gridcare.billing.models import Tariff, TariffVersion
from gridcare.billing.services.tariffs import tariff_version_check
from gridcare.core.errors import DomainError


class TariffVersionForm(forms.ModelForm):
    class Meta:
        model = TariffVersion
        fields = ["tariff", "effective_from", "effective_to", "spec", "basis"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tariff = data.get("tariff")
        if tariff is not None and data.get("effective_from") and "spec" in data:
            try:
                tariff_version_check(
                    tariff=tariff,
                    effective_from=data["effective_from"],
                    effective_to=data.get("effective_to"),
                    spec=data["spec"],
                    exclude_pk=self.instance.pk,
                )
            except DomainError as exc:
                raise forms.ValidationError({exc.field or "spec": exc.message}) from exc
        return data


class TariffVersionInline(admin.StackedInline):
    model = TariffVersion
    form = TariffVersionForm
    extra = 0


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "tariff_class"]
    search_fields = ["code", "name"]
    inlines = [TariffVersionInline]


@admin.register(TariffVersion)
class TariffVersionAdmin(admin.ModelAdmin):
    form = TariffVersionForm
    list_display = ["tariff", "effective_from", "effective_to", "basis"]
    list_filter = ["tariff"]
