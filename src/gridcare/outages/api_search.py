"""/api/v1/outages (GET): the public outage search and one outage by number.

Open to everyone (the portal's 停电信息查询 works before logging in), with public
information only (see outages.selectors.search). A session or token is used when present:
searching by 户号 needs one. A wrong bearer token is still a 401.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja import Query, Router

from gridcare.core.api_support import AUTH
from gridcare.core.models import User
from gridcare.core.schemas import ERRORS
from gridcare.outages.schemas_search import (
    OutageNumberPath,
    OutageSearchFilter,
    OutageSearchOut,
    PublicOutageOut,
)
from gridcare.outages.selectors import search


def _anyone(request: HttpRequest) -> AnonymousUser:
    """The last auth scheme: no credentials is fine here (an AnonymousUser is truthy)."""
    return AnonymousUser()


router = Router(tags=["outages"], auth=[*AUTH, _anyone])


#: The document says what the code does: credentials are optional here (`{}` = none).
OPTIONAL_AUTH: dict[str, list[dict[str, list[str]]]] = {
    "security": [{}]
}  # ninja appends it to the two schemes


def _user(request: HttpRequest) -> User | None:
    user = request.auth  # type: ignore[attr-defined]
    return user if isinstance(user, User) else None


@router.get(
    "",
    response={200: OutageSearchOut, **ERRORS},
    summary="Search outages",
    openapi_extra=OPTIONAL_AUTH,
)
def outage_search(request: HttpRequest, filters: Query[OutageSearchFilter]) -> OutageSearchOut:
    """Planned outages announced and outages in progress reaching an address, a 户号 or a
    台区, soonest first (at most 50). Searching by 户号 needs a login and finds only the
    caller's bound accounts (customers) or accounts in scope (staff)."""
    if not filters.q.strip():
        found = search.outages_public_open()
        return OutageSearchOut(
            query="",
            read_as="",
            count=len(found),
            outages=[PublicOutageOut.build(item) for item in found],
        )
    result = search.outage_search(
        query=filters.q, by=search.SearchBy(filters.by), user=_user(request)
    )
    return OutageSearchOut(
        query=result.query,
        read_as=str(result.by),
        count=len(result.outages),
        outages=[PublicOutageOut.build(item) for item in result.outages],
    )


@router.get(
    "/{number}",
    response={200: PublicOutageOut, **ERRORS},
    summary="One outage",
    openapi_extra=OPTIONAL_AUTH,
)
def outage_get(request: HttpRequest, number: OutageNumberPath) -> PublicOutageOut:
    """One outage's public information by its number (drafts and single-customer records:
    404)."""
    return PublicOutageOut.build(search.outage_public_get(number=number))
