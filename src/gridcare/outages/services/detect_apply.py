"""Writing the correlation engine's decisions (services.detect runs it in its transaction):
outages, their scope, per-customer interruptions, the ETR, event rows and event links."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gridcare.grid.models import Feeder
from gridcare.outages.choices import (
    DeviceKind,
    OutageCause,
    OutageEventKind,
    OutageKind,
    OutageLevel,
)
from gridcare.outages.choices import OutageState as S
from gridcare.outages.engine import correlate as engine
from gridcare.outages.engine.etr import OutageProfile, estimate, season_of
from gridcare.outages.models import Outage, OutageCustomer, OutageScope, PowerEvent
from gridcare.outages.selectors.detect import Directory, etr_history
from gridcare.outages.services.records import outage_event_add, outage_insert
from gridcare.outages.signals import (
    unplanned_outage_absorbed,
    unplanned_outage_opened,
    unplanned_outage_restored,
)


@dataclass
class DetectResult:
    feeders: int = 0
    # Outages whose notices are still to send, when the caller sends them later
    # (`detect_run(notify=False)`: the listener, after the storm's last batch).
    notices_due: list[int] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    grown: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    customer_faults: int = 0
    customers_restored: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "feeders": self.feeders,
            "opened": self.opened,
            "grown": self.grown,
            "restored": self.restored,
            "customer_faults": self.customer_faults,
            "customers_restored": self.customers_restored,
        }


class DecisionWriter:
    """Writes one run's decisions (a class only to share the run's context)."""

    def __init__(
        self, snapshot: engine.Snapshot, directory: Directory, now: datetime, result: DetectResult
    ) -> None:
        self.snapshot, self.directory, self.now, self.result = snapshot, directory, now, result
        self.window = timedelta(seconds=settings.OUTAGES_WINDOW_SECONDS)
        self.touched: dict[int, Outage] = {}
        self.opened: list[Outage] = []
        self.closed: list[Outage] = []
        self.absorbed_into: dict[int, int] = {}
        self.absorbed: list[tuple[Outage, Outage]] = []

    def run(self, decisions: engine.Decisions) -> None:
        for absorb in decisions.absorbs:
            self._absorb(absorb)
        for grow in decisions.grows:
            self._grow(grow)
        for open_ in decisions.opens:
            self._open(open_)
        for dismiss in decisions.dismisses:
            self._dismiss(dismiss)
        for meter_on in decisions.meters_on:
            self._meter_on(meter_on)
        for shrink in decisions.shrinks:
            self._shrink(shrink)
        for close in decisions.closes:
            self._close(close)
        for explain in decisions.explains:
            self._explain(explain)
        self._mark_correlated()
        self._finish()

    # --- writing decisions -------------------------------------------------------------

    def _outage(self, outage_id: int) -> Outage:
        outage_id = self.absorbed_into.get(outage_id, outage_id)
        if outage_id not in self.touched:
            self.touched[outage_id] = Outage.objects.get(pk=outage_id)
        return self.touched[outage_id]

    def _open(self, decision: engine.Open) -> None:
        tr = self.directory.transformers[min(decision.transformer_ids)]
        level = decision.level
        feeder = Feeder.objects.select_related("substation").get(pk=decision.feeder_id)
        outage = outage_insert(
            actor=None,
            kind=OutageKind.UNPLANNED,
            level=level,
            state=S.ACTIVE,
            substation=feeder.substation,
            feeder=feeder,
            transformer=None if level == OutageLevel.FEEDER else tr,
            org_unit=feeder.substation.org_unit if level == OutageLevel.FEEDER else tr.org_unit,
            cause=OutageCause.CUSTOMER_SIDE if level == OutageLevel.CUSTOMER else "",
            starts_at=decision.starts_at,
            detected_at=self.now,
        )
        self.touched[outage.pk] = outage
        if level == OutageLevel.CUSTOMER:
            assert decision.meter_id is not None
            self._add_customers(outage, [decision.meter_id], decision.starts_at)
            self.result.customer_faults += 1
            outage_event_add(
                outage=outage, kind=OutageEventKind.DETECTED, at=self.now, data={"level": level}
            )
            return
        self._add_scope(outage, decision.transformer_ids)
        outage_event_add(
            outage=outage,
            kind=OutageEventKind.DETECTED,
            at=self.now,
            data={"level": level, "transformers": self._codes(decision.transformer_ids)},
        )
        self._estimate(outage)
        self.opened.append(outage)
        self.result.opened.append(outage.number)

    def _add_scope(self, outage: Outage, transformer_ids: Collection[int]) -> None:
        OutageScope.objects.bulk_create(
            OutageScope(outage=outage, transformer_id=tr) for tr in sorted(transformer_ids)
        )
        meters = [
            m for m, tr in self.directory.transformer_of_meter.items() if tr in transformer_ids
        ]
        self._add_customers(outage, meters, outage.starts_at)

    def _add_customers(self, outage: Outage, meter_ids: list[int], start: datetime) -> None:
        taken = set(
            OutageCustomer.objects.filter(outage=outage).values_list("account_id", flat=True)
        )
        rows = []
        for meter in meter_ids:
            account = self.directory.account_of_meter.get(meter)
            if account is None or account in taken:
                continue
            tr = self.directory.transformer_of_meter[meter]
            rows.append(
                OutageCustomer(
                    outage=outage,
                    account_id=account,
                    transformer_id=tr,
                    feeder_id=self.directory.feeder_of_transformer[tr],
                    off_at=self._off_at(meter, start),
                )
            )
        OutageCustomer.objects.bulk_create(rows, batch_size=2000)

    def _off_at(self, meter: int, start: datetime) -> datetime:
        """The meter's own power_off when it sent one around the outage, else the start."""
        supply = self.snapshot.meters.get(meter)
        if supply is not None and supply.is_off and supply.changed_at >= start - self.window:
            return max(supply.changed_at, start)
        return start

    def _estimate(self, outage: Outage) -> None:
        profile = OutageProfile(
            feeder_id=outage.feeder_id,
            cause=outage.cause,
            level=outage.level,
            season=season_of(timezone.localtime(outage.starts_at)),
        )
        found = estimate(
            profile,
            etr_history(now=self.now),
            min_samples=settings.OUTAGES_ETR_MIN_SAMPLES,
            default_minutes=settings.OUTAGES_ETR_DEFAULT_MINUTES,
        )
        outage.etr_at = max(found.at(outage.starts_at), self.now)
        outage.etr_basis = found.basis()
        outage_event_add(
            outage=outage,
            kind=OutageEventKind.ETR_SET,
            at=self.now,
            data={**found.basis(), "etr_at": outage.etr_at.isoformat()},
        )

    def _grow(self, decision: engine.Grow) -> None:
        outage = self._outage(decision.outage_id)
        if decision.upgrade_to_feeder:
            outage.level = OutageLevel.FEEDER
            outage.transformer = None
            outage.org_unit_id = (
                outage.substation.org_unit_id if outage.substation else outage.org_unit_id
            )
        self._add_scope(outage, decision.transformer_ids)
        outage_event_add(
            outage=outage,
            kind=OutageEventKind.SCOPE_CHANGED,
            at=self.now,
            data={"added": self._codes(decision.transformer_ids), "level": outage.level},
        )
        self.result.grown.append(outage.number)

    def _absorb(self, decision: engine.Absorb) -> None:
        into, gone = self._outage(decision.into_id), self._outage(decision.outage_id)
        taken = set(OutageCustomer.objects.filter(outage=into).values_list("account_id", flat=True))
        OutageCustomer.objects.filter(outage=gone).exclude(account_id__in=taken).update(outage=into)
        OutageCustomer.objects.filter(outage=gone).update(removed_at=self.now)  # in `into` too
        OutageScope.objects.filter(outage=gone).update(outage=into)
        PowerEvent.objects.filter(outage=gone).update(outage=into)
        gone.state, gone.affected_count, gone.restored_at = S.CANCELLED, 0, None
        outage_event_add(
            outage=gone,
            kind=OutageEventKind.SCOPE_CHANGED,
            at=self.now,
            data={"absorbed_into": into.number},
        )
        self.absorbed_into[gone.pk] = into.pk
        self.absorbed.append((gone, into))
        into.starts_at = min(into.starts_at, gone.starts_at)

    def _dismiss(self, decision: engine.Dismiss) -> None:
        outage = self._outage(decision.outage_id)
        OutageCustomer.objects.filter(outage=outage).update(removed_at=self.now)
        outage.state = S.CANCELLED
        outage_event_add(
            outage=outage,
            kind=OutageEventKind.CLEARED,
            at=self.now,
            data={"reason": "area_out", "transformer": self._codes([decision.into_transformer_id])},
        )

    def _meter_on(self, decision: engine.MeterOn) -> None:
        outage = self._outage(decision.outage_id)
        account = self.directory.account_of_meter.get(decision.meter_id)
        if account is None:
            return
        done = OutageCustomer.objects.filter(
            outage=outage, account_id=account, on_at__isnull=True
        ).update(on_at=max(decision.on_at, outage.starts_at))
        self.result.customers_restored += done

    def _shrink(self, decision: engine.Shrink) -> None:
        outage = self._outage(decision.outage_id)
        self.result.customers_restored += OutageCustomer.objects.filter(
            outage=outage, transformer_id__in=decision.transformer_ids, on_at__isnull=True
        ).update(on_at=decision.restored_at)
        outage_event_add(
            outage=outage,
            kind=OutageEventKind.SCOPE_CHANGED,
            at=self.now,
            data={
                "restored": self._codes(decision.transformer_ids),
                "restored_at": decision.restored_at.isoformat(),
            },
        )

    def _close(self, decision: engine.Close) -> None:
        outage = self._outage(decision.outage_id)
        if outage.state != S.ACTIVE:
            return
        restored_at = max(decision.restored_at, outage.starts_at)
        self.result.customers_restored += OutageCustomer.objects.filter(
            outage=outage, on_at__isnull=True, removed_at__isnull=True
        ).update(on_at=restored_at)
        outage.state, outage.restored_at = S.RESTORED, restored_at
        kind = (
            OutageEventKind.CLEARED
            if outage.level == OutageLevel.CUSTOMER
            else OutageEventKind.RESTORED
        )
        outage_event_add(
            outage=outage, kind=kind, at=self.now, data={"restored_at": restored_at.isoformat()}
        )
        if outage.level != OutageLevel.CUSTOMER:
            self.closed.append(outage)
            self.result.restored.append(outage.number)

    def _explain(self, decision: engine.Explain) -> None:
        """Events of a planned outage in progress are its own; its customers whose meter
        came back get their restoration time."""
        planned = Outage.objects.get(pk=decision.planned_id)
        meters = set(decision.meter_ids)
        own = Q(meter_id__in=meters) | Q(
            device_kind=DeviceKind.TERMINAL, transformer_id__in=list(decision.transformer_ids)
        )
        PowerEvent.objects.filter(
            own, outage__isnull=True, device_time__gte=planned.starts_at - self.window
        ).update(outage=planned, correlated_at=self.now)
        for meter in meters:
            supply = self.snapshot.meters.get(meter)
            account = self.directory.account_of_meter.get(meter)
            if (
                supply is None
                or supply.is_off
                or supply.changed_at <= planned.starts_at
                or account is None
            ):
                continue
            OutageCustomer.objects.filter(
                outage=planned, account_id=account, on_at__isnull=True
            ).update(on_at=supply.changed_at)

    # --- after the decisions -----------------------------------------------------------

    def _mark_correlated(self) -> None:
        """Link the judged 台区's pending events to the outage that explains them."""
        pending = PowerEvent.objects.filter(
            transformer_id__in=list(self.directory.transformers), correlated_at__isnull=True
        )
        for outage in self._open_or_touched():
            scope = OutageScope.objects.filter(outage=outage).values_list(
                "transformer_id", flat=True
            )
            in_scope = pending.filter(
                transformer_id__in=list(scope), device_time__gte=outage.starts_at - self.window
            )
            if outage.level == OutageLevel.CUSTOMER:
                accounts = OutageCustomer.objects.filter(outage=outage).values_list(
                    "account_id", flat=True
                )
                in_scope = in_scope.filter(meter__account_link__account_id__in=list(accounts))
            in_scope.update(outage=outage, correlated_at=self.now)
        pending.update(correlated_at=self.now)

    def _open_or_touched(self) -> list[Outage]:
        """This run's outages, and the open ones it left alone (late events are theirs)."""
        live = [o for o in self.touched.values() if o.state in (S.ACTIVE, S.RESTORED)]
        others = [o.id for o in self.snapshot.open_outages if o.id not in self.touched]
        return live + list(Outage.objects.filter(pk__in=others, state=S.ACTIVE))

    def _finish(self) -> None:
        for outage in self.touched.values():
            outage.affected_count = OutageCustomer.objects.filter(
                outage=outage, removed_at__isnull=True
            ).count()
            outage.version += 1
            outage.save()
        for outage in self.opened:
            unplanned_outage_opened.send(sender=Outage, outage=outage)
        for gone, into in self.absorbed:
            unplanned_outage_absorbed.send(sender=Outage, outage=gone, into=into)
        for outage in self.closed:
            unplanned_outage_restored.send(sender=Outage, outage=outage)

    def notice_outage_ids(self) -> list[int]:
        """The network outages of this run and those still open on its feeders (notices
        a failed earlier run left undone are sent too)."""
        ids = {
            o.pk
            for o in self.touched.values()
            if o.level != OutageLevel.CUSTOMER and o.state in (S.ACTIVE, S.RESTORED)
        }
        ids |= {o.id for o in self.snapshot.open_outages if o.level != OutageLevel.CUSTOMER}
        return sorted(ids)

    def _codes(self, transformer_ids: Collection[int]) -> list[str]:
        return sorted(
            self.directory.transformers[tr].code
            for tr in transformer_ids
            if tr in self.directory.transformers
        )
