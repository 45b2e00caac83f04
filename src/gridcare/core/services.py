"""Core use cases: org units, users and roles, API tokens, revealing personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.choices import ORG_UNIT_CHILD_KIND, ApiTokenScope, OrgUnitKind, Role, UserKind
from gridcare.core.errors import DomainError, NotFound, PermissionDeniedError
from gridcare.core.models import API_TOKEN_NAME_MAX, ApiToken, OrgUnit, User
from gridcare.core.privacy import EncryptedTextField
from gridcare.core.roles import MANAGE_TOKENS
from gridcare.core.validators import normalize_mobile

TOKEN_PREFIX = "gc_"


@transaction.atomic
def org_unit_create(
    *, actor: User | None, code: str, name: str, kind: str, parent: OrgUnit | None = None
) -> OrgUnit:
    """Add a unit under `parent`; a bureau is a root or under a bureau, a station under a
    bureau, a team under a station (供电局 → 供电所 → 班组)."""
    if parent is None and kind != OrgUnitKind.BUREAU:
        raise DomainError(
            "core.org_unit.needs_parent", "只有供电局可以作为顶层机构", field="parent"
        )
    if parent is not None and kind not in ORG_UNIT_CHILD_KIND[OrgUnitKind(parent.kind)]:
        raise DomainError("core.org_unit.bad_parent", "上级机构类型不允许该下级", field="parent")
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent)
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit_record(actor=actor, action="core.org_unit.create", obj=unit)
    return unit


def _assign_role(user: User, role: str) -> None:
    group, _ = Group.objects.get_or_create(name=str(role))
    user.groups.add(group)


@transaction.atomic
def staff_user_create(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    role: str,
    org_unit: OrgUnit,
    password: str | None,
    mobile: str = "",
) -> User:
    """A staff login with one role, belonging to one org unit (whose subtree is its scope)."""
    if role == Role.CUSTOMER:
        raise DomainError("core.user.bad_role", "员工账号不能使用客户角色", field="role")
    if User.objects.filter(username=username).exists():
        raise DomainError("core.user.username_taken", "该登录名已被使用", field="username")
    user = User(
        username=username,
        display_name=display_name,
        kind=UserKind.STAFF,
        org_unit=org_unit,
        mobile=normalize_mobile(mobile) if mobile else "",
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _assign_role(user, role)
    audit_record(actor=actor, action="core.user.create", obj=user, data={"role": str(role)})
    return user


@transaction.atomic
def customer_user_register(*, mobile: str, password: str, display_name: str = "") -> User:
    """A customer's portal login; the mobile number is the login name."""
    mobile = normalize_mobile(mobile)
    if User.objects.filter(username=mobile).exists():
        raise DomainError("core.user.mobile_taken", "该手机号已注册", field="mobile")
    user = User(username=mobile, mobile=mobile, display_name=display_name, kind=UserKind.CUSTOMER)
    user.set_password(password)
    user.save()
    _assign_role(user, Role.CUSTOMER)
    audit_record(actor=user, action="core.user.register", obj=user)
    return user


def user_roles(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


# --- API tokens (docs/api.md, "Bearer tokens") ---


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _may_manage_tokens(actor: User, actor_token: ApiToken | None) -> bool:
    """Administering other users' tokens: the permission, and through a bearer token also
    the token's `admin` scope (a narrower token never acts with its owner's full rights)."""
    if not actor.has_perm(MANAGE_TOKENS):
        return False
    return actor_token is None or ApiTokenScope.ADMIN in actor_token.scopes


def _token_scopes(actor: User, user: User, scopes: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(scopes))
    unknown = [scope for scope in chosen if scope not in ApiTokenScope.values]
    if not chosen or unknown:
        raise DomainError("core.api_token.bad_scope", "令牌权限范围不正确", field="scopes")
    if ApiTokenScope.ADMIN in chosen and not (
        actor.has_perm(MANAGE_TOKENS) and user.has_perm(MANAGE_TOKENS)
    ):
        raise PermissionDeniedError(
            "core.api_token.scope_forbidden", "无权签发带管理权限（admin）的令牌", field="scopes"
        )
    return chosen


@transaction.atomic
def api_token_issue(
    *,
    actor: User,
    user: User,
    name: str,
    scopes: Sequence[str] = (ApiTokenScope.READ,),
    expires_at: dt.datetime | None = None,
    actor_token: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Create a bearer token; the plaintext is returned once and never stored.

    Only a session creates tokens (`actor_token` is the bearer token the request came with,
    if any): a token that could mint tokens would outlive its own revocation and widen its
    scopes. Every token expires, at the latest `API_TOKEN_MAX_DAYS` from now; the `admin`
    scope only for a user who may manage tokens.
    """
    if actor_token is not None:
        raise PermissionDeniedError(
            "core.api_token.session_required", "令牌只能在登录会话中申请，不能用令牌申请令牌"
        )
    if actor != user and not actor.has_perm(MANAGE_TOKENS):
        raise DomainError("core.api_token.forbidden", "无权为其他用户签发令牌")
    name = name.strip()
    if not name:
        raise DomainError("core.api_token.name_required", "令牌名称不能为空", field="name")
    if len(name) > API_TOKEN_NAME_MAX:
        raise DomainError(
            "core.api_token.name_too_long",
            f"令牌名称最多 {API_TOKEN_NAME_MAX} 个字符",
            field="name",
        )
    chosen = _token_scopes(actor, user, scopes)
    now = timezone.now()
    latest = now + dt.timedelta(days=settings.API_TOKEN_MAX_DAYS)
    if expires_at is None:
        expires_at = latest
    elif expires_at > latest:
        raise DomainError(
            "core.api_token.bad_expiry",
            f"有效期最长 {settings.API_TOKEN_MAX_DAYS} 天",
            field="expires_in_days",
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:10],
        digest=_digest(plaintext),
        scopes=chosen,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="core.api_token.issue",
        obj=token,
        data={"for": user.username, "scopes": chosen},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(
    *, actor: User, token_id: int, actor_token: ApiToken | None = None
) -> ApiToken:
    """Revoke one of the actor's tokens, or anyone's for a token administrator (audited
    with the owner's name). Anything else is not found, as a token that does not exist."""
    tokens = ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True)
    if not _may_manage_tokens(actor, actor_token):
        tokens = tokens.filter(user=actor)
    token = tokens.select_related("user").first()
    if token is None:
        raise NotFound("core.api_token.not_found", "令牌不存在或已撤销")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="core.api_token.revoke", obj=token, data={"of": token.user.username}
    )
    return token


def api_token_lookup(*, plaintext: str) -> ApiToken | None:
    """The live token (with its active user) behind a bearer value, or None; records when
    it was last used."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=_digest(plaintext),
            revoked_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        )
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_authenticate(*, plaintext: str) -> User | None:
    """The active user behind a bearer token, or None (`api_token_lookup`)."""
    token = api_token_lookup(plaintext=plaintext)
    return token.user if token is not None else None


# --- Personal data ---


@transaction.atomic
def pii_reveal(*, actor: User, obj: models.Model, field: str, ip: str | None) -> str:
    """Return one unmasked field of `obj` to a user allowed to see it, and leave an audit
    entry. Only the fields its model lists in `PII_FIELDS` can be revealed."""
    if field not in getattr(type(obj), "PII_FIELDS", ()):
        raise DomainError("core.pii.unknown_field", "不支持查看该字段", field="field")
    if not actor.has_perm("core.reveal_pii"):
        raise PermissionDeniedError("core.pii.forbidden", "无权查看完整个人信息")
    audit_record(actor=actor, action="core.pii.reveal", obj=obj, ip=ip, data={"field": field})
    return str(getattr(obj, field))


def encrypted_fields_rotate(*, actor: User | None, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every EncryptedTextField value with the newest key (docs/deploy.md).

    Reads each value (any listed key decrypts it) and writes it back (the first key
    encrypts). Runs per batch in its own transaction so a large table does not hold one
    long lock; rerunning is harmless.
    """
    counts: dict[str, int] = {}
    for model in apps.get_models():
        fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
        if not fields:
            continue
        label = model._meta.label
        counts[label] = 0
        rows = model._default_manager.order_by("pk").values_list("pk", *fields)
        for start in range(0, rows.count(), batch_size):
            with transaction.atomic():
                for pk, *values in rows[start : start + batch_size]:
                    changed = {name: v for name, v in zip(fields, values, strict=True) if v}
                    if changed:
                        model._default_manager.filter(pk=pk).update(**changed)
                        counts[label] += 1
    audit_record(actor=actor, action="core.encryption.rotate", data=counts)
    return counts
