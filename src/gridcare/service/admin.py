from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gridcare.service.models import Category, ServiceArea, SlaPolicy, SlaRule
from gridcare.service.services.sla import sla_policy_use


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
    # Exactly one policy is in use (a constraint): switched by the action, never by a tick.
    readonly_fields = ("in_use",)
    actions = ("use_policy",)

    @admin.action(description=_("Use this policy for new orders"))
    def use_policy(self, request: HttpRequest, queryset: QuerySet[SlaPolicy]) -> None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one policy."), messages.ERROR)
            return
        policy = sla_policy_use(actor=request.user, code=queryset.get().code)  # type: ignore[arg-type]
        self.message_user(request, _("%(name)s is now in use.") % {"name": policy.name})
