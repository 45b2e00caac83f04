from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "gridcare.monitoring"
    label = "monitoring"
    verbose_name = _("Service monitoring")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_migrate

        from gridcare.core.periodic import periodic_register
        from gridcare.monitoring.services.alerts import alerts_periodic
        from gridcare.monitoring.services.presets import presets_install_after_migrate
        from gridcare.monitoring.services.rollup import rollup_periodic

        # The first index weights and alert rules (data, edited later by managers),
        # installed where missing; the facts of today and yesterday refreshed, the alert
        # rules evaluated, each on its own interval.
        post_migrate.connect(presets_install_after_migrate, sender=self)
        periodic_register(
            "monitoring.rollup", rollup_periodic, every=settings.MONITORING_ROLLUP_SECONDS
        )
        periodic_register(
            "monitoring.alerts", alerts_periodic, every=settings.MONITORING_ALERT_SECONDS
        )
