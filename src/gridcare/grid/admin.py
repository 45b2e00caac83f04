from django.contrib import admin

from gridcare.grid.models import Feeder, Meter, Substation, Transformer


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


@admin.register(Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["asset_number", "transformer", "phase", "multiplier", "status"]
    list_filter = ["status", "phase"]
    search_fields = ["asset_number"]
    list_select_related = ["transformer"]
    # The cached ancestor keys are maintained by grid.services, never typed in by hand.
    readonly_fields = ["feeder", "substation"]
