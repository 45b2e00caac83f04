"""Third-party apps under translated names in the admin.

Their AppConfigs set `verbose_name` as a plain English string, which no catalogue can
translate; subclassing the AppConfig is Django's documented way to rename an app
(INSTALLED_APPS names these classes instead of the packages). Their models' names are lazy
gettext strings and come from our catalogue.
"""

from __future__ import annotations

from typing import cast

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login protection")


class TasksDatabaseConfig(TasksAppConfig):
    # The package annotates a plain str; the lazy string is what Django expects here.
    verbose_name = cast(str, _("Background tasks"))
