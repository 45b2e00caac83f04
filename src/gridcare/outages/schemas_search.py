"""Schemas of the public outage search (GET /api/v1/outages, /api/v1/outages/{number})."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Path, Schema

from gridcare.core.schemas import _BLANK
from gridcare.outages.selectors.search import QUERY_MAX_LENGTH, PublicOutage

OutageNumber = Annotated[
    str, Field(pattern=r"^TD[0-9]{8,14}$", max_length=20, description="停电编号, TD<yyyymmdd><n>")
]
OutageNumberPath = Path[OutageNumber]
#: Blank (every open outage), or text whose visible part is at least 2 characters long
#: (a single character would match nearly every address).
SEARCH_QUERY = rf"^[{_BLANK}]*$|^[{_BLANK}]*[^{_BLANK}][^\x00]*[^{_BLANK}][{_BLANK}]*$"


class OutageSearchFilter(Schema):
    q: str = Field(
        "",
        max_length=QUERY_MAX_LENGTH,
        pattern=SEARCH_QUERY,
        description="An address, a 户号 (13 digits; needs a login) or a 台区 name or code, "
        "at least 2 visible characters; empty: every open outage. With by=account, q must "
        "be 13 digits (else 400 outages.search.bad_account).",
    )
    by: Literal["auto", "address", "account", "area"] = Field(
        "auto",
        description="How to read q; auto: 13 digits → 户号, a 台区 name/code → area, "
        "otherwise an address",
    )


class PublicOutageOut(Schema):
    number: str
    kind: str = Field(description="planned | unplanned")
    planned_type: str = Field(
        description="maintenance | temporary | limited_supply; '' if unplanned"
    )
    level: str = Field(description="feeder | transformer | accounts")
    state: str = Field(description="published | active | restored | cancelled")
    cause: str
    reason: str = Field(description="The announced reason (planned outages only)")
    starts_at: datetime
    ends_at: datetime | None = Field(description="The announced end of a planned outage")
    etr_at: datetime | None = Field(description="Estimated restoration: an estimate")
    restored_at: datetime | None
    affected_count: int
    feeders: list[str]
    areas: list[str] = Field(description="台区 names")
    streets: list[str] = Field(description="District and street (街道) names, at most 8")
    more_streets: bool

    @staticmethod
    def build(item: PublicOutage) -> PublicOutageOut:
        return PublicOutageOut(
            number=item.number,
            kind=item.kind,
            planned_type=item.planned_type,
            level=item.level,
            state=item.state,
            cause=item.cause,
            reason=item.reason,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            etr_at=item.etr_at,
            restored_at=item.restored_at,
            affected_count=item.affected_count,
            feeders=list(item.feeders),
            areas=list(item.areas),
            streets=list(item.streets),
            more_streets=item.more_streets,
        )


class OutageSearchOut(Schema):
    query: str
    read_as: str = Field(description="address | account | area, or '' when q was empty")
    count: int
    outages: list[PublicOutageOut]
