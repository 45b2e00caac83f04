"""WSGI entry point of the fake gateway alone: `gunicorn gridcare.notify.gateway_wsgi:application`."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
django.setup()

from gridcare.notify.gateway import application  # noqa: E402

__all__ = ["application"]
