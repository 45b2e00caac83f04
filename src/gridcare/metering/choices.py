from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportSource(models.TextChoices):
    CLI = "cli", _("Command line")
    API = "api", _("Head-end API")
    DEMO = "demo", _("Demo generator")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class LoadEventKind(models.TextChoices):
    """Transformer loading events (domain-facts §7): heavy ≥ 80 % for 2 h, overload ≥ 100 % for 1 h."""

    HEAVY = "heavy", _("Heavy load")
    OVERLOAD = "overload", _("Overload")


COLORS = {
    ImportStatus.RUNNING: "info",
    ImportStatus.SUCCEEDED: "success",
    ImportStatus.FAILED: "danger",
    LoadEventKind.HEAVY: "warning",
    LoadEventKind.OVERLOAD: "danger",
}
