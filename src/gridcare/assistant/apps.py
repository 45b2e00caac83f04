from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "gridcare.assistant"
    label = "assistant"
    verbose_name = _("Assistant")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gridcare.assistant.services.kb_seed import faq_seed_sync_after_migrate

        # The knowledge base's seed entries (data/faq.toml), created or brought up to date
        # after each migrate; entries staff edited are kept (services/kb_seed.py).
        post_migrate.connect(faq_seed_sync_after_migrate, sender=self)
