from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gridcare.grid.models import Feeder, Meter, Substation, Transformer
from gridcare.grid.services import meter_cache_ancestors, transformer_reassign


@admin.register(Substation)
class SubstationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "voltage_level", "org_unit"]
    search_fields = ["code", "name"]


@admin.register(Feeder)
class FeederAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "substation", "voltage_level"]
    list_filter = ["substation"]
    search_fields = ["code", "name"]


@admin.register(Transformer)
class TransformerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "feeder", "rated_kva", "area_class", "org_unit"]
    list_filter = ["area_class", "feeder__substation"]
    search_fields = ["code", "name"]
    list_select_related = ["feeder", "org_unit"]

    def save_model(self, request: HttpRequest, obj: Transformer, form: Any, change: bool) -> None:
        # Moving a transformer to another feeder must move its meters' cached keys too.
        if change and "feeder" in form.changed_data:
            new_feeder = obj.feeder
            obj.feeder_id = form.initial["feeder"]
            super().save_model(request, obj, form, change)
            transformer_reassign(actor=request.user, transformer=obj, feeder=new_feeder)  # type: ignore[arg-type]
            return
        super().save_model(request, obj, form, change)


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["asset_number", "transformer", "phase", "multiplier", "status"]
    list_filter = ["status", "phase"]
    search_fields = ["asset_number"]
    list_select_related = ["transformer"]
    # The cached ancestor keys are maintained by grid.services, never typed in by hand.
    readonly_fields = ["feeder", "substation"]

    def save_model(self, request: HttpRequest, obj: Meter, form: Any, change: bool) -> None:
        meter_cache_ancestors(meter=obj)
        super().save_model(request, obj, form, change)
