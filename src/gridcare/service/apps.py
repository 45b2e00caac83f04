from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "gridcare.service"
    label = "service"
    verbose_name = _("Work orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gridcare.contact.signals import rating_received
        from gridcare.core.periodic import periodic_register
        from gridcare.core.signals import calendar_changed
        from gridcare.service.notice_templates import notice_templates_sync_after_migrate
        from gridcare.service.services.sla import on_calendar_changed
        from gridcare.service.services.visit_rating import rating_received as apply_sms_rating
        from gridcare.service.sla_presets import sla_presets_sync_after_migrate
        from gridcare.service.tasks import sla_sweep_periodic, visits_expire_periodic
        from gridcare.service.taxonomy import taxonomy_sync_after_migrate

        # Data every installation needs (taxonomy, SLA presets, message templates), kept in
        # step with the code after each migrate; what admins changed is kept.
        post_migrate.connect(taxonomy_sync_after_migrate, sender=self)
        post_migrate.connect(sla_presets_sync_after_migrate, sender=self)
        post_migrate.connect(notice_templates_sync_after_migrate, sender=self)

        # `gridcare worker` runs these (core.periodic).
        periodic_register("service.sla_sweep", sla_sweep_periodic, every=60)
        periodic_register("service.visits_expire", visits_expire_periodic, every=300)

        # A year calendar entered or changed: provisional deadlines are computed again.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="service.sla.recompute")
        # An SMS reply of 1–5 rates the customer's open return visit (contact sits below
        # service and announces it; docs/architecture.md "Return visits").
        rating_received.connect(apply_sms_rating, dispatch_uid="service.visit_sms_rating")
