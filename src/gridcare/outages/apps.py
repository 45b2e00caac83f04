from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    name = "gridcare.outages"
    label = "outages"
    verbose_name = _("Outages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_migrate

        from gridcare.core.periodic import periodic_register
        from gridcare.outages.notice_templates import outage_templates_sync_after_migrate
        from gridcare.outages.planned_templates import planned_templates_sync_after_migrate
        from gridcare.outages.services.detect import detect_periodic
        from gridcare.outages.services.planned_schedule import planned_tick

        # Detection: the unplanned outages' notice wording, published where missing; a
        # sweep every minute besides the run after each ingested batch (a restoration that
        # came without new events, a batch whose own run failed).
        post_migrate.connect(outage_templates_sync_after_migrate, sender=self)
        periodic_register("outages.detect", detect_periodic, every=60)
        # Planned outages: the notices' wording (notify templates), published where missing;
        # the job that sends reminders, starts outages at their start and restores them when
        # their window has passed.
        post_migrate.connect(planned_templates_sync_after_migrate, sender=self)
        periodic_register(
            "outages.planned", planned_tick, every=settings.OUTAGES_PLANNED_TICK_SECONDS
        )
