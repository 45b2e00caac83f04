"""Shapes of the planned-outage and reliability endpoints (/api/v1/outages/planned…,
/api/v1/outages/reliability)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Path, Schema
from pydantic import AwareDatetime

from gridcare.core.schemas import NO_NUL, NOT_BLANK, StrictIn, coded
from gridcare.outages.models import Outage
from gridcare.outages.selectors.planned import MAX_SCOPE_ITEMS, Preview

OUTAGE_NUMBER = r"^TD[0-9]{14}$"
OutageNumberPath = Path[
    Annotated[
        str,
        Field(pattern=OUTAGE_NUMBER, max_length=16, description="TD<yyyymmdd><6 digits>"),
        coded("outages.number_invalid", "停电编号格式不正确（TD + 14 位数字）"),
    ]
]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z_.-]+$")]
AccountNo = Annotated[str, Field(pattern=r"^[0-9]{13}$")]
Reason = Annotated[
    str,
    Field(min_length=1, max_length=200, pattern=NOT_BLANK),
    coded("outages.planned.bad_reason", "请填写原因（最多 200 字）"),
]
PlannedTypeIn = Literal["maintenance", "temporary", "limited_supply"]


class ScopeIn(StrictIn):
    feeders: list[Code] = Field(default_factory=list, max_length=MAX_SCOPE_ITEMS)
    transformers: list[Code] = Field(default_factory=list, max_length=MAX_SCOPE_ITEMS)
    accounts: list[AccountNo] = Field(default_factory=list, max_length=MAX_SCOPE_ITEMS)


class PlannedIn(StrictIn):
    """A draft: type, window (with its UTC offset, e.g. 2026-12-20T08:00:00+08:00), reason
    and scope — feeders (codes), 台区 (codes) and/or accounts (户号)."""

    planned_type: PlannedTypeIn
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Reason
    scope: ScopeIn


class PlannedUpdateIn(PlannedIn):
    version: int = Field(ge=1, description="the version you read (a stale one is a 409)")


class PublishIn(StrictIn):
    override_reason: str = Field(
        "",
        max_length=200,
        pattern=NO_NUL,
        description="needed (with outages.override_notice) when the notice rule is not met",
    )
    version: int | None = Field(None, ge=1)


class CancelIn(StrictIn):
    reason: Reason
    version: int | None = Field(None, ge=1)


class RestoreIn(StrictIn):
    restored_at: AwareDatetime | None = Field(None, description="default: now")
    version: int | None = Field(None, ge=1)


class PlannedFilter(Schema):
    state: Literal["draft", "published", "active", "restored", "cancelled"] | None = None


class ScopeOut(Schema):
    feeders: list[str]
    transformers: list[str]
    accounts: list[str]


class PlannedOut(Schema):
    number: str
    planned_type: str
    state: str
    level: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    reason: str
    affected_count: int
    org_unit: str
    published_at: dt.datetime | None
    restored_at: dt.datetime | None
    notice_override: str
    version: int
    scope: ScopeOut

    @staticmethod
    def resolve_org_unit(obj: Outage) -> str:
        return obj.org_unit.name

    @staticmethod
    def resolve_scope(obj: Outage) -> dict[str, list[str]]:
        items = list(obj.scope_items.select_related("feeder", "transformer", "account"))
        return {
            "feeders": [i.feeder.code for i in items if i.feeder],
            "transformers": [i.transformer.code for i in items if i.transformer],
            "accounts": [i.account.number for i in items if i.account],
        }


class AffectedOut(Schema):
    number: str
    name: str  # masked
    importance_level: str
    transformer: str


class NoticeOut(Schema):
    rule: str
    required_hours: float
    lead_hours: float
    met: bool


class PreviewOut(Schema):
    affected_count: int
    important_count: int
    by_transformer: list[dict[str, Any]]
    notice: NoticeOut | None
    accounts: list[AffectedOut]

    @staticmethod
    def of(preview: Preview) -> PreviewOut:
        notice = preview.notice
        return PreviewOut(
            affected_count=preview.count,
            important_count=len(preview.important),
            by_transformer=[{"transformer": n, "count": c} for n, c in preview.by_transformer],
            notice=None
            if notice is None
            else NoticeOut(
                rule=notice.rule,
                required_hours=notice.required_hours,
                lead_hours=round(notice.lead_hours, 2),
                met=notice.met,
            ),
            accounts=[
                AffectedOut(
                    number=a.number,
                    name=a.name_masked,
                    importance_level=a.importance_level,
                    transformer=a.transformer_name,
                )
                for a in preview.accounts
            ],
        )


DateIn = Annotated[
    str,
    Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", max_length=10, description="YYYY-MM-DD"),
    coded("outages.reliability.bad_date", "日期应写作 YYYY-MM-DD"),
]


class ReliabilityFilter(Schema):
    from_: DateIn = Field(..., alias="from")
    to: DateIn
    feeder: Code | None = None
    station: Code | None = None
    breakdown: bool = Field(False, description="add by_feeder, by_station and by_month")


class IndicesOut(Schema):
    customer_interruptions: int
    customers_interrupted: int
    customer_minutes: float
    saifi: float
    saidi_minutes: float
    caidi_minutes: float
    asai: float


class WithoutMedOut(IndicesOut):
    rs1: float


class ReliabilityRowOut(Schema):
    key: str
    label: str
    report: ReliabilityOut


class ReliabilityOut(Schema):
    """The headline figures first (as the CLI's --json line), then the splits."""

    customers_served: int
    saifi: float
    saidi_minutes: float
    caidi_minutes: float
    asai: float
    rs1: float
    rs3: float
    period_hours: float
    customer_interruptions: int
    customer_minutes: float
    planned: IndicesOut
    unplanned: IndicesOut
    major_event_days: list[str]
    t_med_minutes: float | None
    without_major_events: WithoutMedOut
    by_feeder: list[ReliabilityRowOut] | None = None
    by_station: list[ReliabilityRowOut] | None = None
    by_month: list[ReliabilityRowOut] | None = None


ReliabilityRowOut.model_rebuild()
