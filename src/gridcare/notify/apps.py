from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "gridcare.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Registers the delivery task with notify.queue, through which services enqueue it.
        from gridcare.notify import tasks  # noqa: F401
