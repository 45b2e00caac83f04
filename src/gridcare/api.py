"""The JSON API at /api/v1: wiring only; each app owns its router."""

from ninja import NinjaAPI

from gridcare.assistant.api import router as assistant_router
from gridcare.assistant.api_kb import router as assistant_kb_router
from gridcare.billing.api import router as billing_router
from gridcare.core.api import router as auth_router
from gridcare.core.api_support import install_error_handlers
from gridcare.core.calendar_api import router as calendar_router
from gridcare.customers.api import accounts_router, customers_router
from gridcare.metering.api import router as metering_router
from gridcare.monitoring.api import router as monitoring_router
from gridcare.outages.api import router as outages_router
from gridcare.outages.api_events import router as outage_events_router
from gridcare.outages.api_search import router as outage_search_router
from gridcare.service.api import router as service_router
from gridcare.service.api_applications import router as applications_router

api = NinjaAPI(
    title="GridCare API",
    version="1",
    description="GridCare: customer service platform for power utilities. "
    "Authenticate with the session cookie (UI) or `Authorization: Bearer <token>`.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/customers", customers_router)
api.add_router("/accounts", accounts_router)
api.add_router("/metering", metering_router)
api.add_router("/calendar", calendar_router)
api.add_router("/service", service_router)
api.add_router("/service", applications_router)
api.add_router("/billing", billing_router)
api.add_router("/outages", outage_events_router)
api.add_router("/outages", outages_router)
api.add_router("/outages", outage_search_router)
api.add_router("/assistant", assistant_router)
api.add_router("/assistant", assistant_kb_router)
api.add_router("/monitoring", monitoring_router)
