"""The notify templates of planned outages, as data (published after migrate where
missing, version 1; later versions from the console are kept). Purpose `outage`.

Variables: account (户号), number (停电编号), window (北京时间 start–end), area (the 台区
or feeder names), reason; restored: restored_at; cancelled: cancel_reason.
"""

from __future__ import annotations

from typing import Any

from gridcare.notify.services import DefaultWording, templates_publish_missing

SIGN = "【供电局】"
PUBLISHED = "outages.planned_notice"
REMINDER = "outages.planned_reminder"
RESTORED = "outages.planned_restored"
CANCELLED = "outages.planned_cancelled"

#: One wording for every channel (notify.services.ALL_CHANNELS).
TEMPLATES = [
    DefaultWording(PUBLISHED, "停电通知", "因{reason}，{area}将于{window}停电（编号{number}），您的户号{account}在停电范围内，请提前做好准备。如有疑问请致电95598。"),
    DefaultWording(REMINDER, "停电提醒", "提醒：{area}将于{window}停电（编号{number}），涉及您的户号{account}，请提前做好准备。"),
    DefaultWording(RESTORED, "恢复送电通知", "{area}的停电（编号{number}）已于{restored_at}恢复送电，感谢您的理解与支持。如仍无电请致电95598。"),
    DefaultWording(CANCELLED, "停电取消通知", "原定{window}的停电（编号{number}）已取消：{cancel_reason}。您的户号{account}将正常供电，给您带来不便敬请谅解。"),
]  # fmt: skip


def planned_templates_sync() -> int:
    """Publish the templates that do not exist yet; returns how many."""
    return templates_publish_missing(wordings=TEMPLATES, purpose="outage", sign=SIGN)


def planned_templates_sync_after_migrate(**kwargs: Any) -> None:
    planned_templates_sync()
