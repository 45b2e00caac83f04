"""Registering a portal login: the mobile number is proven by an SMS code, and the user
agreement and privacy policy are accepted (PIPL), before the login exists.

Without the code anyone could register someone else's number, and with it that person's
accounts (binding shows a demo code to a login's own number, and customers expect a login
named by their number to be theirs).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.core.privacy import mask_mobile
from gridcare.core.services import customer_user_register
from gridcare.core.validators import normalize_mobile
from gridcare.customers.choices import AGREEMENT_VERSION, Agreement
from gridcare.customers.models import ConsentRecord, SignupChallenge
from gridcare.customers.services.verification import (
    challenge_check,
    challenge_consume,
    challenge_seal,
    expiry,
    send_on_commit,
    throttle_requests,
)


def _refuse_registered(mobile: str) -> None:
    if User.objects.filter(username=mobile).exists():
        raise DomainError("core.user.mobile_taken", "该手机号已注册", field="mobile")


@transaction.atomic
def signup_code_request(*, mobile: str, ip: str | None) -> SignupChallenge:
    """Text a 6-digit code to `mobile`, which registration needs back.

    Throttled per mobile (one a minute, `VERIFICATION_CODES_PER_HOUR` an hour: nobody's
    phone is flooded from our form) and per requesting IP address (three a minute,
    `VERIFICATION_CODES_PER_HOUR_PER_SOURCE` an hour: one client cannot text many numbers).
    """
    mobile = normalize_mobile(mobile)
    _refuse_registered(mobile)
    now = timezone.now()
    throttle_requests(
        to_target=SignupChallenge.objects.filter(mobile=mobile),
        from_source=SignupChallenge.objects.filter(ip=ip) if ip else None,
        now=now,
        code="customers.signup.too_frequent",
    )
    challenge = SignupChallenge.objects.create(
        mobile=mobile, ip=ip, code_digest="", expires_at=expiry(now)
    )
    code = challenge_seal(challenge)
    send_on_commit(
        mobile=mobile,
        text=f"【GridCare】您正在注册网上营业厅账号，验证码 {code}，5 分钟内有效。"
        "如非本人操作，请忽略。",
        key=f"signup-{challenge.pk}",
        withdraw=lambda: _withdraw(challenge.pk),
    )
    audit_record(
        actor=None, action="customers.signup.request", ip=ip, data={"mobile": mask_mobile(mobile)}
    )
    return challenge


def _withdraw(challenge_pk: int) -> None:
    SignupChallenge.objects.filter(pk=challenge_pk).delete()


def signup_complete(
    *,
    mobile: str,
    code: str,
    password: str,
    display_name: str,
    accepted_agreement: bool,
    ip: str | None,
) -> User:
    """Create the portal login if `code` matches the newest live code sent to `mobile` and
    the agreement was accepted; record that acceptance (`ConsentRecord`, the texts'
    version). Tries are limited per code (`VERIFICATION_CODE_MAX_ATTEMPTS`).

    Not one transaction on purpose: a wrong code must still count as a try (as in
    `account_bind_confirm`). The password is checked by the caller (Django's validators,
    in the form).
    """
    mobile = normalize_mobile(mobile)
    if not accepted_agreement:
        raise DomainError(
            "customers.signup.agreement_required",
            "请阅读并同意《用户协议》和《隐私政策》",
            field="accept_agreement",
        )
    _refuse_registered(mobile)
    now = timezone.now()
    challenge = SignupChallenge.objects.filter(
        mobile=mobile, consumed_at__isnull=True, expires_at__gt=now
    ).first()
    challenge = challenge_check(challenge, code, flow="signup")
    return _signup_finish(
        challenge=challenge, mobile=mobile, password=password, display_name=display_name, ip=ip
    )


@transaction.atomic
def _signup_finish(
    *, challenge: SignupChallenge, mobile: str, password: str, display_name: str, ip: str | None
) -> User:
    challenge_consume(challenge, now=timezone.now(), flow="signup")
    user = customer_user_register(mobile=mobile, password=password, display_name=display_name)
    record = ConsentRecord(
        user=user,
        purpose=Agreement.TERMS_AND_PRIVACY,
        granted=True,
        source="portal.register",
        notice_version=AGREEMENT_VERSION,
        recorded_by=user,
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=user,
        action="customers.signup.agreement",
        obj=user,
        ip=ip,
        data={"version": AGREEMENT_VERSION},
    )
    return user
