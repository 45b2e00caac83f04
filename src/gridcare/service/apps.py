from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "gridcare.service"
    label = "service"
    verbose_name = _("Work orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gridcare.service.taxonomy import taxonomy_sync_after_migrate

        post_migrate.connect(taxonomy_sync_after_migrate, sender=self)

        # SLA presets (data/sla_presets.toml) seeded like the taxonomy; the SLA sweep runs
        # every minute in `gridcare worker` (core.periodic).
        from gridcare.core.periodic import periodic_register
        from gridcare.service.sla_presets import sla_presets_sync_after_migrate
        from gridcare.service.tasks import sla_sweep_periodic

        post_migrate.connect(sla_presets_sync_after_migrate, sender=self)
        periodic_register("service.sla_sweep", sla_sweep_periodic, every=60)

        # A year calendar entered or changed: provisional deadlines are computed again.
        from gridcare.core.signals import calendar_changed
        from gridcare.service.services.sla import on_calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="service.sla.recompute")
