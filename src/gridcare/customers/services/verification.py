"""What binding and registration share about verification codes: making one, keeping only
its digest, sending it after the challenge commits, and counting recent requests.

Throttles are counts of the challenge rows themselves (a small DB-backed counter): no
cache to configure, and the same on every application server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model, QuerySet

from gridcare.core.errors import ConcurrentChange, DomainError, RateLimited, Unavailable
from gridcare.customers.codes import CodeNotSent, code_sender

logger = logging.getLogger(__name__)

#: A challenge row (BindingChallenge, SignupChallenge).
C = TypeVar("C", bound=Any)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_digest(challenge_pk: int, code: str) -> str:
    """Keyed digest of a code: a leaked table does not give the codes away."""
    key = (str(challenge_pk) + settings.SECRET_KEY).encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def code_matches(challenge_pk: int, digest: str, code: str) -> bool:
    return hmac.compare_digest(digest, code_digest(challenge_pk, code.strip()))


def expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS)


def throttle(
    rows: QuerySet[Model], *, now: dt.datetime, per_minute: int, per_hour: int, code: str
) -> None:
    """Refuse (429) when `rows` (recent challenges of one mobile, account, login or IP)
    reached `per_minute` in the last minute or `per_hour` in the last hour."""
    last_hour = rows.filter(created_at__gt=now - dt.timedelta(hours=1))
    if (
        last_hour.filter(created_at__gt=now - dt.timedelta(minutes=1)).count() >= per_minute
        or last_hour.count() >= per_hour
    ):
        raise RateLimited(code, "验证码发送过于频繁，请稍后再试")


def throttle_requests(
    *,
    to_target: QuerySet[Model],
    from_source: QuerySet[Model] | None,
    now: dt.datetime,
    code: str,
) -> None:
    """Both limits every code request obeys: the one receiving the code (a mobile or an
    account: one a minute, `VERIFICATION_CODES_PER_HOUR` an hour, so nobody's phone is
    flooded) and the one asking (a login or an IP address: three a minute,
    `VERIFICATION_CODES_PER_HOUR_PER_SOURCE` an hour, so one client cannot text many)."""
    throttle(
        to_target, now=now, per_minute=1, per_hour=settings.VERIFICATION_CODES_PER_HOUR, code=code
    )
    if from_source is not None:
        throttle(
            from_source,
            now=now,
            per_minute=3,
            per_hour=settings.VERIFICATION_CODES_PER_HOUR_PER_SOURCE,
            code=code,
        )


def challenge_seal(challenge: Model) -> str:
    """A new code for a just-created challenge, whose row keeps only its keyed digest (the
    digest is keyed by the row's id, so the row must exist first)."""
    code = new_code()
    challenge.code_digest = code_digest(challenge.pk, code)  # type: ignore[attr-defined]
    challenge.save(update_fields=["code_digest"])
    return code


def challenge_check(challenge: C | None, code: str, *, flow: str) -> C:
    """Refuse a missing or expired challenge, one out of tries, or a wrong code (that try
    counted in its own statement, so it holds even when the caller's transaction rolls
    back). Codes are `customers.<flow>.no_code|too_many_attempts|wrong_code`."""
    if challenge is None:
        raise DomainError(
            f"customers.{flow}.no_code", "验证码已过期或未发送，请重新获取", field="code"
        )
    if challenge.attempts >= settings.VERIFICATION_CODE_MAX_ATTEMPTS:
        raise RateLimited(f"customers.{flow}.too_many_attempts", "验证码错误次数过多，请重新获取")
    if not code_matches(challenge.pk, challenge.code_digest, code):
        type(challenge).objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        raise DomainError(f"customers.{flow}.wrong_code", "验证码不正确", field="code")
    return challenge


def challenge_consume(challenge: Any, *, now: dt.datetime, flow: str) -> None:
    """Compare-and-set: a code is good for exactly one use, even under double submits."""
    claimed = (
        type(challenge)
        .objects.filter(pk=challenge.pk, consumed_at__isnull=True)
        .update(consumed_at=now)
    )
    if claimed != 1:
        raise ConcurrentChange(f"customers.{flow}.code_used", "验证码已使用，请重新获取")


def send_on_commit(*, mobile: str, text: str, key: str, withdraw: Callable[[], None]) -> None:
    """Send once the challenge has committed, so a rollback never leaks a code. A gateway
    that refuses withdraws the challenge and answers 503: a code that never arrived must
    not count against the person's limits as if it had."""

    def send() -> None:
        try:
            code_sender().send(mobile=mobile, text=text, key=key)
        except CodeNotSent as exc:
            logger.warning("verification code to %s not sent: %s", mobile[:3], exc)
            withdraw()
            raise Unavailable("customers.code.not_sent", "短信发送失败，请稍后再试") from exc

    transaction.on_commit(send)
