"""/api/v1/assistant/faq and /unanswered: the knowledge base over HTTP.

Reading active entries is open to everyone (the WeChat and Alipay menus list them before
anyone logs in; a session or token is used when present, and a wrong bearer token is still
a 401). Editors (`assistant.add_faqentry` / `change_faqentry`) create and change entries
and also read inactive ones; staff who read the assistant (`assistant.view_botsession`)
see the unanswered questions. Thin: parse → one selector or service → output schema.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from gridcare.assistant.models import FaqEntry
from gridcare.assistant.schemas_kb import (
    FaqCodePath,
    FaqCreateIn,
    FaqDetailOut,
    FaqFilter,
    FaqOut,
    FaqUpdateIn,
    UnansweredFilter,
    UnansweredOut,
)
from gridcare.assistant.selectors import kb as reads
from gridcare.assistant.services import kb_edit
from gridcare.core.api_support import (
    AUTH,
    Pages,
    WithExtras,
    acting_user,
    require_staff_perm,
)
from gridcare.core.models import User
from gridcare.core.roles import EDIT_KNOWLEDGE, VIEW_ASSISTANT
from gridcare.core.schemas import WRITE_ERRORS

ADD_ENTRY, CHANGE_ENTRY = EDIT_KNOWLEDGE
ERRORS = WRITE_ERRORS
#: Credentials are optional on the public reads (`{}` = none; ninja appends it).
OPTIONAL_AUTH: dict[str, list[dict[str, list[str]]]] = {"security": [{}]}


def _anyone(request: HttpRequest) -> AnonymousUser:
    """The last auth scheme of the public reads: no credentials is fine."""
    return AnonymousUser()


router = Router(tags=["assistant"], auth=AUTH)


def _editor(request: HttpRequest) -> User | None:
    user = request.auth  # type: ignore[attr-defined]
    if isinstance(user, User) and not user.is_customer and user.has_perm(CHANGE_ENTRY):
        return user
    return None


@router.get(
    "/faq",
    response={200: list[FaqOut], **ERRORS},
    auth=[*AUTH, _anyone],
    summary="Knowledge-base entries",
    openapi_extra=OPTIONAL_AUTH,
)
@paginate(Pages, page_size=50)
def faq_list(request: HttpRequest, filters: Query[FaqFilter]) -> list[Any]:
    """Active entries valid today. Without `q`: all of them (or one category) by category
    and code; with `q`: the entries relevant to it, best first, each with its score."""
    today = timezone.localdate()
    if filters.q.strip():
        found = reads.faq_search(text=filters.q, today=today, category=filters.category)
        return [WithExtras(card, score=round(score, 3)) for card, score in found]
    return list(reads.faq_public_list(today=today, category=filters.category))


@router.get(
    "/faq/{code}",
    response={200: FaqDetailOut, **ERRORS},
    auth=[*AUTH, _anyone],
    summary="One knowledge-base entry",
    openapi_extra=OPTIONAL_AUTH,
)
def faq_detail(request: HttpRequest, code: FaqCodePath) -> FaqEntry:
    """One entry by code: active and valid today for everyone; editors also get inactive
    and expired entries. Unknown: 404."""
    if _editor(request) is not None:
        return reads.faq_get(code=code)
    return reads.faq_public_get(code=code, today=timezone.localdate())


@router.post("/faq", response={201: FaqDetailOut, **ERRORS}, summary="Create an entry")
def faq_create(request: HttpRequest, payload: FaqCreateIn) -> Status[FaqEntry]:
    """A new entry (needs assistant.add_faqentry). A code in use: 409."""
    user = acting_user(request)
    require_staff_perm(user, ADD_ENTRY)
    entry = kb_edit.faq_create(actor=user, code=payload.code, draft=payload.draft())
    return Status(201, entry)


@router.put("/faq/{code}", response={200: FaqDetailOut, **ERRORS}, summary="Change an entry")
def faq_update(request: HttpRequest, code: FaqCodePath, payload: FaqUpdateIn) -> FaqEntry:
    """Replace an entry's fields (needs assistant.change_faqentry); `version` is the one
    you read: if someone changed the entry since, 409 and nothing is written."""
    user = acting_user(request)
    require_staff_perm(user, CHANGE_ENTRY)
    entry = kb_edit.faq_update(
        actor=user, code=code, draft=payload.draft(), version=payload.version
    )
    return entry


@router.get(
    "/unanswered",
    response={200: list[UnansweredOut], **ERRORS},
    summary="Questions the assistant could not answer",
)
@paginate(Pages, page_size=50)
def unanswered_list(request: HttpRequest, filters: Query[UnansweredFilter]) -> Any:
    """Most asked first (needs assistant.view_botsession)."""
    require_staff_perm(acting_user(request), VIEW_ASSISTANT)
    status = "" if filters.status == "all" else filters.status
    return reads.unanswered_list(status=status)
