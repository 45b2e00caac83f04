"""/api/v1/outages: planned outages (list, create, update, preview, publish, cancel,
restore) and the reliability indices. Thin: parse → one selector or service → output.

Staff only. Reading needs `outages.view_outage`; planning needs `outages.add_outage` and
`outages.change_outage`; publishing inside the notice period also
`outages.override_notice`. An outage outside the user's org scope is a 404.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.pagination import paginate

from gridcare.core.api_support import AUTH, Pages, acting_user, client_ip, require_staff_perm
from gridcare.core.models import User
from gridcare.core.params import parse_date
from gridcare.core.roles import PLAN_OUTAGES, VIEW_OUTAGES
from gridcare.core.schemas import WRITE_ERRORS
from gridcare.outages.models import Outage
from gridcare.outages.schemas_planned import (
    CancelIn,
    OutageNumberPath,
    PlannedFilter,
    PlannedIn,
    PlannedOut,
    PlannedUpdateIn,
    PreviewOut,
    PublishIn,
    ReliabilityFilter,
    ReliabilityOut,
    RestoreIn,
)
from gridcare.outages.selectors import planned as planned_reads
from gridcare.outages.selectors import reliability as reliability_reads
from gridcare.outages.services import planned as planned_uses

router = Router(tags=["outages"], auth=AUTH)
ERRORS = WRITE_ERRORS


def _reader(request: HttpRequest) -> User:
    user = acting_user(request)
    require_staff_perm(user, VIEW_OUTAGES)
    return user


def _planner(request: HttpRequest) -> User:
    user = _reader(request)
    for perm in PLAN_OUTAGES:
        require_staff_perm(user, perm)
    return user


def _input(user: User, payload: PlannedIn) -> planned_uses.PlannedInput:
    scope = planned_reads.scope_resolve(
        user=user,
        feeder_codes=payload.scope.feeders,
        transformer_codes=payload.scope.transformers,
        account_numbers=payload.scope.accounts,
    )
    return planned_uses.PlannedInput(
        planned_type=payload.planned_type,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        scope=scope,
    )


@router.get("/planned", response={200: list[PlannedOut], **ERRORS})
@paginate(Pages, page_size=50)
def planned_list(request: HttpRequest, filters: Query[PlannedFilter]) -> QuerySet[Outage]:
    """Planned outages of your org scope, the next to start first."""
    return planned_reads.planned_outages_for_user(user=_reader(request), state=filters.state or "")


@router.post("/planned", response={201: PlannedOut, **ERRORS})
def planned_create(request: HttpRequest, payload: PlannedIn) -> Status[Outage]:
    """A draft: nothing is announced until it is published."""
    user = _planner(request)
    return Status(201, planned_uses.planned_create(actor=user, data=_input(user, payload)))


@router.get("/planned/{number}", response={200: PlannedOut, **ERRORS})
def planned_detail(request: HttpRequest, number: OutageNumberPath) -> Outage:
    return planned_reads.planned_get_for_user(user=_reader(request), number=number)


@router.put("/planned/{number}", response={200: PlannedOut, **ERRORS})
def planned_update(
    request: HttpRequest, number: OutageNumberPath, payload: PlannedUpdateIn
) -> Outage:
    """Change a draft (give the `version` you read; a stale one is a 409)."""
    user = _planner(request)
    outage = planned_reads.planned_get_for_user(user=user, number=number)
    data = _input(user, payload)
    return planned_uses.planned_update(
        actor=user, outage=outage, data=data, version=payload.version
    )


@router.get("/planned/{number}/preview", response={200: PreviewOut, **ERRORS})
def planned_preview(request: HttpRequest, number: OutageNumberPath) -> PreviewOut:
    """A draft: who it reaches (from the topology, now) and whether publishing now meets
    the notice rule. Published or later: the customers it was announced to (`notice`
    null)."""
    outage = planned_reads.planned_get_for_user(user=_reader(request), number=number)
    preview = planned_reads.outage_preview(outage=outage, now=timezone.now())
    return PreviewOut.of(preview)


@router.post("/planned/{number}/publish", response={200: PlannedOut, **ERRORS})
def planned_publish(request: HttpRequest, number: OutageNumberPath, payload: PublishIn) -> Outage:
    """Announce it: every affected customer is told. Inside the notice period this is a
    400 `outages.planned.notice_too_short` unless `override_reason` is given by someone
    holding `outages.override_notice` (audited)."""
    user = _planner(request)
    outage = planned_reads.planned_get_for_user(user=user, number=number)
    return planned_uses.planned_publish(
        actor=user,
        outage=outage,
        override_reason=payload.override_reason,
        version=payload.version,
        ip=client_ip(request),
    )


@router.post("/planned/{number}/cancel", response={200: PlannedOut, **ERRORS})
def planned_cancel(request: HttpRequest, number: OutageNumberPath, payload: CancelIn) -> Outage:
    """Call off a draft or a published outage (its customers are told)."""
    user = _planner(request)
    outage = planned_reads.planned_get_for_user(user=user, number=number)
    return planned_uses.planned_cancel(
        actor=user, outage=outage, reason=payload.reason, version=payload.version
    )


@router.post("/planned/{number}/restore", response={200: PlannedOut, **ERRORS})
def planned_restore(request: HttpRequest, number: OutageNumberPath, payload: RestoreIn) -> Outage:
    """Supply is back: every customer still off gets that time, and the restoration notice."""
    user = _planner(request)
    outage = planned_reads.planned_get_for_user(user=user, number=number)
    return planned_uses.planned_restore(
        actor=user, outage=outage, at=payload.restored_at, version=payload.version
    )


@router.get("/reliability", response={200: ReliabilityOut, **ERRORS})
def reliability(request: HttpRequest, filters: Query[ReliabilityFilter]) -> dict[str, object]:
    """SAIFI, SAIDI, CAIDI, ASAI, RS-1, RS-3 of your scope (or one feeder / supply
    station) over `from`…`to` (Beijing days, both included), planned vs unplanned, major
    event days (IEEE 1366 2.5 beta) and the figures without them; `breakdown=true` adds
    the same by feeder, supply station and month."""
    user = _reader(request)
    start = parse_date(filters.from_, field="from")
    end = parse_date(filters.to, field="to")
    assert start is not None, "required"
    assert end is not None, "required"
    selection = reliability_reads.reliability_selection(
        user=user,
        start_day=start,
        end_day=end,
        feeder_code=filters.feeder or "",
        station_code=filters.station or "",
    )
    if not filters.breakdown:
        return reliability_reads.reliability_total(selection).as_dict()
    view = reliability_reads.reliability_view(selection)

    def rows(items: list[reliability_reads.ReportRow]) -> list[dict[str, object]]:
        return [{"key": r.key, "label": r.label, "report": r.report.as_dict()} for r in items]

    return {
        **view.total.as_dict(),
        "by_feeder": rows(view.by_feeder),
        "by_station": rows(view.by_station),
        "by_month": rows(view.by_month),
    }
