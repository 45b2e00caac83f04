"""Notification templates: publish a version, find the current one, render it."""

from __future__ import annotations

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
