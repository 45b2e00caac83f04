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

        # Registers the delivery task with notify.queue, through which services enqueue it;
        # staff-notice SMS a dead worker left half-sent go out again (core.periodic).
        from gridcare.core.periodic import periodic_register
        from gridcare.notify import tasks  # noqa: F401
        from gridcare.notify.services import staff_sms_recover

        periodic_register("notify.staff_sms_recover", staff_sms_recover, every=60)
