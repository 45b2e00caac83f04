"""/api/v1/auth: session login for the UI, bearer tokens for integrations."""

import datetime as dt

from django.contrib.auth import login, logout
from django.db.models import QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from gridcare.core.api_support import (
    AUTH,
    Pages,
    acting_token,
    acting_user,
    require_staff_perm,
)
from gridcare.core.auth import login_check
from gridcare.core.choices import ApiTokenScope
from gridcare.core.errors import PermissionDeniedError
from gridcare.core.models import ApiToken, User
from gridcare.core.roles import MANAGE_TOKENS
from gridcare.core.schemas import (
    ERRORS,
    IdPath,
    LoginIn,
    MeOut,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
)
from gridcare.core.selectors import api_tokens_live, api_tokens_of
from gridcare.core.services import api_token_issue, api_token_revoke, user_roles

router = Router(tags=["auth"])


def _me(user: User) -> MeOut:
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        kind=user.kind,
        roles=user_roles(user),
        org_unit=user.org_unit.name if user.org_unit else None,
    )


@router.post("/login", auth=None, response={200: MeOut, **ERRORS})
def auth_login(request: HttpRequest, payload: LoginIn) -> MeOut:
    """Start a session (cookie). Wrong credentials get one generic message; repeated
    failures for the same login name and IP are locked out for a while (HTTP 429)."""
    user = login_check(request=request, username=payload.username, password=payload.password)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    get_token(request)
    return _me(user)


@router.post("/logout", auth=AUTH, response={204: None, **ERRORS})
def auth_logout(request: HttpRequest) -> Status[None]:
    logout(request)
    return Status(204, None)


@router.get("/me", auth=AUTH, response={200: MeOut, **ERRORS})
def auth_me(request: HttpRequest) -> MeOut:
    return _me(acting_user(request))


@router.get("/tokens", auth=AUTH, response={200: list[TokenOut], **ERRORS})
def token_list(request: HttpRequest) -> QuerySet[ApiToken]:
    """The caller's live tokens (never the token values)."""
    return api_tokens_of(user=acting_user(request))


@router.get("/tokens/all", auth=AUTH, response={200: list[TokenOut], **ERRORS})
@paginate(Pages, page_size=50)
def token_list_all(request: HttpRequest) -> QuerySet[ApiToken]:
    """Every user's live tokens, for token administrators (through a bearer token, one with
    the `admin` scope)."""
    user = acting_user(request)
    require_staff_perm(user, MANAGE_TOKENS)
    token = acting_token(request)
    if token is not None and ApiTokenScope.ADMIN not in token.scopes:
        raise PermissionDeniedError("core.api_token.scope", "该令牌没有 admin 权限范围")
    return api_tokens_live()


@router.post("/tokens", auth=AUTH, response={201: TokenCreatedOut, **ERRORS})
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Status[TokenCreatedOut]:
    """Issue a bearer token for an integration, from a session only (a token cannot mint
    tokens); the token is shown only in this answer."""
    user = acting_user(request)
    if user.is_customer:
        raise PermissionDeniedError("core.api_token.staff_only", "仅员工账号可申请集成令牌")
    expires_at = None
    if payload.expires_in_days is not None:
        expires_at = timezone.now() + dt.timedelta(days=payload.expires_in_days)
    token, plaintext = api_token_issue(
        actor=user,
        user=user,
        name=payload.name,
        scopes=payload.scopes,
        expires_at=expires_at,
        actor_token=acting_token(request),
    )
    out = TokenCreatedOut.model_validate(
        TokenOut.from_orm(token).model_dump() | {"token": plaintext}
    )
    return Status(201, out)


@router.delete("/tokens/{token_id}", auth=AUTH, response={204: None, **ERRORS})
def token_revoke(request: HttpRequest, token_id: IdPath) -> Status[None]:
    """Revoke one of the caller's tokens; token administrators revoke anyone's (audited)."""
    api_token_revoke(
        actor=acting_user(request), token_id=token_id, actor_token=acting_token(request)
    )
    return Status(204, None)
