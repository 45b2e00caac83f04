"""Template text: `{name}` placeholders, found and filled without Django.

A message is rendered whole or not at all: a missing variable is refused with its name,
never sent as a half-filled text. `{{` and `}}` are literal braces. Format specs and
attribute access (`{x.y}`, `{x:>3}`) are refused when a template is published, so that a
template can only read the variables it is given.

>>> placeholders("尊敬的{name}，户号{account}将于{start}停电。{name}")
['name', 'account', 'start']
>>> render("户号{account}：{amount}元", {"account": "3101", "amount": "12.50"})
'户号3101：12.50元'
>>> render("户号{account}", {})
Traceback (most recent call last):
...
gridcare.notify.rendering.MissingVariable: 模板缺少变量 account
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from gridcare.core.errors import DomainError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MissingVariable(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(
            "notify.template.missing_variable", f"模板缺少变量 {name}", field=name, variable=name
        )


class InvalidTemplate(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__("notify.template.invalid", message, field="body")


def placeholders(text: str) -> list[str]:
    """Variable names of `text` in order of first use; InvalidTemplate if it is malformed."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise InvalidTemplate(f"模板格式错误：{exc}（字面花括号请写成 {{{{ 或 }}}}）") from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _NAME.match(field) or spec or conversion:
            raise InvalidTemplate(
                f"变量 {{{field}}} 无效：只能写成 {{变量名}}（字母、数字、下划线）"
            )
        if field not in names:
            names.append(field)
    return names


def render(text: str, variables: Mapping[str, Any]) -> str:
    """`text` with every placeholder filled from `variables` (MissingVariable otherwise)."""
    for name in placeholders(text):
        if name not in variables or variables[name] is None:
            raise MissingVariable(name)
    return text.format_map({k: str(v) for k, v in variables.items()})


def quiet_until(moment: datetime, start: time, end: time) -> datetime | None:
    """When the quiet period that `moment` (aware, local time) falls in ends, or None if
    it is not in one. The period runs from `start` to `end` and may cross midnight.

    >>> from zoneinfo import ZoneInfo
    >>> bj = ZoneInfo("Asia/Shanghai")
    >>> quiet_until(datetime(2026, 12, 1, 23, 30, tzinfo=bj), time(22), time(8))
    datetime.datetime(2026, 12, 2, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))
    >>> quiet_until(datetime(2026, 12, 1, 12, 0, tzinfo=bj), time(22), time(8)) is None
    True
    """
    local = moment.timetz().replace(tzinfo=None)
    day = moment.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if start <= end:  # e.g. 12:00–14:00
        return day if start <= local < end else None
    if local >= start:  # evening part: ends tomorrow
        return day + timedelta(days=1)
    if local < end:  # early-morning part: ends today
        return day
    return None
