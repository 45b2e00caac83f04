"""outage_query: the outages covering the customer's 台区 or feeder now, and the planned
ones coming up, with the estimated restoration said to be an estimate."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

from gridcare.assistant.selectors.party import PLANNED_WITHIN_DAYS, outages_of_accounts
from gridcare.assistant.services.actions.base import Link, Party, Step, portal_link
from gridcare.outages.choices import OutageCause
from gridcare.outages.selectors.live import OutageBanner
from gridcare.outages.selectors.search import PublicOutage


def clock(moment: dt.datetime, today: dt.date) -> str:
    """Beijing time, with the date unless it is today: `14:30` or `3月5日 14:30`."""
    local = timezone.localtime(moment)
    time = f"{local:%H:%M}"
    return time if local.date() == today else f"{local.month}月{local.day}日 {time}"


def cause_text(cause: str) -> str:
    with translation.override("zh-hans"):
        return str(OutageCause(cause).label) if cause in OutageCause.values else ""


def outage_query(*, party: Party) -> Step:
    """Every account of the party is looked at (a family with two 户号 on two 台区)."""
    nearby = outages_of_accounts(accounts=party.accounts)
    lines: list[str] = []
    links: list[Link] = []
    seen: set[str] = set()
    for account in party.accounts:
        banner = nearby.active.get(account.pk)
        if banner is None or banner.number in seen:
            continue
        seen.add(banner.number)
        lines.append(_active_text(account.number, banner, party.today))
        links.append(portal_link(f"停电详情 {banner.number}", "outage", banner.number))
    for outage in nearby.planned:
        lines.append(_planned_text(outage, party.today))
        links.append(portal_link(f"计划停电 {outage.number}", "outage", outage.number))
    data = {"active": sorted(seen), "planned": [o.number for o in nearby.planned]}
    if not lines:
        text = (
            f"您名下户号所在的台区和线路目前没有停电，未来 {PLANNED_WITHIN_DAYS} 天也没有计划停电。"
            "如果只有您家没电，可能是户内故障或欠费停电，需要帮您报修吗？"
        )
        return Step(text, options=("我要报修", "查询欠费"), action="outage_query", data=data)
    return Step("\n".join(lines), links=tuple(links), action="outage_query", data=data)


def _active_text(number: str, banner: OutageBanner, today: dt.date) -> str:
    where = banner.transformer_name or banner.feeder_name or "所在区域"
    cause = cause_text(banner.cause)
    text = f"户号 {number} 所在的{where}正在停电（编号 {banner.number}"
    text += f"，原因：{cause}" if cause else ""
    text += f"），开始于 {clock(banner.starts_at, today)}。"
    if banner.etr_at is not None:
        text += f"预计 {clock(banner.etr_at, today)} 恢复供电（预计时间，以实际抢修进度为准）。"
    else:
        text += "抢修人员正在处理，暂时还没有预计恢复时间。"
    return text


def _planned_text(outage: PublicOutage, today: dt.date) -> str:
    window = f"{clock(outage.starts_at, today)}"
    if outage.ends_at is not None:
        window += f" 至 {clock(outage.ends_at, today)}"
    reason = f"，原因：{outage.reason}" if outage.reason else ""
    return f"计划停电（编号 {outage.number}）：{window}{reason}。请提前做好准备。"
