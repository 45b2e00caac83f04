"""Notification templates: publish a version, find the current one, render it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from gridcare.core.audit import audit_record
from gridcare.core.errors import DomainError
from gridcare.core.models import User
from gridcare.customers.choices import ConsentPurpose, ContactChannel
from gridcare.notify import rendering
from gridcare.notify.models import NotificationTemplate


@transaction.atomic
def template_publish(
    *,
    actor: User | None,
    code: str,
    channel: str,
    purpose: str,
    body: str,
    subject: str = "",
    urgent: bool = False,
) -> NotificationTemplate:
    """Publish version n + 1 of template (`code`, `channel`); versions are never edited."""
    if channel not in ContactChannel.values:
        raise DomainError("notify.template.bad_channel", f"未知渠道：{channel}", field="channel")
    if purpose not in ConsentPurpose.values:
        raise DomainError("notify.template.bad_purpose", f"未知用途：{purpose}", field="purpose")
    if not body.strip():
        raise DomainError("notify.template.empty", "模板正文不能为空", field="body")
    names = rendering.placeholders(subject)
    names += [n for n in rendering.placeholders(body) if n not in names]
    latest = (
        NotificationTemplate.objects.select_for_update()
        .filter(code=code, channel=channel)
        .order_by("-version")
        .first()
    )
    template = NotificationTemplate(
        code=code,
        channel=channel,
        version=(latest.version + 1) if latest else 1,
        purpose=purpose,
        urgent=urgent,
        subject=subject,
        body=body,
        variables=names,
        created_by=actor,
    )
    template.full_clean()
    template.save()
    audit_record(actor=actor, action="notify.template.publish", obj=template)
    return template


def template_current(*, code: str, channel: str) -> NotificationTemplate:
    template = (
        NotificationTemplate.objects.filter(code=code, channel=channel).order_by("-version").first()
    )
    if template is None:
        raise DomainError(
            "notify.template.not_found", f"没有模板 {code}（{channel}）", field="template"
        )
    return template


def template_render(*, template: NotificationTemplate, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) filled from `context`; `MissingVariable` names what is missing."""
    return rendering.render(template.subject, context), rendering.render(template.body, context)


#: Every channel an app's default wording is published for.
ALL_CHANNELS = ("sms", "wechat", "portal", "email", "app_push")


@dataclass(frozen=True)
class DefaultWording:
    """An app's default text of one template code, the same on every channel."""

    code: str
    subject: str
    body: str
    urgent: bool = False


def templates_publish_missing(
    *, wordings: Iterable[DefaultWording], purpose: str, sign: str = ""
) -> int:
    """Publish version 1 of each (code, channel) that has no version yet — what an app
    runs after migrate; versions administrators published are kept. Returns how many."""
    existing = set(NotificationTemplate.objects.values_list("code", "channel"))
    created = 0
    for wording in wordings:
        for channel in ALL_CHANNELS:
            if (wording.code, channel) in existing:
                continue
            template_publish(
                actor=None,
                code=wording.code,
                channel=channel,
                purpose=purpose,
                subject=wording.subject,
                body=sign + wording.body,
                urgent=wording.urgent,
            )
            created += 1
    return created
