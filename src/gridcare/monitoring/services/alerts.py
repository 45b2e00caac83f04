"""Alert rules evaluated over their windows; a firing notifies the responsible managers.

Each active rule is evaluated over the `window_hours` ending now, on live rows (the
service app's alert selectors), since the daily facts are up to a day old; spikes and
drops are measured against the `baseline_days` of facts before the window. How each kind
reads its `threshold`:

- sla_below_target: % of the SLA clocks stopped in the window that met their deadline,
  per answerable unit; fires under the threshold with at least `min_count` clocks.
- complaint_spike: complaints opened in the window per supply station (district); fires
  at `threshold` × the baseline's complaints per window length, with at least
  `min_count` complaints (a station with no baseline fires on `min_count` alone).
- csat_drop: % satisfied of the return visits rated in the window per unit; fires when
  `threshold` points or more below the baseline's CSAT, with at least `min_count` ratings
  (no baseline ratings: nothing to drop from, no firing).
- repair_surge: repair calls opened in the window on one feeder; fires at `threshold`
  calls and at least `min_count`.

A firing is one AlertFiring per (rule, subject, window_start), where window_start is now
rounded down to the rule's window length (counted from local midnight 2000-01-01): a
condition that stays true fires once per window, and again in the next window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridcare.core.models import OrgUnit
from gridcare.monitoring.choices import AlertKind
from gridcare.monitoring.models import AlertFiring, AlertRule
from gridcare.monitoring.selectors.alerts import alert_rules_active, managers_of_unit
from gridcare.monitoring.selectors.facts import Period, kpi_breakdown
from gridcare.notify.services.staff import staff_notice_send
from gridcare.service import alert_selectors as live

#: The dashboard each kind's notice links to (monitoring_board's slug).
BOARD = {
    AlertKind.SLA_BELOW_TARGET: "sla",
    AlertKind.COMPLAINT_SPIKE: "complaints",
    AlertKind.CSAT_DROP: "satisfaction",
    AlertKind.REPAIR_SURGE: "reliability",
}


@dataclass(frozen=True)
class Hit:
    """A subject for which a rule's condition holds now."""

    subject: str
    label: str
    unit: OrgUnit
    value: float
    baseline: float | None = None


def window_start(now: dt.datetime, hours: int) -> dt.datetime:
    """`now` rounded down to a multiple of `hours` since local midnight 2000-01-01."""
    tz = timezone.get_current_timezone()
    epoch = dt.datetime(2000, 1, 1, tzinfo=tz)
    step = dt.timedelta(hours=hours)
    return epoch + step * ((now - epoch) // step)


def _units(ids: Iterable[int], rule: AlertRule) -> dict[int, OrgUnit]:
    """The units of `ids` inside the rule's scope (every unit when it has none)."""
    units = OrgUnit.objects.filter(pk__in=list(ids))
    if rule.org_unit is not None:
        units = units.filter(path__startswith=rule.org_unit.path)
    return {u.pk: u for u in units}


def _baseline(code: str, rule: AlertRule, start: dt.datetime) -> dict[int, tuple[int, int]]:
    """(Σn, Σd) of a metric's facts per org unit over the baseline days before `start`."""
    last = timezone.localtime(start).date() - dt.timedelta(days=1)
    period = Period(last - dt.timedelta(days=rule.baseline_days - 1), last)
    rows = kpi_breakdown(code, unit=rule.org_unit, period=period, by="org_unit")
    return {int(pk): (v.n, v.d) for pk, v in rows}  # type: ignore[call-overload]


def _under(
    unit: OrgUnit, sums: dict[int, tuple[int, int]], paths: dict[int, str]
) -> tuple[int, int]:
    """The sums of `unit`'s subtree (facts sit on the most precise unit, a team say)."""
    inside = [pk for pk in sums if paths.get(pk, "").startswith(unit.path)]
    return sum(sums[pk][0] for pk in inside), sum(sums[pk][1] for pk in inside)


def _paths(sums: dict[int, tuple[int, int]]) -> dict[int, str]:
    return dict(OrgUnit.objects.filter(pk__in=list(sums)).values_list("pk", "path"))


def _sla(rule: AlertRule, start: dt.datetime, now: dt.datetime) -> list[Hit]:
    stats = live.sla_clocks_stopped_by_unit(start=start, end=now)
    hits = []
    for pk, unit in _units(stats, rule).items():
        met, total = stats[pk]
        rate = 100.0 * met / total
        if total >= rule.min_count and rate < float(rule.threshold):
            hits.append(Hit(f"unit:{unit.code}", unit.name, unit, rate))
    return hits


def _complaints(rule: AlertRule, start: dt.datetime, now: dt.datetime) -> list[Hit]:
    counts = live.complaints_by_unit(start=start, end=now)
    units = _units(counts, rule)
    base = _baseline("complaints", rule, start)
    paths = _paths(base)
    per_window = rule.window_hours / 24.0 / rule.baseline_days
    hits = []
    for pk, unit in units.items():
        expected = _under(unit, base, paths)[0] * per_window
        count = counts[pk]
        if count >= rule.min_count and count >= float(rule.threshold) * expected:
            hits.append(Hit(f"unit:{unit.code}", unit.name, unit, float(count), expected))
    return hits


def _csat(rule: AlertRule, start: dt.datetime, now: dt.datetime) -> list[Hit]:
    ratings = live.ratings_by_unit(start=start, end=now)
    units = _units(ratings, rule)
    base = _baseline("csat", rule, start)
    paths = _paths(base)
    hits = []
    for pk, unit in units.items():
        satisfied, rated = ratings[pk]
        n, d = _under(unit, base, paths)
        if rated < rule.min_count or not d:
            continue
        rate, baseline = 100.0 * satisfied / rated, 100.0 * n / d
        if baseline - rate >= float(rule.threshold):
            hits.append(Hit(f"unit:{unit.code}", unit.name, unit, rate, baseline))
    return hits


def _repairs(rule: AlertRule, start: dt.datetime, now: dt.datetime) -> list[Hit]:
    rows = live.repair_orders_by_feeder(start=start, end=now)
    units = _units({r.org_unit_id for r in rows}, rule)
    feeders: dict[int, list[live.FeederCount]] = {}
    for row in rows:
        if row.org_unit_id in units:
            feeders.setdefault(row.feeder_id, []).append(row)
    hits = []
    for feeder_id, parts in feeders.items():
        count = sum(p.count for p in parts)
        # The station with most of the calls answers for the feeder.
        main = max(parts, key=lambda p: (p.count, -p.org_unit_id))
        if count >= rule.min_count and count >= float(rule.threshold):
            unit = units[main.org_unit_id]
            hits.append(Hit(f"feeder:{feeder_id}", main.feeder_name, unit, float(count)))
    return hits


EVALUATORS = {
    AlertKind.SLA_BELOW_TARGET: _sla,
    AlertKind.COMPLAINT_SPIKE: _complaints,
    AlertKind.CSAT_DROP: _csat,
    AlertKind.REPAIR_SURGE: _repairs,
}


def _link(rule: AlertRule, hit: Hit, start: dt.datetime, now: dt.datetime) -> str:
    board = reverse("console:monitoring_board", args=[BOARD[AlertKind(rule.kind)]])
    first, last = timezone.localtime(start).date(), timezone.localtime(now).date()
    return f"{board}?org={hit.unit.code}&from={first:%Y-%m-%d}&to={last:%Y-%m-%d}"


def _texts(rule: AlertRule, hit: Hit) -> tuple[str, str]:
    title = _("Alert: %(rule)s — %(subject)s") % {"rule": rule.name, "subject": hit.label}
    body = _("Value %(value)s against threshold %(threshold)s over the last %(hours)s h.") % {
        "value": f"{hit.value:.1f}",
        "threshold": rule.threshold,
        "hours": rule.window_hours,
    }
    if hit.baseline is not None:
        body += " " + _("Baseline: %(baseline)s.") % {"baseline": f"{hit.baseline:.1f}"}
    return title, body


def _fire(rule: AlertRule, hit: Hit, start: dt.datetime, now: dt.datetime) -> AlertFiring | None:
    """Store the firing of this window and notify, or nothing when it already fired."""
    aligned = window_start(now, rule.window_hours)
    try:
        with transaction.atomic():
            firing, created = AlertFiring.objects.get_or_create(
                rule=rule,
                subject=hit.subject,
                window_start=aligned,
                defaults={
                    "subject_label": hit.label[:120],
                    "org_unit": hit.unit,
                    "window_end": aligned + dt.timedelta(hours=rule.window_hours),
                    "value": hit.value,
                    "baseline": hit.baseline,
                    "threshold": float(rule.threshold),
                    "link": _link(rule, hit, start, now),
                    "fired_at": now,
                },
            )
            if not created:
                return None
            with translation.override("zh-hans"):
                title, body = _texts(rule, hit)
            notices = staff_notice_send(
                users=managers_of_unit(hit.unit),
                kind="monitoring.alert",
                title=title,
                body=body,
                link=firing.link,
                idempotency_key=f"monitoring.alert:{firing.pk}",
            )
            firing.notified = len(notices)
            firing.save(update_fields=["notified"])
            return firing
    except IntegrityError:  # another worker stored this window's firing first
        return None


def alerts_evaluate(*, now: dt.datetime) -> list[AlertFiring]:
    """Evaluate every active rule over its window ending `now`; returns the new firings."""
    fired = []
    for rule in alert_rules_active():
        start = now - dt.timedelta(hours=rule.window_hours)
        for hit in EVALUATORS[AlertKind(rule.kind)](rule, start, now):
            if (firing := _fire(rule, hit, start, now)) is not None:
                fired.append(firing)
    return fired


def alerts_periodic() -> None:
    """The worker's job: evaluate every active rule now."""
    alerts_evaluate(now=timezone.now())
