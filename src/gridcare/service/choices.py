"""The 95598 taxonomy's fixed vocabularies (domain-facts §2). Categories below the
complaint level are data (`Category`, seeded from data/taxonomy.toml)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderType(models.TextChoices):
    FAULT_REPAIR = "fault_repair", _("Fault repair")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")
    OPINION = "opinion", _("Opinion")
    PRAISE = "praise", _("Praise")
    CONSULTATION = "consultation", _("Consultation")
    SERVICE_REQUEST = "service_request", _("Service request")


#: Orders a field crew goes out for (抢修类); the rest are non-repair orders (非抢修类).
REPAIR_TYPES = frozenset({OrderType.FAULT_REPAIR})


class Origin(models.TextChoices):
    """The channel an order came in through."""

    WEB = "web", _("Web portal")
    H5 = "h5", _("Mobile H5")
    WECHAT = "wechat", _("WeChat")
    ALIPAY = "alipay", _("Alipay")
    HOTLINE = "hotline", _("95598 hotline")
    BUSINESS_HALL = "business_hall", _("Business hall")
    SELF_SERVICE_TERMINAL = "self_service_terminal", _("Self-service terminal")
    ASSISTANT = "assistant", _("Assistant")
    #: Opened by GridCare itself (billing's disconnection and reconnection requests); only
    #: `intake.order_create_as_system` may use it.
    SYSTEM = "system", _("System")


#: Where each origin lands on the customer's timeline (customers.InteractionChannel). A
#: system order is no contact of the customer's and is not put on the timeline.
ORIGIN_TIMELINE_CHANNEL = {
    Origin.WEB: "portal",
    Origin.H5: "portal",
    Origin.WECHAT: "wechat",
    Origin.ALIPAY: "alipay",
    Origin.HOTLINE: "hotline",
    Origin.BUSINESS_HALL: "counter",
    Origin.SELF_SERVICE_TERMINAL: "portal",
    Origin.ASSISTANT: "chatbot",
}


class OrderState(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DISPATCHED = "dispatched", _("Dispatched")
    TAKEN = "taken", _("Taken")
    ARRIVED = "arrived", _("Arrived on site")
    RESOLVED = "resolved", _("Resolved")
    RETURN_VISIT = "return_visit", _("Return visit")
    ARCHIVED = "archived", _("Archived")
    CANCELLED = "cancelled", _("Cancelled")
    MERGED = "merged", _("Merged into another order")


OPEN_STATES = frozenset(
    {OrderState.ACCEPTED, OrderState.DISPATCHED, OrderState.TAKEN, OrderState.ARRIVED}
)
CLOSED_STATES = frozenset({OrderState.ARCHIVED, OrderState.CANCELLED, OrderState.MERGED})


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class AreaClass(models.TextChoices):
    """The commitment's area classes; the transformer's `area_class` uses the same values."""

    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")
    REMOTE = "remote", _("Remote")


class EventKind(models.TextChoices):
    CREATED = "created", _("Accepted")
    DISPATCH = "dispatch", _("Dispatched")
    REASSIGN = "reassign", _("Reassigned")
    TAKE = "take", _("Taken")
    SEND_BACK = "send_back", _("Sent back")
    ARRIVE = "arrive", _("Arrived")
    RESOLVE = "resolve", _("Resolved")
    START_VISIT = "start_visit", _("Return visit started")
    ARCHIVE = "archive", _("Archived")
    CANCEL = "cancel", _("Cancelled")
    REOPEN = "reopen", _("Reopened")
    MERGE = "merge", _("Merged")
    PAUSE = "pause", _("Waiting for the customer")
    RESUME = "resume", _("Customer replied")
    NOTE = "note", _("Note")
    RATED = "rated", _("Rated")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_OVERDUE = "sla_overdue", _("SLA overdue")
    STEP_DONE = "step_done", _("Application step completed")
    ATTACHMENT = "attachment", _("Attachment added")


class ClockKind(models.TextChoices):
    """The commitments a clock measures (domain-facts §1 design implications)."""

    REPAIR_ARRIVAL = "repair_arrival", _("Repair arrival")
    REPAIR_RESTORATION = "repair_restoration", _("Restoration after arrival")
    COMPLAINT_CONTACT = "complaint_contact", _("Complaint first contact")
    COMPLAINT_REPLY = "complaint_reply", _("Complaint reply")
    REPLY = "reply", _("Reply to the customer")
    APPLICATION_STEP = "application_step", _("Application step")
    RECONNECTION = "reconnection", _("Reconnection after payment")
    DISCONNECTION = "disconnection", _("Disconnection for arrears")


class ClockUnit(models.TextChoices):
    MINUTES = "minutes", _("Minutes (calendar clock)")
    HOURS = "hours", _("Hours (calendar clock)")
    WORKING_DAYS = "working_days", _("Working days")


class ApplicationKind(models.TextChoices):
    """Business applications (业扩报装 and other service requests) with their own workflows."""

    NEW_RESIDENTIAL = "new_residential", _("New connection: residential")
    NEW_LOW_VOLTAGE = "new_low_voltage", _("New connection: low-voltage non-residential")
    NEW_HV_SINGLE = "new_hv_single", _("New connection: high-voltage, single supply")
    NEW_HV_DUAL = "new_hv_dual", _("New connection: high-voltage, double supply")
    CAPACITY_INCREASE = "capacity_increase", _("Capacity increase")
    CAPACITY_DECREASE = "capacity_decrease", _("Capacity decrease")
    SUSPENSION = "suspension", _("Suspension")
    NAME_TRANSFER = "name_transfer", _("Name transfer")
    ACCOUNT_CLOSURE = "account_closure", _("Account closure")
    METER_CALIBRATION = "meter_calibration", _("Meter calibration")
    PV_CONNECTION = "pv_connection", _("Distributed PV connection")
    EV_CHARGER = "ev_charger", _("EV charger connection")


class StepState(models.TextChoices):
    PENDING = "pending", _("Not started")
    ACTIVE = "active", _("In progress")
    WAITING = "waiting", _("Waiting for the customer")
    DONE = "done", _("Done")


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    PROPERTY_PROOF = "property_proof", _("Property proof")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    SITE_PHOTO = "site_photo", _("Site photo")
    RESOLUTION_PHOTO = "resolution_photo", _("Repair photo")
    OTHER = "other", _("Other")


class VisitOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the rating")
    SATISFIED = "satisfied", _("Satisfied")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")
    NO_ANSWER = "no_answer", _("No answer")
