"""The one way services write the audit log (actor, action, object, time, ip)."""

from __future__ import annotations

from typing import Any

from django.db import models

from gridcare.core.models import AuditLog, User

SYSTEM_ACTOR_LABEL = "system"


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    ip: str | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit entry; call inside the service's transaction so both commit together.

    `action` is a dotted code (`customers.account.bind`, `core.pii.reveal`).
    `actor=None` means the system itself (a task or a command).
    """
    return AuditLog.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else SYSTEM_ACTOR_LABEL,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip=ip or None,
        data=data or {},
    )
