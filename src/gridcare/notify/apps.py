from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "gridcare.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Registers the deploy checks, and refuses a production start with a simulated
        # sender (a code shown nowhere and sent nowhere would lock every customer out).
        from gridcare.notify import checks

        checks.refuse_simulated_in_production()

        # Registers the delivery task with notify.queue, through which services enqueue it.
        from gridcare.notify import tasks  # noqa: F401
