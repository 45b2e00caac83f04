"""What every router shares: authentication (session or bearer token), the acting user,
permission checks, and the mapping of errors to JSON `{code, message}` bodies."""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyCookie, HttpBearer
from pydantic import BeforeValidator

from gridcare.core.choices import ApiTokenScope
from gridcare.core.errors import DomainError, PermissionDeniedError
from gridcare.core.models import ApiToken, User
from gridcare.core.schemas import QueryInt, whole_number
from gridcare.core.services import api_token_lookup

FIELD_NAMES_ZH = {
    "username": "登录名",
    "password": "密码",
    "account_number": "户号",
    "code": "验证码",
    "mobile": "手机号",
    "id_number": "身份证号",
    "name": "名称",
    "q": "查询条件",
    "page": "页码",
    "year": "年份",
}


class SessionAuth(APIKeyCookie):
    """Django session cookie; unsafe methods also need the CSRF token, as in the UI."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: nothing for CSRF to protect; let the bearer scheme answer.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            return user
        return None


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer gc_…` for integrations (tokens from POST /auth/tokens).

    Any Authorization header that is not a live token is a 401, even beside a valid
    session: a client that sends credentials and gets answered as someone else (the
    session's user) would not notice its token is wrong. A live token is held to its
    scopes: safe methods need `read`, the others `write` (docs/api.md).
    """

    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get(self.header)
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not value.strip():
            raise AuthenticationError()
        return self.authenticate(request, value.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = api_token_lookup(plaintext=token)
        if found is None:
            raise AuthenticationError()
        needed = ApiTokenScope.READ if request.method in SAFE_METHODS else ApiTokenScope.WRITE
        if needed not in found.scopes:
            raise PermissionDeniedError("core.api_token.scope", f"该令牌没有 {needed} 权限范围")
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


# Bearer first: an integration's POST carries no session cookie and must not meet the
# CSRF check that protects cookie sessions.
class Pages(PageNumberPagination):
    """Page-number pagination with bounded inputs: an absurd page number is a 422, not an
    offset the database cannot represent."""

    class Input(Schema):
        page: QueryInt = Field(1, ge=1, le=100_000)
        # Bounds before the validator: after it, pydantic writes them as `ge`/`le`, which
        # are not JSON Schema.
        page_size: Annotated[int, Ge(1), Le(200), BeforeValidator(whole_number)] | None = None


AUTH = [BearerTokenAuth(), SessionAuth()]


class WithExtras:
    """A model instance plus computed attributes, for output schemas whose resolvers read
    the model (masking) while some fields come from elsewhere (topology, consent)."""

    def __init__(self, obj: object, **extras: Any) -> None:
        self._obj = obj
        self.__dict__.update(extras)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


def acting_token(request: HttpRequest) -> ApiToken | None:
    """The bearer token the request authenticated with; None for a session."""
    token = getattr(request, "api_token", None)
    return token if isinstance(token, ApiToken) else None


def acting_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def require_staff_perm(user: User, perm: str) -> None:
    """Staff endpoints answer 403 to customers and to staff without the permission."""
    if user.is_customer or not user.has_perm(perm):
        raise PermissionDeniedError("core.permission_denied", "您没有执行此操作的权限")


def require_customer(user: User) -> None:
    if not user.is_customer:
        raise PermissionDeniedError("core.customer_only", "仅客户账号可执行此操作")


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _error_field(error: dict[str, Any]) -> str | None:
    """The field an error names: the last part of its location after where it was sent
    (a field may itself be called `body`); list positions are not fields (`scopes.0` is
    reported as `scopes`)."""
    loc = [str(part) for part in error.get("loc", []) if not isinstance(part, int)]
    if loc and loc[0] in ("body", "query", "path"):
        loc = loc[1:]
    return loc[-1] if loc else None


def _validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    first = errors[0] if errors else {}
    field = _error_field(first)
    if field and field in FIELD_NAMES_ZH:
        return f"{FIELD_NAMES_ZH[field]}（{field}）不正确或缺失", field
    if field:
        return f"字段 {field} 不正确或缺失", field
    return "请求格式不正确", None


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error leaves the API as `{code, message}` with a fitting HTTP status."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.to_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = list(exc.errors)
        if errors and "." in errors[0].get("type", ""):
            # A field with a published code (core.schemas.coded): 400 as before the schema
            # stated the constraint.
            first = errors[0]
            body = {"code": first["type"], "message": first["msg"], "field": _error_field(first)}
            return api.create_response(request, body, status=400)
        message, field = _validation_message(errors)
        body = {"code": "request.invalid", "message": message, "field": field, "errors": exc.errors}
        return api.create_response(request, body, status=422)

    @api.exception_handler(ModelValidationError)
    def model_validation_error(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
        # A model's full_clean() said no to something the input schema let through: still
        # the client's input, so a 400 naming the field, never a server error.
        items = getattr(exc, "error_dict", None) and exc.message_dict.items()
        field, messages = next(iter(items or []), (None, exc.messages))
        field = None if field == NON_FIELD_ERRORS else field
        label = FIELD_NAMES_ZH.get(field or "", field)
        message = "；".join(str(m) for m in messages)
        body = {
            "code": "request.invalid_value",
            "message": f"{label}：{message}" if label else message,
            "field": field,
        }
        return api.create_response(request, body, status=400)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {"code": "core.auth.required", "message": "请先登录或提供有效的访问令牌"}
        return api.create_response(request, body, status=401)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(
            request, {"code": "not_found", "message": "资源不存在"}, status=404
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            body = {"code": "request.invalid", "message": "请求内容不是有效的 JSON", "field": None}
            return api.create_response(request, body, status=422)
        if exc.status_code == 403 and "CSRF" in str(exc):
            body = {"code": "core.auth.csrf_failed", "message": "安全校验失败，请刷新页面后重试"}
            return api.create_response(request, body, status=403)
        body = {"code": f"http.{exc.status_code}", "message": str(exc)}
        return api.create_response(request, body, status=exc.status_code)
