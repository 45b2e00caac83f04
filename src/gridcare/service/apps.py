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
        from gridcare.service.services.billing_orders import billing_orders_periodic
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
        # Billing's disconnection / reconnection requests become work orders.
        periodic_register("service.billing_orders", billing_orders_periodic, every=60)

        # A year calendar entered or changed: provisional deadlines are computed again.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="service.sla.recompute")
        # An SMS reply of 1–5 rates the customer's open return visit (contact sits below
        # service and announces it; docs/architecture.md "Return visits").
        rating_received.connect(apply_sms_rating, dispatch_uid="service.visit_sms_rating")

        # Outages (below service) announce detected and restored outages: one repair order
        # per outage, calls from inside it merged in, resolved with it (outage_orders).
        from gridcare.outages.signals import (
            unplanned_outage_absorbed,
            unplanned_outage_opened,
            unplanned_outage_restored,
        )
        from gridcare.service.services.outage_orders import (
            on_order_created,
            on_outage_absorbed,
            on_outage_opened,
            on_outage_restored,
            outage_orders_periodic,
        )
        from gridcare.service.signals import order_created

        unplanned_outage_opened.connect(on_outage_opened, dispatch_uid="service.outage_order")
        unplanned_outage_restored.connect(on_outage_restored, dispatch_uid="service.outage_resolve")
        unplanned_outage_absorbed.connect(on_outage_absorbed, dispatch_uid="service.outage_absorb")
        # … and from the rows, for what a receiver missed.
        periodic_register("service.outage_orders", outage_orders_periodic, every=60)
        order_created.connect(on_order_created, dispatch_uid="service.outage_link")
