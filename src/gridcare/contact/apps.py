from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "gridcare.contact"
    label = "contact"
    verbose_name = "Inbound contact"
