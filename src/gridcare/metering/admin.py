from django.contrib import admin

from gridcare.metering.models import (
    ImportBatch,
    LoadEvent,
    LoadingPolicy,
    TouPreset,
    TransformerDay,
)


@admin.register(TouPreset)
class TouPresetAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "tariff_classes"]


@admin.register(LoadingPolicy)
class LoadingPolicyAdmin(admin.ModelAdmin):
    list_display = ["created_at", "power_factor"]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["started_at", "source", "status", "actor", "finished_at"]
    list_filter = ["source", "status"]
    readonly_fields = [
        "id",
        "source",
        "actor",
        "files",
        "status",
        "report",
        "error",
        "started_at",
        "finished_at",
    ]


@admin.register(TransformerDay)
class TransformerDayAdmin(admin.ModelAdmin):
    list_display = ["transformer", "day", "peak_kw", "load_rate", "completeness"]
    list_filter = ["day"]
    list_select_related = ["transformer"]


@admin.register(LoadEvent)
class LoadEventAdmin(admin.ModelAdmin):
    list_display = ["transformer", "kind", "start", "end", "max_load_rate"]
    list_filter = ["kind"]
    list_select_related = ["transformer"]
