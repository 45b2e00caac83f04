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
