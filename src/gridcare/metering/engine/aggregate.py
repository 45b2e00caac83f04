"""Meter-data aggregates as Ibis expressions: tables in, tables out, any backend.

Every function takes Ibis tables (readings as from `backend.readings_table`, dimensions as
in `schema`) and returns an unexecuted Ibis table, so the backend (DuckDB or Spark) plans
the whole query: one pass over the readings, only the needed columns, nothing pulled into
Python. Write results with `materialize` or the backend's `to_parquet`.

Conventions (see `schema`): `ts` is the UTC END of a 15-minute interval; `day` is the Beijing
day of the interval start (the readings partition); `slot` 0..95 is the interval of the
Beijing day (slot 32 = 08:00–08:15); kWh columns of meter and transformer aggregates are
true energy (`kwh × multiplier`) unless stated; kW = kWh per 15 min × 4. Readings of meters
missing from the `meters` dimension are left out of anything that needs a multiplier.

Doctests share `_example_tables()`: two meters and a total meter on transformer T1.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from gridcare.metering.engine import schema as s
from gridcare.metering.engine.tou import (
    TouCalendar,
    bucket_code_expr,
    local_day,
    local_second_of_day,
    slot_of_second,
)

MONTH = s.MONTH
SLOT = "slot"
INTERVAL = ibis.interval(minutes=s.INTERVAL_MINUTES)
HEAVY = "heavy"
OVERLOAD = "overload"
KW_DECIMALS = 6  # load curve kW: a milliwatt
_PER_HOUR = 60 // s.INTERVAL_MINUTES  # kW = kWh per interval × 4
_HELD_SUSPECT = -1  # `daily_tou` codes of readings held out of the buckets
_HELD_OTHER = -2


def _day(readings: ir.Table) -> ir.DateValue:
    """The Beijing day: the partition column when present, else derived from `ts`."""
    return readings[s.DAY] if s.DAY in readings.columns else local_day(readings[s.TS])


def _month(day: ir.DateValue) -> ir.DateValue:
    # Not `truncate("M")`: DuckDB's date_trunc returns a TIMESTAMP, which Ibis types as date.
    return ibis.date(day.year(), day.month(), 1)


def _plausible(kwh: ir.FloatingValue) -> ir.BooleanValue:
    """A value a sum may take (`schema.PLAUSIBLE_KWH`): false for NaN and ±inf too, on
    DuckDB and Spark alike (both order NaN above every number)."""
    return kwh.between(-s.PLAUSIBLE_KWH, s.PLAUSIBLE_KWH)


def _summable(readings: ir.Table) -> ir.BooleanValue:
    """Readings that enter sums of energy: actual or estimated, with a plausible value."""
    return (readings[s.QUALITY] != s.QUALITY_SUSPECT) & _plausible(readings[s.KWH])


def _not_total(meters: ir.Table) -> ir.BooleanValue:
    return ~meters[s.IS_TOTAL].fill_null(False)


def _example_tables() -> tuple[ibis.BaseBackend, ir.Table, ir.Table, ir.Table]:
    """DuckDB connection, readings, meters, transformers for the doctests."""
    from datetime import datetime, timedelta

    end = datetime(2024, 1, 1, 16, 15, tzinfo=UTC)  # Beijing 01-02 00:00-00:15
    readings = ibis.memtable(
        {
            "meter_id": ["m1", "m1", "m2", "tot"],
            "ts": [end, end + timedelta(hours=2), end, end],
            "kwh": [1.0, 2.0, 0.5, 0.8],
            "quality": ["A", "E", "A", "A"],
            "day": [date(2024, 1, 2)] * 4,
        }
    )
    meters = ibis.memtable(
        {
            "meter_id": ["m1", "m2", "tot"],
            "transformer_id": ["T1"] * 3,
            "multiplier": [1.0, 2.0, 1.0],
            "is_total": [False, False, True],
        }
    )
    transformers = ibis.memtable({"transformer_id": ["T1"], "rated_kva": [10.0]})
    from gridcare.metering.engine.backend import connect

    return connect(), readings, meters, transformers


# --- meters ---------------------------------------------------------------------------------


def daily_tou(readings: ir.Table, meters: ir.Table, calendar: TouCalendar) -> ir.Table:
    """kWh per meter per Beijing day, split into the calendar's time-of-use buckets, with
    the day's maximum 15-minute demand: the billing determinants, so suspect readings stay
    out of them.

    Input: readings (meter_id, ts, kwh, quality, [day]); meters (meter_id, multiplier).
    Output (`schema.aggregate_columns("daily_tou")`): meter_id, day, kwh, `kwh_<bucket>`
    for each of `calendar.buckets` (0 when none): actual and estimated readings only, in
    true kWh (× multiplier); `intervals` = readings of any quality;
    `estimated_intervals` / `estimated_kwh` = the estimated readings among those summed;
    `suspect_intervals` = readings held for review (suspect, or an implausible value, see
    `schema`); `suspect_kwh` = true kWh of the plausible suspect readings (not in `kwh`);
    `max_kw` = the highest demand of the summed readings (true kWh × 4; NULL without one)
    and `max_kw_at` the END of its interval, the earliest when several reach it.

    One pass, one grouping: the demand costs two more aggregates here, where an aggregate
    of its own would read and group the day's readings again.

    >>> con, readings, meters, transformers = _example_tables()
    >>> from gridcare.metering.engine.tou import GUANGDONG_TOU
    >>> out = daily_tou(readings, meters, GUANGDONG_TOU).order_by("meter_id")
    >>> cols = ["meter_id", "kwh", "kwh_valley", "estimated_kwh", "suspect_intervals", "max_kw"]
    >>> con.to_pyarrow(out.select(*cols)).to_pylist()[:2]
    [{'meter_id': 'm1', 'kwh': 3.0, 'kwh_valley': 3.0, 'estimated_kwh': 2.0, 'suspect_intervals': 0, 'max_kw': 8.0}, {'meter_id': 'm2', 'kwh': 1.0, 'kwh_valley': 1.0, 'estimated_kwh': 0.0, 'suspect_intervals': 0, 'max_kw': 4.0}]
    """
    plausible = _plausible(readings[s.KWH])
    quality = readings[s.QUALITY]
    r = readings.select(
        s.METER_ID,
        s.KWH,
        s.TS,
        _summable=(quality != s.QUALITY_SUSPECT) & plausible,
        _suspect=(quality == s.QUALITY_SUSPECT) & plausible,
        _estimated=(quality == s.QUALITY_ESTIMATED) & plausible,
        **{s.DAY: _day(readings), "_sod": local_second_of_day(readings[s.TS])},
    )
    # One code per reading, so that each sum is one comparison: the bucket of a summed
    # reading, HELD_SUSPECT for a plausible suspect reading, HELD_OTHER for the rest.
    code = ibis.cases(
        (r["_summable"], bucket_code_expr(r["_sod"], r[s.DAY], calendar)),
        (r["_suspect"], _HELD_SUSPECT),
        else_=_HELD_OTHER,
    )
    r = r.select(s.METER_ID, s.KWH, s.TS, s.DAY, "_estimated", _code=code)
    summed = r["_code"] >= 0
    aggs: dict[str, ir.Value] = {
        s.INTERVALS: r.count(),
        s.ESTIMATED_INTERVALS: r.count(where=r["_estimated"]),
        s.ESTIMATED_KWH: r[s.KWH].sum(where=r["_estimated"]),
        s.SUSPECT_INTERVALS: r.count(where=r["_code"] < 0),
        s.SUSPECT_KWH: r[s.KWH].sum(where=r["_code"] == _HELD_SUSPECT),
        "_max_kwh": r[s.KWH].max(where=summed),
        s.MAX_KW_AT: _earliest_at_max(r[s.TS], r[s.KWH], where=summed),
    }
    for i, name in enumerate(calendar.buckets):
        aggs[f"kwh_{name}"] = r[s.KWH].sum(where=r["_code"] == i)
    g = r.group_by([s.METER_ID, s.DAY]).aggregate(**aggs)
    m = meters.select(s.METER_ID, s.MULTIPLIER)
    j = g.join(m, s.METER_ID)
    buckets = {b: j[f"kwh_{b}"].fill_null(0.0) * j[s.MULTIPLIER] for b in calendar.buckets}
    # The total is the buckets' sum: a fifth filtered sum per reading would cost more.
    total = sum(buckets.values(), ibis.literal(0.0))
    return j.select(
        s.METER_ID,
        s.DAY,
        total.name(s.KWH),
        *(v.name(f"kwh_{b}") for b, v in buckets.items()),
        s.INTERVALS,
        s.ESTIMATED_INTERVALS,
        (j[s.ESTIMATED_KWH].fill_null(0.0) * j[s.MULTIPLIER]).name(s.ESTIMATED_KWH),
        s.SUSPECT_INTERVALS,
        (j[s.SUSPECT_KWH].fill_null(0.0) * j[s.MULTIPLIER]).name(s.SUSPECT_KWH),
        (j["_max_kwh"] * j[s.MULTIPLIER] * _PER_HOUR).name(s.MAX_KW),
        s.MAX_KW_AT,
    )


def _earliest_at_max(
    ts: ir.TimestampValue, value: ir.NumericValue, where: ir.BooleanValue | None = None
) -> ir.TimestampValue:
    """The `ts` of the highest `value`, the earliest among equal ones: ordered by a
    (−value, ts) pair, so that every backend and every run picks the same interval (a
    plain arg-max keeps whichever tie a thread saw first)."""
    return ts.argmin(ibis.struct({"v": -value, "ts": ts}), where=where)


def monthly(daily: ir.Table) -> ir.Table:
    """Per meter per calendar month, from `daily_tou` output (or any per meter-day table).

    Input: one row per meter and day (meter_id, day and numbers: kwh, `kwh_<bucket>`,
    intervals, estimated_*, suspect_*, [max_kw, max_kw_at]).
    Output: meter_id, month (date, first of the month), days (days with readings: the rows
    counted, a third of the cost of counting distinct days), every number summed but the
    demand: `max_kw` the month's highest, `max_kw_at` when (the earliest at it).

    >>> con, readings, meters, transformers = _example_tables()
    >>> from gridcare.metering.engine.tou import GUANGDONG_TOU
    >>> out = monthly(daily_tou(readings, meters, GUANGDONG_TOU)).filter(ibis._.meter_id == "m1")
    >>> con.to_pyarrow(out.select("month", "days", "kwh", "max_kw")).to_pylist()
    [{'month': datetime.date(2024, 1, 1), 'days': 1, 'kwh': 3.0, 'max_kw': 8.0}]
    """
    demand = (s.MAX_KW, s.MAX_KW_AT)
    sums = [c for c in daily.columns if c not in (s.METER_ID, s.DAY, *demand)]
    aggs: dict[str, ir.Value] = {c: daily[c].sum() for c in sums}
    if s.MAX_KW in daily.columns:
        kw = daily[s.MAX_KW]
        aggs[s.MAX_KW] = kw.max()
        aggs[s.MAX_KW_AT] = _earliest_at_max(daily[s.MAX_KW_AT], kw, where=kw.notnull())
    return daily.group_by([s.METER_ID, _month(daily[s.DAY]).name(MONTH)]).aggregate(
        days=daily.count(), **aggs
    )


def profile_sums(readings: ir.Table, *, by_month: bool = True) -> ir.Table:
    """Sufficient statistics of the 96-point profile, mergeable by adding them up.

    Input: readings (meter_id, ts, kwh, quality, [day]); suspect readings (`S`) and
    implausible values are left out (`schema`).
    Output: meter_id, [month,] slot (0..95, Beijing), kwh_sum (kWh, before multiplier),
    readings (count at that slot).
    """
    r = readings.filter(_summable(readings))
    keys: list[ir.Value] = [r[s.METER_ID]]
    if by_month:
        keys.append(_month(_day(r)).name(MONTH))
    keys.append(slot_of_second(local_second_of_day(r[s.TS])).name(SLOT))
    return r.group_by(keys).aggregate(kwh_sum=r[s.KWH].sum(), readings=r.count())


def profile_cells(readings: ir.Table, index: ir.Table, *, by_slot: bool = True) -> ir.Table:
    """What the materialised month profile adds (`profiles.add_cells`): rows of `cell`,
    meter_id, slot, kwh_sum [and readings], a (meter, slot) possibly more than once.

    `index` (meter_id, row) numbers the meters the month's sums already hold, so that rows
    come back keyed by a number and folding them needs no text: `cell` = row × 96 + slot,
    NULL for a meter outside the index, whose meter_id is given instead (NULL otherwise).
    Suspect readings and implausible values are left out.

    `by_slot`: sum per meter and slot first (with the count as `readings`), for many
    days; without it every reading is a cell of its own (no `readings` column: one each),
    which for one or two days is cheaper than grouping 1.92 M meter-slots.

    >>> con, readings, meters, transformers = _example_tables()
    >>> index = ibis.memtable({"meter_id": ["m1"], "row": [0]})
    >>> out = profile_cells(readings, index).filter(ibis._.slot == 0).order_by("cell", "meter_id")
    >>> [tuple(r.values()) for r in con.to_pyarrow(out).to_pylist()]
    [(0, None, 0, 1.0, 1), (None, 'm2', 0, 0.5, 1), (None, 'tot', 0, 0.8, 1)]
    """
    r = readings.filter(_summable(readings))
    slot = slot_of_second(local_second_of_day(r[s.TS])).cast("int64").name(SLOT)
    if by_slot:  # grouped by text first: DuckDB does that faster than joining every reading
        cells = r.group_by([r[s.METER_ID], slot]).aggregate(
            kwh_sum=r[s.KWH].sum(), readings=r.count().cast("int64")
        )
    else:
        cells = r.select(s.METER_ID, slot, kwh_sum=r[s.KWH])
    j = cells.left_join(index, cells[s.METER_ID] == index[s.METER_ID])
    sums = ["kwh_sum", "readings"] if by_slot else ["kwh_sum"]
    return j.select(
        cell=j["row"].cast("int64") * s.INTERVALS_PER_DAY + j[SLOT],
        meter_id=ibis.ifelse(j["row"].isnull(), j[s.METER_ID], ibis.null(dt.string)),
        slot=j[SLOT],
        **{c: j[c] for c in sums},
    )


def profiles_from_sums(sums: ir.Table) -> ir.Table:
    """Normalised profile from `profile_sums` (same keys plus `share`, `mean_kwh`).

    mean_kwh = kwh_sum / readings at the slot; the mean daily kWh is the sum of the slot
    means (equal to the mean of daily totals when days are complete); share = mean_kwh /
    mean daily kWh, so a meter's shares sum to 1 (NULL when it used nothing). Slots with no
    readings are absent.
    """
    keys = [s.METER_ID, MONTH] if MONTH in sums.columns else [s.METER_ID]
    with_mean = sums.mutate(mean_kwh=sums["kwh_sum"] / sums["readings"])
    # An aggregate joined back, not `sum().over(group_by=keys)`: DuckDB runs the join about
    # twice as fast as the window over 1.92 M meter-slots (20,000 meters).
    totals = with_mean.group_by(keys).aggregate(_day_kwh=with_mean["mean_kwh"].sum())
    j = with_mean.join(totals, keys)
    return j.select(*with_mean.columns, share=j["mean_kwh"] / j["_day_kwh"].nullif(0))


def meter_profiles(readings: ir.Table, *, by_month: bool = False) -> ir.Table:
    """Normalised average daily profile per meter (per month with `by_month`), 96 points.

    Input: readings (meter_id, ts, kwh, quality, [day]); suspect readings are left out.
    Output: meter_id, [month,] slot (0..95 of the Beijing day), kwh_sum, readings,
    mean_kwh (kWh at the slot, before multiplier), share (sums to 1 per meter): for
    clustering load shapes regardless of size.

    >>> con, readings, meters, transformers = _example_tables()
    >>> out = meter_profiles(readings).filter(ibis._.meter_id == "m1").order_by("slot")
    >>> con.to_pyarrow(out.select("slot", "mean_kwh", "share")).to_pylist()
    [{'slot': 0, 'mean_kwh': 1.0, 'share': 0.3333333333333333}, {'slot': 8, 'mean_kwh': 2.0, 'share': 0.6666666666666666}]
    """
    return profiles_from_sums(profile_sums(readings, by_month=by_month))


def completeness(readings: ir.Table, meters: ir.Table, days: Sequence[date] | ir.Table) -> ir.Table:
    """Data completeness per meter per Beijing day, every meter × every day in `days`.

    Input: readings (meter_id, quality, [ts|day]); meters (meter_id); days as dates or a
    table with a `day` column.
    Output: meter_id, day, expected (96), received, actual (`A`), estimated (`E`),
    suspect (`S`), missing (expected − received, ≥ 0), completeness (actual / expected).

    >>> con, readings, meters, transformers = _example_tables()
    >>> out = completeness(readings, meters, [date(2024, 1, 2)]).filter(ibis._.meter_id == "m1")
    >>> con.to_pyarrow(out.select("received", "actual", "estimated", "missing")).to_pylist()
    [{'received': 2, 'actual': 1, 'estimated': 1, 'missing': 94}]
    """
    r = readings.select(s.METER_ID, s.QUALITY, **{s.DAY: _day(readings)})
    q = r[s.QUALITY]
    counts = r.group_by([s.METER_ID, s.DAY]).aggregate(
        received=r.count(),
        actual=q.count(where=q == s.QUALITY_ACTUAL),
        estimated=q.count(where=q == s.QUALITY_ESTIMATED),
        suspect=q.count(where=q == s.QUALITY_SUSPECT),
    )
    day_table = (
        days.select(s.DAY)
        if isinstance(days, ir.Table)
        else ibis.memtable({s.DAY: sorted(set(days))}, schema={s.DAY: "date"})
    )
    grid = meters.select(s.METER_ID).distinct().cross_join(day_table)
    j = grid.left_join(
        counts, [grid[s.METER_ID] == counts[s.METER_ID], grid[s.DAY] == counts[s.DAY]]
    )
    expected = ibis.literal(s.INTERVALS_PER_DAY, type="int64")
    received = j["received"].fill_null(0)
    actual = j["actual"].fill_null(0)
    return j.select(
        grid[s.METER_ID],
        grid[s.DAY],
        expected.name("expected"),
        received.name("received"),
        actual.name("actual"),
        j["estimated"].fill_null(0).name("estimated"),
        j["suspect"].fill_null(0).name("suspect"),
        ibis.greatest(expected - received, 0).name("missing"),
        (actual / expected).name("completeness"),
    )


def transformer_completeness(meter_completeness: ir.Table, meters: ir.Table) -> ir.Table:
    """Completeness per transformer per day, from `completeness` output.

    Input: completeness rows; meters (meter_id, transformer_id) — total meters included.
    Output: transformer_id, day, meters, meters_complete (96 actual readings),
    meters_silent (no reading at all), expected, received, actual, estimated, suspect,
    missing, completeness (actual / expected).
    """
    c = meter_completeness.join(meters.select(s.METER_ID, s.TRANSFORMER_ID), s.METER_ID)
    g = c.group_by([s.TRANSFORMER_ID, s.DAY]).aggregate(
        meters=c.count(),
        meters_complete=c.count(where=c["actual"] >= c["expected"]),
        meters_silent=c.count(where=c["received"] == 0),
        **{k: c[k].sum() for k in ("expected", "received", "actual", "estimated", "suspect")},
        missing=c["missing"].sum(),
    )
    return g.mutate(completeness=g["actual"] / g["expected"].nullif(0))


def line_loss(daily: ir.Table, meters: ir.Table) -> ir.Table:
    """Transformer-area (台区) line loss per day, for transformers with a total meter.

    Input: daily (meter_id, day, kwh in true kWh — `daily_tou` output); meters
    (meter_id, transformer_id, is_total).
    Output: transformer_id, day, input_kwh (total meter(s); NULL if it did not report),
    output_kwh (sum of the other meters), loss_kwh = input − output,
    loss_rate = loss / input, meters_reporting / meters (non-total meters with data / all).

    >>> con, readings, meters, transformers = _example_tables()
    >>> from gridcare.metering.engine.tou import GUANGDONG_TOU
    >>> out = line_loss(daily_tou(readings, meters, GUANGDONG_TOU), meters)
    >>> con.to_pyarrow(out.select("input_kwh", "output_kwh", "loss_kwh")).to_pylist()
    [{'input_kwh': 0.8, 'output_kwh': 4.0, 'loss_kwh': -3.2}]
    """
    dim = meters.select(s.METER_ID, s.TRANSFORMER_ID, s.IS_TOTAL)
    is_total = dim[s.IS_TOTAL].fill_null(False)
    areas = dim.group_by(s.TRANSFORMER_ID).aggregate(
        meters=dim.count(where=~is_total), _has_total=is_total.any()
    )
    areas = areas.filter(areas["_has_total"]).drop("_has_total")
    d = daily.select(s.METER_ID, s.DAY, s.KWH).join(dim, s.METER_ID)
    total = d[s.IS_TOTAL].fill_null(False)
    g = d.group_by([s.TRANSFORMER_ID, s.DAY]).aggregate(
        input_kwh=d[s.KWH].sum(where=total),
        output_kwh=d[s.KWH].sum(where=~total),
        meters_reporting=d.count(where=~total),
    )
    j = g.join(areas, s.TRANSFORMER_ID)
    output = j["output_kwh"].fill_null(0.0)
    loss = j["input_kwh"] - output
    return j.select(
        s.TRANSFORMER_ID,
        s.DAY,
        "input_kwh",
        output.name("output_kwh"),
        loss.name("loss_kwh"),
        (loss / j["input_kwh"].nullif(0)).name("loss_rate"),
        "meters_reporting",
        "meters",
    )


# --- transformers -------------------------------------------------------------------------


def transformer_load_curve(readings: ir.Table, meters: ir.Table) -> ir.Table:
    """15-minute load curve per transformer, in kW, from its non-total meters.

    Input: readings (meter_id, ts, kwh, quality, [day]); meters (meter_id, transformer_id,
    multiplier, is_total). Suspect readings and implausible values are left out, as from
    every sum (`schema`): a spike must not raise a load alarm, nor a NaN hide one.
    Output: transformer_id, day, ts (interval END), kw = Σ kwh × multiplier × 4,
    meters (meters summed in that interval).

    >>> con, readings, meters, transformers = _example_tables()
    >>> out = transformer_load_curve(readings, meters).order_by("ts")
    >>> con.to_pyarrow(out.select("kw", "meters")).to_pylist()
    [{'kw': 8.0, 'meters': 2}, {'kw': 8.0, 'meters': 1}]
    """
    m = meters.filter(_not_total(meters)).select(s.METER_ID, s.TRANSFORMER_ID, s.MULTIPLIER)
    r = readings.filter(_summable(readings))
    r = r.select(s.METER_ID, s.TS, s.KWH, **{s.DAY: _day(r)})
    j = r.join(m, s.METER_ID)
    energy = j[s.KWH] * j[s.MULTIPLIER]
    # Rounded to the milliwatt: a parallel sum of doubles differs run to run in its last
    # bits (1,500-2,300 of L's 576,000 intervals, by 5e-13 kW), enough to flip a load that
    # sits exactly at a threshold; meter values have at most 4 decimals, so 6 lose nothing.
    return j.group_by([s.TRANSFORMER_ID, s.DAY, s.TS]).aggregate(
        kw=(energy.sum() * _PER_HOUR).round(KW_DECIMALS), meters=j.count()
    )


def _load_rate(kw: ir.FloatingValue, rated_kva: ir.FloatingValue, power_factor: float):  # type: ignore[no-untyped-def]
    return kw / (rated_kva.nullif(0) * power_factor)


def transformer_daily_peak(
    curve: ir.Table, transformers: ir.Table, power_factor: float = 0.9
) -> ir.Table:
    """Daily peak load and load rate per transformer.

    Input: curve (`transformer_load_curve`: transformer_id, day, ts, kw); transformers
    (transformer_id, rated_kva in kVA).
    Output: transformer_id, day, peak_kw, peak_ts (END of the first interval at the peak),
    avg_kw, intervals, rated_kva, load_rate = peak_kw / (rated_kva × power_factor)
    (NULL without a rating).

    >>> con, readings, meters, transformers = _example_tables()
    >>> out = transformer_daily_peak(transformer_load_curve(readings, meters), transformers)
    >>> con.to_pyarrow(out.select("peak_kw", "load_rate")).to_pylist()
    [{'peak_kw': 8.0, 'load_rate': 0.8888888888888888}]
    """
    keys = [s.TRANSFORMER_ID, s.DAY]
    c = curve.mutate(_peak=curve["kw"].max().over(group_by=keys))
    g = c.group_by(keys).aggregate(
        peak_kw=c["kw"].max(),
        peak_ts=c[s.TS].min(where=c["kw"] >= c["_peak"]),
        avg_kw=c["kw"].mean(),
        intervals=c.count(),
    )
    t = transformers.select(s.TRANSFORMER_ID, s.RATED_KVA)
    j = g.left_join(t, g[s.TRANSFORMER_ID] == t[s.TRANSFORMER_ID])
    return j.select(
        g[s.TRANSFORMER_ID],
        g[s.DAY],
        "peak_kw",
        "peak_ts",
        "avg_kw",
        "intervals",
        t[s.RATED_KVA],
        _load_rate(g["peak_kw"], t[s.RATED_KVA], power_factor).name("load_rate"),
    )


def load_events(
    curve: ir.Table,
    transformers: ir.Table,
    power_factor: float = 0.9,
    heavy: float = 0.8,
    heavy_intervals: int = 8,
    over: float = 1.0,
    over_intervals: int = 4,
) -> ir.Table:
    """Heavy-load (重载) and overload (过载) events per transformer, as rows.

    An event is a run of consecutive 15-minute intervals (no gap in the curve) with
    load rate = kw / (rated_kva × power_factor) ≥ the threshold, at least the given number of
    intervals long: heavy ≥ 0.8 for ≥ 8 (2 h), overload ≥ 1.0 for ≥ 4 (1 h). An overload
    run is usually inside a heavy one; both are reported. Gaps and islands: interval
    number minus row number is constant along a run.

    Input: curve (transformer_id, ts, kw); transformers (transformer_id, rated_kva).
    Output: transformer_id, kind (`heavy` | `overload`), start_ts (START of the first
    interval = its ts − 15 min), end_ts (END of the last), intervals, max_load_rate,
    day (Beijing day of start_ts, the partition).

    >>> con, readings, meters, transformers = _example_tables()
    >>> out = load_events(transformer_load_curve(readings, meters), transformers,
    ...                   heavy_intervals=1, over_intervals=1)
    >>> con.to_pyarrow(out.select("kind", "intervals")).to_pylist()
    [{'kind': 'heavy', 'intervals': 1}, {'kind': 'heavy', 'intervals': 1}]
    """
    t = transformers.select(s.TRANSFORMER_ID, s.RATED_KVA)
    c = curve.select(s.TRANSFORMER_ID, s.TS, "kw").join(t, s.TRANSFORMER_ID)
    seconds = s.INTERVAL_MINUTES * 60
    c = c.select(
        s.TRANSFORMER_ID,
        s.TS,
        load_rate=_load_rate(c["kw"], c[s.RATED_KVA], power_factor),
        _n=(c[s.TS].epoch_seconds() // seconds).cast("int64"),
    )

    def runs(kind: str, threshold: float, min_intervals: int) -> ir.Table:
        f = c.filter(c["load_rate"] >= threshold)
        order = ibis.row_number().over(group_by=f[s.TRANSFORMER_ID], order_by=f[s.TS])
        f = f.mutate(_run=f["_n"] - order)
        g = f.group_by([s.TRANSFORMER_ID, "_run"]).aggregate(
            _first=f[s.TS].min(),
            end_ts=f[s.TS].max(),
            intervals=f.count(),
            max_load_rate=f["load_rate"].max(),
        )
        g = g.filter(g["intervals"] >= min_intervals)
        return g.select(
            s.TRANSFORMER_ID,
            ibis.literal(kind).name("kind"),
            (g["_first"] - INTERVAL).name("start_ts"),
            "end_ts",
            "intervals",
            "max_load_rate",
            local_day(g["_first"]).name(s.DAY),
        )

    return runs(HEAVY, heavy, heavy_intervals).union(runs(OVERLOAD, over, over_intervals))
