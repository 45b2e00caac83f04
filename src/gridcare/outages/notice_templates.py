"""The notify templates of unplanned outages (detection's proactive notices), as data.

Published after every migrate where missing (like billing's), version 1; later versions an
administrator publishes in the console are kept. Purpose `outage`: sent under the supply
contract unless the customer refused outage notices.

- `outages.detected` is urgent: quiet hours yield, since the customer is in the dark now
  and would otherwise call 95598. The ETR is worded as an estimate.
- `outages.restored` is not urgent: by night it waits for the morning (the lights came
  back on; nobody needs a message at 3 a.m. to learn it).
"""

from __future__ import annotations

from typing import Any

from gridcare.notify.services import DefaultWording, templates_publish_missing

SIGN = "【供电局】"
DETECTED = "outages.detected"
RESTORED = "outages.restored"

#: One wording for every channel (notify.services.ALL_CHANNELS).
TEMPLATES = [
    DefaultWording(DETECTED, "故障停电通知", "您的户号{account}所在{scope}于{start}发生故障停电（停电编号{number}），抢修人员正在处理，预计{etr}前恢复供电（依据历史同类停电估算，仅供参考）。无需重复报修。", urgent=True),
    DefaultWording(RESTORED, "恢复供电通知", "您的户号{account}已于{on_at}恢复供电（停电编号{number}）。给您带来不便，敬请谅解。"),
]  # fmt: skip


def outage_templates_sync() -> int:
    """Publish the templates that do not exist yet; returns how many."""
    return templates_publish_missing(wordings=TEMPLATES, purpose="outage", sign=SIGN)


def outage_templates_sync_after_migrate(**kwargs: Any) -> None:
    outage_templates_sync()
