"""E-mail over SMTP (Django's mail settings: `GRIDCARE_EMAIL_HOST`, `_PORT`, …)."""

from __future__ import annotations

import smtplib
from hashlib import sha256

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from gridcare.notify.channels.base import Outbound, SendResult


class SmtpEmailBackend:
    def send(self, message: Outbound) -> SendResult:
        # A Message-ID derived from the key lets a mail system drop a resend after a crash.
        message_id = f"<{sha256(message.key.encode()).hexdigest()[:32]}@gridcare>"
        mail = EmailMessage(
            subject=message.subject or message.body[:40],
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.destination],
            headers={"Message-ID": message_id},
            # SMTP always: Django's EMAIL_BACKEND (locmem under tests) is not this channel.
            connection=get_connection(
                "django.core.mail.backends.smtp.EmailBackend",
                host=settings.EMAIL_HOST,
                port=settings.EMAIL_PORT,
                timeout=settings.EMAIL_TIMEOUT,
            ),
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            return SendResult(ok=False, retryable=False, error=f"收件人被拒绝：{exc}")
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult(ok=False, retryable=True, error=f"邮件服务器错误：{exc}")
        return SendResult(ok=True, provider_id=message_id)
