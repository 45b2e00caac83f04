"""What detection reads: the snapshot the correlation engine judges, and the ETR history."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gridcare.customers.models import AccountMeter
from gridcare.grid.models import Meter, Transformer
from gridcare.outages.choices import DeviceKind, OutageKind, OutageLevel, OutageState
from gridcare.outages.engine import correlate as engine
from gridcare.outages.engine.etr import PastOutage, season_of
from gridcare.outages.models import MeterPowerState, Outage, OutageCustomer, PowerEvent

#: Terminal events older than this are not read (a terminal off for a week is not news).
TERMINAL_LOOKBACK = timedelta(days=7)
#: The worker's sweep judges feeders with events this recent (a lone meter's settle time,
#: a restoration whose batch run failed) besides those with an outage open.
SWEEP_LOOKBACK = timedelta(hours=1)


@dataclass(frozen=True)
class Directory:
    """Who is behind each meter and where each 台区 hangs (for writing the decisions)."""

    account_of_meter: dict[int, int]
    meter_of_account: dict[int, int]
    transformer_of_meter: dict[int, int]
    feeder_of_transformer: dict[int, int]
    transformers: dict[int, Transformer]


def detect_feeders(
    *, transformer_ids: Collection[int] | None, now: datetime | None = None
) -> list[int]:
    """The feeders to judge: those of the given 台区, or (None: the worker's sweep) every
    feeder with an unplanned outage open or a power event of the last `SWEEP_LOOKBACK` —
    not every feeder with some meter off for weeks, which was judged when it went off."""
    if transformer_ids is not None:
        found = Transformer.objects.filter(pk__in=list(transformer_ids))
        return sorted(set(found.values_list("feeder_id", flat=True)))
    since = (now or timezone.now()) - SWEEP_LOOKBACK
    recent = MeterPowerState.objects.filter(changed_at__gte=since).values_list(
        "feeder_id", flat=True
    )
    open_ = Outage.objects.filter(
        kind=OutageKind.UNPLANNED, state=OutageState.ACTIVE, feeder__isnull=False
    ).values_list("feeder_id", flat=True)
    terminals = PowerEvent.objects.filter(
        device_kind=DeviceKind.TERMINAL, device_time__gte=since
    ).values_list("feeder_id", flat=True)
    return sorted(set(recent) | set(open_) | set(terminals))


def detect_snapshot(
    *, feeder_ids: Iterable[int], now: datetime
) -> tuple[engine.Snapshot, Directory]:
    feeder_ids = list(feeder_ids)
    transformers = {
        t.pk: t for t in Transformer.objects.filter(feeder_id__in=feeder_ids).order_by("pk")
    }
    meters = list(
        Meter.objects.filter(
            transformer_id__in=list(transformers), is_transformer_total=False
        ).values_list("pk", "transformer_id")
    )
    links = dict(
        AccountMeter.objects.filter(meter_id__in=[m for m, _ in meters]).values_list(
            "meter_id", "account_id"
        )
    )
    directory = Directory(
        account_of_meter=links,
        meter_of_account={a: m for m, a in links.items()},
        transformer_of_meter=dict(meters),
        feeder_of_transformer={pk: t.feeder_id for pk, t in transformers.items()},
        transformers=transformers,
    )
    topology = engine.Topology(
        feeders={
            f: tuple(pk for pk, t in transformers.items() if t.feeder_id == f) for f in feeder_ids
        },
        meters={pk: tuple(m for m, tr in meters if tr == pk) for pk in transformers},
    )
    snapshot = engine.Snapshot(
        topology=topology,
        meters=_meter_states(list(directory.transformer_of_meter)),
        terminals=_terminal_states(list(transformers), now),
        open_outages=_open_outages(feeder_ids, directory),
        planned=_planned_in_progress(feeder_ids, now, directory),
        now=now,
    )
    return snapshot, directory


def _meter_states(meter_ids: list[int]) -> dict[int, engine.Supply]:
    rows = MeterPowerState.objects.filter(meter_id__in=meter_ids).values_list(
        "meter_id", "is_off", "changed_at"
    )
    return {m: engine.Supply(is_off, at) for m, is_off, at in rows}


def _terminal_states(transformer_ids: list[int], now: datetime) -> dict[int, engine.Supply]:
    """The latest terminal event of each 台区 (device time order, like meters)."""
    rows = (
        PowerEvent.objects.filter(
            device_kind=DeviceKind.TERMINAL,
            transformer_id__in=transformer_ids,
            device_time__gte=now - TERMINAL_LOOKBACK,
        )
        .order_by("transformer_id", "-device_time", "-id")
        .values_list("transformer_id", "kind", "device_time")
    )
    states: dict[int, engine.Supply] = {}
    for tr, kind, at in rows:
        states.setdefault(tr, engine.Supply(kind == "power_off", at))
    return states


def _open_outages(feeder_ids: list[int], directory: Directory) -> tuple[engine.OpenOutage, ...]:
    outages = list(
        Outage.objects.filter(
            kind=OutageKind.UNPLANNED, state=OutageState.ACTIVE, feeder_id__in=feeder_ids
        ).prefetch_related("scope_items", "customers")
    )
    found = []
    for outage in outages:
        scope = frozenset(s.transformer_id for s in outage.scope_items.all() if s.transformer_id)
        customers = [c for c in outage.customers.all() if c.removed_at is None]
        restored = frozenset(
            directory.meter_of_account[c.account_id]
            for c in customers
            if c.on_at is not None and c.account_id in directory.meter_of_account
        )
        still_off = {c.transformer_id for c in customers if c.on_at is None}
        meter_id = None
        if outage.level == OutageLevel.CUSTOMER and customers:
            meter_id = directory.meter_of_account.get(customers[0].account_id)
        found.append(
            engine.OpenOutage(
                id=outage.pk,
                level=outage.level,
                feeder_id=outage.feeder_id or 0,
                starts_at=outage.starts_at,
                transformer_ids=scope,
                meter_id=meter_id,
                restored_meter_ids=restored,
                restored_transformer_ids=frozenset(scope - still_off),
            )
        )
    return tuple(found)


def planned_in_progress_q(now: datetime) -> Q:
    """Planned outages whose window holds `now` (active, or published and started)."""
    started = Q(state=OutageState.PUBLISHED, starts_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gte=now)
    )
    return Q(kind=OutageKind.PLANNED) & (Q(state=OutageState.ACTIVE) | started)


def _planned_in_progress(
    feeder_ids: list[int], now: datetime, directory: Directory
) -> tuple[engine.PlannedCover, ...]:
    links = OutageCustomer.objects.filter(
        outage__in=Outage.objects.filter(planned_in_progress_q(now)),
        feeder_id__in=feeder_ids,
        removed_at__isnull=True,
    ).values_list("outage_id", "account_id", "transformer_id", "outage__starts_at")
    meters: dict[int, set[int]] = {}
    starts: dict[int, datetime] = {}
    for outage_id, account_id, _tr, starts_at in links:
        starts[outage_id] = starts_at
        meter = directory.meter_of_account.get(account_id)
        if meter is not None:
            meters.setdefault(outage_id, set()).add(meter)
    covers = []
    for outage_id, meter_ids in meters.items():
        whole = {
            tr
            for tr in {directory.transformer_of_meter[m] for m in meter_ids}
            if set(_meters_of(directory, tr)) <= meter_ids
        }
        covers.append(
            engine.PlannedCover(
                outage_id, frozenset(meter_ids), frozenset(whole), starts[outage_id]
            )
        )
    return tuple(covers)


def _meters_of(directory: Directory, tr: int) -> list[int]:
    return [
        m
        for m, t in directory.transformer_of_meter.items()
        if t == tr and m in directory.account_of_meter
    ]


def etr_history(*, now: datetime) -> list[PastOutage]:
    """Restored unplanned network outages of the last OUTAGES_ETR_HISTORY_DAYS."""
    since = now - timedelta(days=settings.OUTAGES_ETR_HISTORY_DAYS)
    rows = Outage.objects.filter(
        kind=OutageKind.UNPLANNED,
        state=OutageState.RESTORED,
        level__in=[OutageLevel.FEEDER, OutageLevel.TRANSFORMER],
        starts_at__gte=since,
        restored_at__isnull=False,
    ).values_list("feeder_id", "cause", "level", "starts_at", "restored_at")
    return [
        PastOutage(
            feeder_id=feeder_id,
            cause=cause,
            level=level,
            season=season_of(timezone.localtime(start)),
            minutes=(restored - start).total_seconds() / 60,
        )
        for feeder_id, cause, level, start, restored in rows
        if restored is not None and restored > start
    ]


def outage_active_for_account(*, account_id: int) -> Outage | None:
    """The active unplanned network outage the account is still off in, if any (repair
    calls from inside it are merged into its repair order)."""
    link = (
        OutageCustomer.objects.filter(
            account_id=account_id,
            on_at__isnull=True,
            removed_at__isnull=True,
            outage__kind=OutageKind.UNPLANNED,
            outage__state=OutageState.ACTIVE,
            outage__level__in=[OutageLevel.FEEDER, OutageLevel.TRANSFORMER],
        )
        .select_related("outage")
        .order_by("outage__starts_at")
        .first()
    )
    return link.outage if link else None


def outage_account_ids(*, outage: Outage) -> list[int]:
    """Accounts of an outage still off (for merging the calls already made)."""
    return list(
        OutageCustomer.objects.filter(
            outage=outage, on_at__isnull=True, removed_at__isnull=True
        ).values_list("account_id", flat=True)
    )


def outages_missing_order(*, levels: Collection[str]) -> list[Outage]:
    """Active unplanned outages of these levels that have no repair order yet."""
    return list(
        Outage.objects.filter(
            kind=OutageKind.UNPLANNED,
            state=OutageState.ACTIVE,
            level__in=list(levels),
            repair_order_number="",
        ).select_related("feeder", "transformer")
    )


def outages_restored_among(*, numbers: Collection[str]) -> list[Outage]:
    """The outages of these numbers that are over (restored)."""
    return list(Outage.objects.filter(number__in=list(numbers), state=OutageState.RESTORED))
