from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gridcare.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from gridcare.core import calendar_checks  # noqa: F401  (registers the check)
        from gridcare.core.roles import sync_roles_after_migrate

        # Roles are data every installation needs; keep them in step with code after each
        # migrate. Connected for every app so the last app's signal sees all permissions.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="gridcare.sync_roles")
