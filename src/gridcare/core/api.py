"""/api/v1/auth: session login for the UI, bearer tokens for integrations."""

import datetime as dt

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone
from ninja import Router, Status

from gridcare.core.api_support import AUTH, acting_user
from gridcare.core.auth import login_check
from gridcare.core.errors import DomainError, PermissionDeniedError
from gridcare.core.models import ApiToken, User
from gridcare.core.schemas import (
    ErrorOut,
    IdPath,
    LoginIn,
    MeOut,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    ValidationErrorOut,
)
from gridcare.core.services import api_token_issue, api_token_revoke, user_roles

router = Router(tags=["auth"])
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


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
def token_list(request: HttpRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=acting_user(request), revoked_at__isnull=True))


@router.post("/tokens", auth=AUTH, response={201: TokenCreatedOut, **ERRORS})
def token_create(request: HttpRequest, payload: TokenCreateIn) -> Status[TokenCreatedOut]:
    """Issue a bearer token for an integration; the token is shown only in this answer."""
    user = acting_user(request)
    if user.is_customer:
        raise PermissionDeniedError("core.api_token.staff_only", "仅员工账号可申请集成令牌")
    if not payload.name.strip():
        raise DomainError("core.api_token.name_required", "令牌名称不能为空", field="name")
    expires_at = None
    if payload.expires_in_days is not None:
        if not 1 <= payload.expires_in_days <= 3650:
            raise DomainError(
                "core.api_token.bad_expiry", "有效期应为 1 到 3650 天", field="expires_in_days"
            )
        expires_at = timezone.now() + dt.timedelta(days=payload.expires_in_days)
    token, plaintext = api_token_issue(
        actor=user, user=user, name=payload.name.strip(), expires_at=expires_at
    )
    out = TokenCreatedOut.model_validate(
        TokenOut.from_orm(token).model_dump() | {"token": plaintext}
    )
    return Status(201, out)


@router.delete("/tokens/{token_id}", auth=AUTH, response={204: None, **ERRORS})
def token_revoke(request: HttpRequest, token_id: IdPath) -> Status[None]:
    api_token_revoke(actor=acting_user(request), token_id=token_id)
    return Status(204, None)
