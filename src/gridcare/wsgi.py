import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridcare.settings")
application = get_wsgi_application()
# Import every app's views now, while the worker boots, not on its first request: the
# URLconf pulls in the whole product (charts, PDF and payment libraries, the language
# model's code), about 2.5 s that the first user of each new worker would otherwise wait.
get_resolver().url_patterns  # noqa: B018 - evaluated for its side effect
