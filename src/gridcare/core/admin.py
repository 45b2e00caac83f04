from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import HttpRequest
from django.utils import timezone

from gridcare.core.calendar_services import calendar_year_delete, calendar_year_edited
from gridcare.core.models import ApiToken, AuditLog, CalendarDay, CalendarYear, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "kind", "org_unit", "is_active"]
    list_filter = ["kind", "groups", "is_active"]
    search_fields = ["username", "display_name"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password", "display_name", "kind", "mobile")}),
        ("Org", {"fields": ("org_unit", "groups", "is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "kind", "org_unit", "password1", "password2")}),
    )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1
    fields = ["date", "kind", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """Year calendars (工作日历): a year's holidays and 调休 days, as the notice lists them.

    Saving or deleting goes through core.calendar_services: audited, and other apps hear of
    it (`calendar_changed`) once it commits.
    """

    list_display = ["year", "source", "imported_at", "imported_by"]
    readonly_fields = ["imported_at", "imported_by"]
    fields = ["year", "source", "note", "imported_at", "imported_by"]
    inlines = [CalendarDayInline]

    def save_model(
        self, request: HttpRequest, obj: CalendarYear, form: BaseModelForm, change: bool
    ) -> None:
        obj.imported_at, obj.imported_by = timezone.now(), _user(request)
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: BaseModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        calendar_year_edited(actor=_user(request), calendar=form.instance)

    def delete_model(self, request: HttpRequest, obj: CalendarYear) -> None:
        calendar_year_delete(actor=_user(request), calendar=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarYear]) -> None:
        for calendar in queryset:
            calendar_year_delete(actor=_user(request), calendar=calendar)


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None
