from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "gridcare.billing"
    label = "billing"
    verbose_name = _("Billing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gridcare.billing import checks  # noqa: F401  (registers the deploy checks)
        from gridcare.billing.notice_templates import billing_templates_sync_after_migrate
        from gridcare.billing.presets import tariff_presets_sync_after_migrate
        from gridcare.billing.services.cycle import cycle_periodic
        from gridcare.billing.services.payments import payments_sweep
        from gridcare.core.periodic import periodic_register

        # The tariff presets (data/tariffs.toml) every installation starts with; versions
        # admins added or edited are kept.
        post_migrate.connect(tariff_presets_sync_after_migrate, sender=self)
        # The arrears and prepaid notices' wording (notify templates), published where missing.
        post_migrate.connect(billing_templates_sync_after_migrate, sender=self)
        # The daily cycle, run hourly so a day's deductions follow its readings (idempotent).
        periodic_register("billing.cycle", cycle_periodic, every=3600)

        # Payments: the sweep that settles online orders (and refunds) whose callback never
        # came and closes expired ones.
        periodic_register("billing.payments_sweep", payments_sweep, every=60)
