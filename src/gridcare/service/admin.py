from django.contrib import admin

from gridcare.service.models import Category, ServiceArea, SlaPolicy, SlaRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("code", "name_zh", "name_en", "order_type", "parent", "active")
    list_filter = ("order_type", "active")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(ServiceArea)
class ServiceAreaAdmin(admin.ModelAdmin[ServiceArea]):
    list_display = ("team", "transformer")
    list_select_related = ("team", "transformer")
    autocomplete_fields = ("transformer",)


class SlaRuleInline(admin.TabularInline[SlaRule, SlaPolicy]):
    model = SlaRule
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = ("code", "name", "effective_from", "effective_to", "in_use")
    inlines = (SlaRuleInline,)
