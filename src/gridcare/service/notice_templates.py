"""The notify templates of progress notices and return visits, as data.

Seeded after every migrate (like the taxonomy), so a new database and a flushed test
database have them; only what is missing is published (version 1), never what admins
published since. The SMS wording of the visit asks for a reply of 1–5.
"""

from __future__ import annotations

from typing import Any

from gridcare.notify.selectors import templates_current
from gridcare.notify.services import template_publish

SIGN = "【供电局】"
LINK = "查看进度：{link}"
#: (code, subject, body) of every channel's version, then the visit's per-channel bodies.
PROGRESS = [
    ("service.progress.created", "工单已受理", "您的{type}工单{number}已受理，我们将尽快处理。" + LINK),
    ("service.progress.dispatch", "工单已派单", "您的工单{number}已派单给{team}，工作人员将尽快处理。" + LINK),
    ("service.progress.arrive", "抢修人员已到达", "您的工单{number}：抢修人员已到达现场。" + LINK),
    ("service.progress.resolve", "工单已处理完毕", "您的工单{number}已处理完毕。" + LINK),
    ("service.progress.reopen", "工单已重新处理", "您的工单{number}已重新安排处理：{note}。" + LINK),
]  # fmt: skip
VISIT_SMS = "您的工单{number}已处理完毕，请评价本次服务：回复1-5（5为非常满意，1为非常不满意），或打开 {link} 评价。"  # fmt: skip
VISIT_OTHER = "您的工单{number}已处理完毕，请打开 {link} 为本次服务评分（1-5分）。"
CHANNELS = ("sms", "wechat", "portal", "email", "app_push")


def notice_templates() -> list[tuple[str, str, str, str]]:
    """(code, channel, subject, body) of every template the notices use."""
    rows = []
    for channel in CHANNELS:
        for code, subject, body in PROGRESS:
            rows.append((code, channel, subject, SIGN + body))
        visit = VISIT_SMS if channel == "sms" else VISIT_OTHER
        rows.append(("service.visit", channel, "服务评价", SIGN + visit))
    return rows


def notice_templates_sync() -> int:
    """Publish the templates that do not exist yet; returns how many."""
    existing = {(t.code, t.channel) for t in templates_current()}
    created = 0
    for code, channel, subject, body in notice_templates():
        if (code, channel) in existing:
            continue
        template_publish(
            actor=None, code=code, channel=channel, purpose="service", subject=subject, body=body
        )
        created += 1
    return created


def notice_templates_sync_after_migrate(**kwargs: Any) -> None:
    notice_templates_sync()
