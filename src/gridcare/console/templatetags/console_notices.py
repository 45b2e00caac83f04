"""The console nav's unread-notice badge."""

from __future__ import annotations

from typing import Any

from django import template

from gridcare.core.models import User
from gridcare.notify.selectors import staff_notices_for

register = template.Library()


@register.simple_tag
def unread_notice_count(user: Any) -> int:
    """How many of the staff member's notices are unread (0 for anyone else)."""
    if not isinstance(user, User) or not user.is_authenticated or user.is_customer:
        return 0
    return staff_notices_for(user=user, unread_only=True).count()
