"""GridCare's URLs, plus `/api/v1/service/orders` as a thin stand-in while the orders API
is not on the branch (the real route, matched first, wins once it is).

The stand-in does what the API will do and nothing more: bearer token → user, JSON →
`OrderDraft`, `order_create`, 201 with the number; GET lists `orders_visible_to(user)`
filtered by `state`, 20 a page, newest first. `BENCH_SERVICE_HOOKS=off` replaces the
after-create hooks (risk, merge suggestions, SLA clocks, progress notices) with nothing:
the baseline of the same load without that work.
"""

from __future__ import annotations

import json
import os

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from gridcare.core.errors import DomainError
from gridcare.core.services import api_token_authenticate
from gridcare.service.selectors import orders_visible_to
from gridcare.service.services import OrderDraft, hooks, order_create
from gridcare.urls import urlpatterns as gridcare_urlpatterns

if os.environ.get("BENCH_SERVICE_HOOKS") == "off":

    def _nothing(**kwargs: object) -> None:
        return None

    hooks.after_create = _nothing  # type: ignore[assignment]

PAGE = 20
DRAFT_FIELDS = ("order_type", "origin", "title", "description", "account_number",
                "category_code", "transformer_code", "contact_data", "source_ref")  # fmt: skip


@csrf_exempt
def orders(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    user = api_token_authenticate(plaintext=header.removeprefix("Bearer ").strip())
    if user is None:
        return JsonResponse({"code": "auth"}, status=401)
    if request.method == "POST":
        body = json.loads(request.body)
        draft = OrderDraft(**{k: body[k] for k in DRAFT_FIELDS if k in body})
        try:
            order = order_create(actor=user, draft=draft)
        except DomainError as exc:
            return JsonResponse({"code": exc.code, "message": exc.message}, status=400)
        return JsonResponse({"number": order.number}, status=201)
    states = [s for s in request.GET.get("state", "").split(",") if s]
    page = max(1, int(request.GET.get("page", "1")))
    found = orders_visible_to(user)
    if states:
        found = found.filter(state__in=states)
    items = found.order_by("-created_at", "-id")[(page - 1) * PAGE : page * PAGE]
    rows = [{"number": o.number, "state": o.state, "title": o.title, "team": o.team and o.team.name} for o in items]  # fmt: skip
    return JsonResponse({"items": rows, "count": found.count()})


urlpatterns = [*gridcare_urlpatterns, path("api/v1/service/orders", orders)]
