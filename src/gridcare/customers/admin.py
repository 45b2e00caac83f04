from django.contrib import admin

from gridcare.customers.models import (
    Account,
    AccountBinding,
    AccountMeter,
    ChannelIdentity,
    ConsentRecord,
    Customer,
    Premise,
)


class AccountInline(admin.TabularInline):
    model = Account
    fields = ("number", "tariff_class", "status", "supply_unit")
    readonly_fields = ("number", "tariff_class", "status", "supply_unit")
    extra = 0
    can_delete = False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "accounts__number"]
    # The ID number is encrypted; the admin never lists or edits it in bulk.
    exclude = ["id_number", "id_number_index"]
    inlines = [AccountInline]


@admin.register(Premise)
class PremiseAdmin(admin.ModelAdmin):
    list_display = ["id", "province", "city", "district", "street"]
    search_fields = ["street", "detail"]


class AccountMeterInline(admin.TabularInline):
    model = AccountMeter
    raw_id_fields = ["meter"]
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "tariff_class", "status", "supply_unit", "is_sensitive"]
    list_filter = ["tariff_class", "status", "importance_level", "is_sensitive", "supply_unit"]
    search_fields = ["number"]
    raw_id_fields = ["customer", "premise"]
    list_select_related = ["customer", "supply_unit"]
    inlines = [AccountMeterInline]


@admin.register(ChannelIdentity)
class ChannelIdentityAdmin(admin.ModelAdmin):
    list_display = ["channel", "external_id", "customer", "created_at"]
    raw_id_fields = ["customer"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["customer", "purpose", "granted", "source", "at"]
    list_filter = ["purpose", "granted"]
    raw_id_fields = ["customer"]


@admin.register(AccountBinding)
class AccountBindingAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "bound_at", "revoked_at"]
    raw_id_fields = ["user", "account"]
