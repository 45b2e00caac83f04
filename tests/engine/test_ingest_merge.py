"""De-duplication (last write wins), the edit log, idempotent re-imports, spikes and gaps.

Expected values are computed by hand in the comments (15-minute intervals, kWh).
"""

from __future__ import annotations

from datetime import date, timedelta

from gridcare.metering.engine.io import Store
from gridcare.metering.engine.vee import VeeThresholds
from tests.engine.data.ingest_helpers import (
    DATA,
    NOW,
    bj,
    edits,
    put,
    run,
    series,
    snapshot,
    stored,
    values,
)

LATER = NOW + timedelta(days=1)


def write_csv(path, *rows: str):
    path.write_text("meter,ts,kwh\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# --- last write wins -----------------------------------------------------------------------


def test_last_line_of_a_file_wins(tmp_path):
    store = Store(tmp_path / "store")
    f = write_csv(
        tmp_path / "a.csv",
        "M1,2024-05-01T00:15:00+08:00,1.0",
        "M1,2024-05-01T00:15:00+08:00,2.0",
        "M1,2024-05-01T00:30:00+08:00,1.0",
    )
    report = run(f, store)
    assert values(store) == {("M1", bj(1, 0, 15)): (2.0, "A"), ("M1", bj(1, 0, 30)): (1.0, "A")}
    assert (report.accepted, report.duplicates, report.inserted) == (3, 1, 2)
    assert edits(store) == []  # within a batch nothing is "edited"


def test_later_file_wins_within_a_batch(tmp_path):
    a = write_csv(tmp_path / "a.csv", "M1,2024-05-01T00:15:00+08:00,1.0")
    b = write_csv(tmp_path / "b.csv", "M1,2024-05-01T00:15:00+08:00,3.0")
    first = Store(tmp_path / "ab")
    run([a, b], first)
    assert values(first) == {("M1", bj(1, 0, 15)): (3.0, "A")}
    second = Store(tmp_path / "ba")
    run([b, a], second)
    assert values(second) == {("M1", bj(1, 0, 15)): (1.0, "A")}


def test_new_value_replaces_stored_one_and_the_old_goes_to_the_edit_log(tmp_path):
    store = Store(tmp_path / "store")
    run(
        write_csv(
            tmp_path / "a.csv",
            "M1,2024-05-01T00:15:00+08:00,1.0",
            "M1,2024-05-01T00:30:00+08:00,1.0",
        ),
        store,
    )
    b = write_csv(
        tmp_path / "b.csv",
        "M1,2024-05-01T00:15:00+08:00,2.0",
        "M1,2024-05-01T00:30:00+08:00,1.0",
    )
    report = run(b, store, batch_id="b2", now=LATER)
    assert (report.inserted, report.unchanged, report.edited) == (0, 1, 1)
    assert sorted((m, ts, kwh, q, batch) for _, m, ts, kwh, q, batch in stored(store)) == [
        ("M1", bj(1, 0, 15), 2.0, "A", "b2"),
        ("M1", bj(1, 0, 30), 1.0, "A", "b1"),  # unchanged: keeps the batch that wrote it
    ]
    assert edits(store) == [
        {
            "meter_id": "M1",
            "ts": bj(1, 0, 15),
            "old_kwh": 1.0,
            "new_kwh": 2.0,
            "old_quality": "A",
            "quality": "A",
            "old_batch_id": "b1",
            "batch_id": "b2",
            "edited_at": LATER,
        }
    ]
    assert [
        p.relative_to(tmp_path / "store").as_posix() for p in (tmp_path / "store").glob("edits/*/*")
    ] == ["edits/day=2024-05-01/part-b2.parquet"]
    # The same file again: nothing changes, no new edit part.
    again = run(b, store, batch_id="b3", now=LATER)
    assert (again.unchanged, again.edited, again.days) == (2, 0, [])
    assert len(edits(store)) == 1


def test_reimporting_the_same_files_changes_nothing(tmp_path):
    store = Store(tmp_path / "store")
    files = [DATA / "long_bad_rows.csv", DATA / "wide_bad_rows.csv"]
    first = run(files, store)
    before = snapshot(store.root)
    again = run(files, store, batch_id="b2")
    assert snapshot(store.root) == before  # same bytes, no edit log
    assert not (store.root / "edits").exists()
    distinct = first.accepted - first.duplicates
    assert (again.unchanged, again.inserted, again.edited, again.estimated) == (distinct, 0, 0, 0)
    assert again.days == []
    assert [(r.line, r.code) for r in again.rejections] == [
        (r.line, r.code) for r in first.rejections
    ]


# --- spikes --------------------------------------------------------------------------------


def test_spike_is_flagged_suspect_and_kept(tmp_path):
    # 3 days of 1.0 except 50.0 and 7.5: P95 = 1.0, threshold = max(8 × 1.0, 5.0) = 8.0.
    day = [1.0] * 96
    records = series("M1", bj(1, 0, 15, month=4), day + day + day)
    records[100]["kwh"] = 50.0
    records[200]["kwh"] = 7.5
    store = Store(tmp_path)
    report = put(records, store)
    got = values(store)
    assert got[("M1", bj(1, 0, 15 * 101, month=4))] == (50.0, "S")
    assert got[("M1", bj(1, 0, 15 * 201, month=4))] == (7.5, "A")
    assert (report.suspect, report.rejected, report.accepted) == (1, 0, 288)


def test_spike_threshold_uses_the_stored_history(tmp_path):
    # Day 1 stored: 96 × 3.0. Day 2: 95 × 0.1 and one 6.0. P95 over both days = 3.0 →
    # threshold 24.0: 6.0 is normal. Without day 1 the P95 would be 0.1 (threshold 5.0).
    store = Store(tmp_path / "with")
    put(series("M1", bj(1, 0, 15, month=4), [3.0] * 96), store)
    day2 = [0.1] * 95 + [6.0]
    report = put(series("M1", bj(2, 0, 15, month=4), day2), store, batch_id="b2")
    assert report.suspect == 0
    assert values(store)[("M1", bj(3, 0, 0, month=4))] == (6.0, "A")

    alone = Store(tmp_path / "alone")
    report = put(series("M1", bj(2, 0, 15, month=4), day2), alone)
    assert report.suspect == 1
    assert values(alone)[("M1", bj(3, 0, 0, month=4))] == (6.0, "S")


def test_spike_window_reaches_days_older_than_the_day_before(tmp_path):
    # Day 1 stored (3.0s), day 2 missing, day 3 imported: the P95 still covers day 1 (a
    # spike candidate's window is read from every stored day in it, not only the next
    # ones). M2 never exceeds spike_min_kwh: no candidate, stored as read.
    store = Store(tmp_path)
    put(series("M1", bj(1, 0, 15, month=4), [3.0] * 96), store)
    put(series("M2", bj(1, 0, 15, month=4), [0.2] * 96), store, batch_id="m2")
    day3 = series("M1", bj(3, 0, 15, month=4), [0.1] * 95 + [6.0])
    day3 += series("M2", bj(3, 0, 15, month=4), [0.2] * 96)
    report = put(day3, store, batch_id="b3")
    assert report.suspect == 0
    assert values(store)[("M1", bj(4, 0, 0, month=4))] == (6.0, "A")
    assert values(store)[("M2", bj(4, 0, 0, month=4))] == (0.2, "A")

    narrow = Store(tmp_path / "narrow")  # the same, with day 1 outside a 1-day window
    put(series("M1", bj(1, 0, 15, month=4), [3.0] * 96), narrow)
    t = VeeThresholds(history_days=1)
    report = put(series("M1", bj(3, 0, 15, month=4), [0.1] * 95 + [6.0]), narrow, thresholds=t)
    assert report.suspect == 1


def test_no_spike_below_the_minimum(tmp_path):
    # 0.01 → 4.0 is a 400× jump but below spike_min_kwh = 5.0.
    store = Store(tmp_path)
    report = put(series("M1", bj(1, 0, 15, month=4), [0.01] * 95 + [4.0]), store)
    assert report.suspect == 0


def test_spike_settings_are_parameters(tmp_path):
    store = Store(tmp_path)
    t = VeeThresholds(spike_factor=2.0, spike_min_kwh=0.5)
    report = put(series("M1", bj(1, 0, 15, month=4), [0.2] * 95 + [0.6]), store, thresholds=t)
    assert report.suspect == 1  # threshold max(2 × 0.2, 0.5) = 0.5


# --- gaps ----------------------------------------------------------------------------------


def test_gaps_of_one_and_two_are_estimated_three_is_left(tmp_path):
    # 00:15 1.0 | 00:30 ? | 00:45 2.0      → 1.5
    # 01:00 2.0 | 01:15 ? | 01:30 ? | 01:45 3.5 → 2.5, 3.0 (k = 3)
    # 02:00 1.0 | 02:15 ? | 02:30 ? | 02:45 ? | 03:00 5.0 → missing (3 > max_gap_fill)
    start = bj(1, 0, 15)
    vals = [1.0, None, 2.0, 2.0, None, None, 3.5, 1.0, None, None, None, 5.0]
    store = Store(tmp_path)
    report = put(series("M1", start, vals), store)
    got = values(store)
    assert got[("M1", bj(1, 0, 30))] == (1.5, "E")
    assert got[("M1", bj(1, 1, 15))] == (2.5, "E")
    assert got[("M1", bj(1, 1, 30))] == (3.0, "E")
    assert all(("M1", bj(1, 2, m)) not in got for m in (15, 30, 45))
    assert report.estimated == 3
    assert len(got) == 6 + 3


def test_longer_gaps_when_configured(tmp_path):
    vals = [1.0, None, None, None, 5.0]  # k = 4 → 2.0, 3.0, 4.0
    store = Store(tmp_path / "3")
    put(series("M1", bj(1, 2, 0), vals), store, thresholds=VeeThresholds(max_gap_fill=3))
    assert [values(store)[("M1", bj(1, 2, m))] for m in (15, 30, 45)] == [
        (2.0, "E"),
        (3.0, "E"),
        (4.0, "E"),
    ]
    off = Store(tmp_path / "0")
    report = put(
        series("M1", bj(1, 2, 0), [1.0, None, 2.0]), off, thresholds=VeeThresholds(max_gap_fill=0)
    )
    assert report.estimated == 0
    assert len(values(off)) == 2


def test_gap_across_midnight_is_estimated_into_the_right_day(tmp_path):
    # 23:45 1.0 | 24:00 ? | 00:15 (next day) 2.0 → 1.5, stored in the partition of 05-01.
    store = Store(tmp_path)
    report = put(
        [
            {"meter": "M2", "ts": "2024-05-01T23:45:00+08:00", "kwh": 1.0},
            {"meter": "M2", "ts": "2024-05-02T00:15:00+08:00", "kwh": 2.0},
        ],
        store,
    )
    rows = {(m, ts): (day, kwh, q) for day, m, ts, kwh, q, _ in stored(store)}
    assert rows[("M2", bj(2, 0, 0))] == (date(2024, 5, 1), 1.5, "E")
    assert [d.isoformat() for d in report.days] == ["2024-05-01", "2024-05-02"]


def test_next_day_adds_to_yesterday_only_by_estimate_and_says_so(tmp_path):
    # 05-01 ends at 23:45; the next import's 00:15 fills 24:00, in 05-01's partition: a
    # touch of yesterday that only adds (the profile adds it instead of summing again).
    store = Store(tmp_path)
    put([{"meter": "M2", "ts": "2024-05-01T23:45:00+08:00", "kwh": 1.0}], store)
    report = put(
        [{"meter": "M2", "ts": "2024-05-02T00:15:00+08:00", "kwh": 2.0}], store, batch_id="b2"
    )
    assert [d.isoformat() for d in report.days] == ["2024-05-01", "2024-05-02"]
    assert report.added_only == report.days
    assert type(report).from_dict(report.to_dict()).added_only == report.days


def test_a_day_with_a_replaced_value_is_not_added_only(tmp_path):
    store = Store(tmp_path)
    put(series("M3", bj(1, 10, 0), [1.0, None, 2.0]), store)
    replaced = put(
        [{"meter": "M3", "ts": "2024-05-01T10:15:00+08:00", "kwh": 1.75}], store, batch_id="b2"
    )
    assert [d.isoformat() for d in replaced.days] == ["2024-05-01"]
    assert replaced.added_only == []
    reflagged = put(  # the same kWh sent again as an estimate: only the quality changes
        [{"meter": "M3", "ts": "2024-05-01T10:00:00+08:00", "kwh": 1.0, "quality": "E"}],
        store,
        batch_id="b3",
    )
    assert (reflagged.days, reflagged.added_only) == ([date(2024, 5, 1)], [])


def test_gap_between_a_stored_reading_and_the_batch_is_estimated(tmp_path):
    store = Store(tmp_path)
    put([{"meter": "M3", "ts": "2024-05-01T10:00:00+08:00", "kwh": 1.0}], store)
    report = put(
        [{"meter": "M3", "ts": "2024-05-01T10:30:00+08:00", "kwh": 2.0}], store, batch_id="b2"
    )
    assert report.estimated == 1
    assert values(store)[("M3", bj(1, 10, 15))] == (1.5, "E")


def test_actual_reading_replaces_an_estimate_and_is_logged(tmp_path):
    store = Store(tmp_path)
    put(series("M3", bj(1, 10, 0), [1.0, None, 2.0]), store)
    assert values(store)[("M3", bj(1, 10, 15))] == (1.5, "E")
    report = put(
        [{"meter": "M3", "ts": "2024-05-01T10:15:00+08:00", "kwh": 1.75}],
        store,
        batch_id="b2",
        now=LATER,
    )
    assert values(store)[("M3", bj(1, 10, 15))] == (1.75, "A")
    assert (report.edited, report.estimated) == (1, 0)
    [edit] = edits(store)
    assert (edit["old_kwh"], edit["old_quality"], edit["new_kwh"], edit["quality"]) == (
        1.5,
        "E",
        1.75,
        "A",
    )
    assert (edit["old_batch_id"], edit["batch_id"], edit["edited_at"]) == ("b1", "b2", LATER)


def test_estimate_follows_a_changed_neighbour(tmp_path):
    # 00:15 1.0 | 00:30 E 1.5 | 00:45 2.0 ; then 00:45 becomes 4.0 → 00:30 becomes 2.5.
    store = Store(tmp_path)
    put(series("M1", bj(1, 0, 15), [1.0, None, 2.0]), store)
    report = put(
        [{"meter": "M1", "ts": "2024-05-01T00:45:00+08:00", "kwh": 4.0}], store, batch_id="b2"
    )
    assert values(store)[("M1", bj(1, 0, 30))] == (2.5, "E")
    assert (report.edited, report.estimated) == (1, 1)
    assert sorted((e["ts"], e["old_kwh"], e["new_kwh"]) for e in edits(store)) == [
        (bj(1, 0, 30), 1.5, 2.5),
        (bj(1, 0, 45), 2.0, 4.0),
    ]


def test_rewriting_a_day_keeps_the_other_meters_rows(tmp_path):
    store = Store(tmp_path)
    put(
        series("M1", bj(1, 0, 15), [1.0, 2.0]) + series("OLD", bj(1, 0, 15), [5.0]),
        store,
        meters=("M1", "OLD"),
    )
    report = put(series("M2", bj(1, 0, 15), [3.0]), store, batch_id="b2")  # OLD no longer known
    assert report.days == [date(2024, 5, 1)]
    assert sorted((m, ts, kwh, q, b) for _, m, ts, kwh, q, b in stored(store)) == [
        ("M1", bj(1, 0, 15), 1.0, "A", "b1"),
        ("M1", bj(1, 0, 30), 2.0, "A", "b1"),
        ("M2", bj(1, 0, 15), 3.0, "A", "b2"),
        ("OLD", bj(1, 0, 15), 5.0, "A", "b1"),
    ]
