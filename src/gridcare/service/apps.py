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
        from gridcare.service.notice_templates import notice_templates_sync_after_migrate
        from gridcare.service.services.visit_rating import rating_received as apply_sms_rating
        from gridcare.service.taxonomy import taxonomy_sync_after_migrate

        post_migrate.connect(taxonomy_sync_after_migrate, sender=self)
        post_migrate.connect(notice_templates_sync_after_migrate, sender=self)
        # An SMS reply of 1–5 rates the customer's open return visit (contact sits below
        # service and announces it; docs/architecture.md "Return visits").
        rating_received.connect(apply_sms_rating, dispatch_uid="service.visit_sms_rating")
