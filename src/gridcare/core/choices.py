from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Staff and customer roles; each is a Django group with its permissions (core.roles)."""

    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("95598 agent")
    BUSINESS_HALL_CLERK = "business_hall_clerk", _("Business-hall clerk")
    DISPATCHER = "dispatcher", _("Dispatcher")
    FIELD_CREW = "field_crew", _("Field crew")
    ANALYST = "analyst", _("Analyst")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class UserKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    STAFF = "staff", _("Staff")


class ApiTokenScope(models.TextChoices):
    """What a bearer token may do (docs/api.md): `read` the safe methods (GET), `write` the
    others, `admin` administer other users' tokens (only for users who may manage tokens)."""

    READ = "read", _("Read")
    WRITE = "write", _("Write")
    ADMIN = "admin", _("Administer tokens")


class OrgUnitKind(models.TextChoices):
    """供电局 → 供电所 → 班组."""

    BUREAU = "bureau", _("Supply bureau")
    STATION = "station", _("Supply station")
    TEAM = "team", _("Team")


ORG_UNIT_CHILD_KIND = {
    OrgUnitKind.BUREAU: {OrgUnitKind.BUREAU, OrgUnitKind.STATION},
    OrgUnitKind.STATION: {OrgUnitKind.TEAM},
    OrgUnitKind.TEAM: set(),
}


class CalendarDayKind(models.TextChoices):
    """An exception to "Monday–Friday work, weekend rest" (core.workdays.DayKind)."""

    HOLIDAY = "holiday", _("Holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day")
