"""Roles as Django groups, and the permissions each one holds.

The table below is the single source; `sync_roles` makes the groups match it and runs after
every migrate, so a fresh database and an upgraded one end up the same.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from gridcare.core.choices import Role

VIEW_CUSTOMER = "customers.view_customer"
VIEW_ACCOUNT = "customers.view_account"
CHANGE_CUSTOMER = "customers.change_customer"
ADD_CUSTOMER = "customers.add_customer"
VIEW_GRID = "grid.view_meter"
REVEAL_PII = "core.reveal_pii"
VIEW_AUDIT = "core.view_auditlog"
MANAGE_TOKENS = "core.add_apitoken"
IMPORT_READINGS = "metering.add_importbatch"
ADD_INTERACTION = "customers.add_interaction"
VIEW_NOTIFICATIONS = "notify.view_notification"
PUBLISH_TEMPLATES = "notify.add_notificationtemplate"
VIEW_ORDERS = "service.view_workorder"
ADD_ORDERS = "service.add_workorder"
DISPATCH_ORDERS = "service.dispatch_workorder"
WORK_ORDERS = "service.work_workorder"
SUPERVISE_ORDERS = "service.supervise_workorder"
#: Sees the year calendars and the reminder to enter next year's (console banner).
VIEW_CALENDAR = "core.view_calendaryear"
#: Enters and corrects year calendars in the Django admin (the days are an inline).
MAINTAIN_CALENDAR = [
    VIEW_CALENDAR,
    "core.add_calendaryear",
    "core.change_calendaryear",
    "core.delete_calendaryear",
    "core.view_calendarday",
    "core.add_calendarday",
    "core.change_calendarday",
    "core.delete_calendarday",
]

#: Billing (billing app): who sees bills and ledgers, takes counter payments, refunds,
#: reconciles callbacks, runs billing and edits tariffs.
VIEW_BILLING = "billing.view_bill"
TAKE_PAYMENT = "billing.add_payment"
REFUND_PAYMENT = "billing.add_refund"
RECONCILE_PAYMENTS = "billing.change_callbackrecord"
RUN_BILLING = "billing.add_billingrun"
MANAGE_TARIFFS = [
    "billing.view_tariff",
    "billing.change_tariff",
    "billing.view_tariffversion",
    "billing.add_tariffversion",
    "billing.change_tariffversion",
]

#: Outages (outages app): who sees outages and reliability, plans them, waives the notice
#: rule (audited), and posts power events over HTTP (an integrator's token).
VIEW_OUTAGES = "outages.view_outage"
PLAN_OUTAGES = ["outages.add_outage", "outages.change_outage"]
OVERRIDE_OUTAGE_NOTICE = "outages.override_notice"
POST_POWER_EVENTS = "outages.add_powerevent"
#: Assistant (assistant app): who reads the bot's conversations and handoffs, who edits
#: the knowledge base (and its list of unanswered questions).
VIEW_ASSISTANT = "assistant.view_botsession"
#: Posts customers' messages to the assistant for the WeChat/Alipay/app adapters (an
#: integrator's token, like POST_POWER_EVENTS).
POST_ASSISTANT_MESSAGES = "assistant.add_botturn"
EDIT_KNOWLEDGE = ["assistant.add_faqentry", "assistant.change_faqentry"]
#: Monitoring (monitoring app): the duty wall (值班大屏) for whoever is on duty; dashboards,
#: scorecards and reports for analysts and managers; index weights and alert rules edited
#: by managers (each change a new index version, audited).
VIEW_WALL = "monitoring.view_wall"
VIEW_DASHBOARDS = "monitoring.view_dashboards"
EXPORT_REPORTS = "monitoring.export_report"
EDIT_MONITORING = [
    "monitoring.add_indexversion",
    "monitoring.view_alertrule",
    "monitoring.add_alertrule",
    "monitoring.change_alertrule",
]
_STAFF_READ = [VIEW_CUSTOMER, VIEW_ACCOUNT, VIEW_GRID]

#: Work orders (service app): who handles, who dispatches, who goes out, who supervises.
_ORDER_DESK = [VIEW_ORDERS, ADD_ORDERS, WORK_ORDERS]
_ORDER_ALL = [*_ORDER_DESK, DISPATCH_ORDERS, SUPERVISE_ORDERS]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CUSTOMER: [],
    Role.AGENT: [
        *_STAFF_READ,
        ADD_INTERACTION,
        VIEW_NOTIFICATIONS,
        *_ORDER_ALL,
        VIEW_BILLING,
        VIEW_OUTAGES,
        VIEW_ASSISTANT,
        VIEW_WALL,
    ],
    Role.BUSINESS_HALL_CLERK: [
        *_STAFF_READ,
        ADD_CUSTOMER,
        CHANGE_CUSTOMER,
        ADD_INTERACTION,
        VIEW_NOTIFICATIONS,
        *_ORDER_DESK,
        VIEW_BILLING,
        TAKE_PAYMENT,
        VIEW_OUTAGES,
    ],
    Role.DISPATCHER: [
        *_STAFF_READ,
        ADD_INTERACTION,
        *_ORDER_DESK,
        DISPATCH_ORDERS,
        VIEW_OUTAGES,
        *PLAN_OUTAGES,
        VIEW_WALL,
    ],
    Role.FIELD_CREW: [VIEW_ACCOUNT, VIEW_GRID, VIEW_ORDERS, WORK_ORDERS, VIEW_OUTAGES],
    Role.ANALYST: [
        VIEW_ACCOUNT,
        VIEW_GRID,
        VIEW_ORDERS,
        VIEW_BILLING,
        VIEW_OUTAGES,
        VIEW_ASSISTANT,
        VIEW_WALL,
        VIEW_DASHBOARDS,
        EXPORT_REPORTS,
    ],
    Role.MANAGER: [
        *_STAFF_READ,
        REVEAL_PII,
        VIEW_AUDIT,
        ADD_INTERACTION,
        VIEW_NOTIFICATIONS,
        *_ORDER_ALL,
        VIEW_CALENDAR,
        VIEW_BILLING,
        REFUND_PAYMENT,
        RECONCILE_PAYMENTS,
        VIEW_OUTAGES,
        *PLAN_OUTAGES,
        OVERRIDE_OUTAGE_NOTICE,
        VIEW_ASSISTANT,
        *EDIT_KNOWLEDGE,
        VIEW_WALL,
        VIEW_DASHBOARDS,
        EXPORT_REPORTS,
        *EDIT_MONITORING,
    ],
    Role.ADMIN: [
        *_STAFF_READ,
        ADD_CUSTOMER,
        CHANGE_CUSTOMER,
        REVEAL_PII,
        VIEW_AUDIT,
        MANAGE_TOKENS,
        IMPORT_READINGS,
        ADD_INTERACTION,
        VIEW_NOTIFICATIONS,
        PUBLISH_TEMPLATES,
        *_ORDER_ALL,
        *MAINTAIN_CALENDAR,
        VIEW_BILLING,
        TAKE_PAYMENT,
        REFUND_PAYMENT,
        RECONCILE_PAYMENTS,
        RUN_BILLING,
        *MANAGE_TARIFFS,
        VIEW_OUTAGES,
        *PLAN_OUTAGES,
        OVERRIDE_OUTAGE_NOTICE,
        POST_POWER_EVENTS,
        POST_ASSISTANT_MESSAGES,
        VIEW_ASSISTANT,
        *EDIT_KNOWLEDGE,
        VIEW_WALL,
        VIEW_DASHBOARDS,
        EXPORT_REPORTS,
        *EDIT_MONITORING,
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_roles() -> None:
    """Create one group per role and set exactly the permissions listed for it."""
    for role, dotted_perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        group.permissions.set([_permission(perm) for perm in dotted_perms])


def sync_roles_after_migrate(**kwargs: Any) -> None:
    try:
        sync_roles()
    except Permission.DoesNotExist:
        # An app later in INSTALLED_APPS has not had its permissions created yet in this
        # migrate run; its own post_migrate signal calls us again once they exist.
        return
