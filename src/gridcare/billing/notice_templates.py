"""The notify templates of the arrears and prepaid cycle, as data.

Published after every migrate where missing (like service's progress notices), version 1;
administrators publish later versions in the console and those are kept. Purpose
`billing`: sent under the supply contract unless the customer refused billing notices.
"""

from __future__ import annotations

from typing import Any

from gridcare.notify.services import DefaultWording, templates_publish_missing

SIGN = "【供电局】"
REMINDER = "billing.reminder"
DISCONNECTION_NOTICE = "billing.disconnection_notice"
LOW_BALANCE = "billing.low_balance"
BALANCE_NEGATIVE = "billing.balance_negative"
DISCONNECTED = "billing.disconnected"

#: One wording for every channel (notify.services.ALL_CHANNELS).
TEMPLATES = [
    DefaultWording(REMINDER, "电费缴纳提醒", "您的户号{account}{period}电费{amount}元已于{due_date}到期，尚欠{unpaid}元，请尽快缴纳；逾期每日加收电费违约金。"),
    DefaultWording(DISCONNECTION_NOTICE, "欠费停电通知", "您的户号{account}截至{today}欠费{amount}元（含违约金{late_fee}元）。如在{planned_date}前仍未缴清，我们将依法对您停止供电；缴清后将尽快恢复供电。"),
    DefaultWording(LOW_BALANCE, "余额不足提醒", "您的户号{account}预付电费余额为{balance}元，已低于{threshold}元，请及时充值。"),
    DefaultWording(BALANCE_NEGATIVE, "预付电费已欠费", "您的户号{account}预付电费已欠费{owed}元，请在{grace_until}前充值，逾期将停止供电。"),
    DefaultWording(DISCONNECTED, "已停止供电", "您的户号{account}因欠费已停止供电，当前欠费{owed}元。缴清后我们将尽快为您恢复供电。"),
]  # fmt: skip


def billing_templates_sync() -> int:
    """Publish the templates that do not exist yet; returns how many."""
    return templates_publish_missing(wordings=TEMPLATES, purpose="billing", sign=SIGN)


def billing_templates_sync_after_migrate(**kwargs: Any) -> None:
    billing_templates_sync()
