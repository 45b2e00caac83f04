from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationStatus(models.TextChoices):
    """Where a notification is in its delivery (every change is a `NotificationEvent`)."""

    QUEUED = "queued", _("Queued")
    DEFERRED = "deferred", _("Deferred (quiet hours)")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent")


#: States a worker may claim (compare-and-set from one of these to SENDING).
CLAIMABLE = (NotificationStatus.QUEUED, NotificationStatus.DEFERRED, NotificationStatus.RETRYING)


class SuppressionReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("The customer has not agreed to this purpose")
    NO_DESTINATION = "no_destination", _("No address on this channel")
    RATE_LIMITED = "rate_limited", _("Too many messages to this customer today")


COLORS = {
    NotificationStatus.QUEUED: "secondary",
    NotificationStatus.DEFERRED: "info",
    NotificationStatus.SENDING: "primary",
    NotificationStatus.RETRYING: "warning",
    NotificationStatus.SENT: "success",
    NotificationStatus.FAILED: "danger",
    NotificationStatus.SUPPRESSED: "dark",
}
