"""WSGI entry point of the demo payment gateway alone:
`gunicorn gridcare.billing.payments.demo.wsgi:application`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
django.setup()

from gridcare.billing.payments.demo.app import application  # noqa: E402

__all__ = ["application"]
