"""Validation rules on real files of bad rows: exact lines and codes, good rows stored.

Fixtures: tests/engine/data (see make_fixtures.py); NOW = 2024-05-02T00:30+08:00, known
meters M1–M3. Expected values are written out by hand from the fixture files.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest

from gridcare.metering.engine.ingest import IngestReport, Rejection
from gridcare.metering.engine.io import Store
from gridcare.metering.engine.vee import VeeThresholds
from tests.engine.data.ingest_helpers import DATA, bj, rejected, run, sorted_by_meter_ts, stored

NEG = "metering.vee.negative_energy"
UNKNOWN = "metering.vee.unknown_meter"
OFF_GRID = "metering.vee.off_grid"
FUTURE = "metering.vee.future"
UNPARSEABLE = "metering.vee.unparseable"
MALFORMED = "metering.vee.malformed_row"

LONG_CSV_REJECTIONS = [
    (3, NEG),  # -0.20
    (5, UNKNOWN),  # X9
    (6, OFF_GRID),  # 00:50
    (7, FUTURE),  # 2024-05-02 00:45 > NOW
    (8, UNPARSEABLE),  # not-a-time
    (9, UNPARSEABLE),  # abc
    (11, UNPARSEABLE),  # empty meter
    (12, UNPARSEABLE),  # empty kwh
    (13, OFF_GRID),  # 00:45:00.5
]
MAY1, MAY2 = date(2024, 5, 1), date(2024, 5, 2)
LONG_STORED = [
    (MAY1, "M1", bj(1, 0, 15), 0.5, "A", "b1"),
    (MAY1, "M1", bj(1, 0, 30), 0.25, "A", "b1"),  # naive = Beijing
    (MAY1, "M2", bj(1, 0, 15), 1.25, "A", "b1"),  # …T16:15:00Z
    (MAY2, "M3", bj(2, 0, 30), 0.75, "A", "b1"),  # ts == NOW is allowed
]


def _days(report: IngestReport) -> list[str]:
    return [d.isoformat() for d in report.days]


def test_long_csv_rejects_exactly_the_bad_lines(tmp_path):
    report = run(DATA / "long_bad_rows.csv", Store(tmp_path))
    assert rejected(report) == [
        ("long_bad_rows.csv", line, code) for line, code in LONG_CSV_REJECTIONS
    ]
    assert report.by_code == {NEG: 1, UNKNOWN: 1, OFF_GRID: 2, FUTURE: 1, UNPARSEABLE: 4}
    assert (report.rows_read, report.accepted, report.rejected) == (13, 4, 9)


def test_long_csv_stores_the_good_rows_of_the_same_file(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "long_bad_rows.csv", store)
    assert sorted(stored(store)) == LONG_STORED
    assert report.inserted == 4
    assert _days(report) == ["2024-05-01", "2024-05-02"]


def test_rejections_carry_meter_message_and_value(tmp_path):
    report = run(DATA / "long_bad_rows.csv", Store(tmp_path))
    by_line = {r.line: r for r in report.rejections}
    # Every value is shown as written in the file.
    assert by_line[3] == Rejection("long_bad_rows.csv", 3, "M1", NEG, "电量为负值", "-0.20")
    assert by_line[5].meter_id == "X9"
    assert by_line[5].value == "X9"
    assert by_line[6].value == "2024-05-01T00:50:00+08:00"
    assert by_line[13].value == "2024-05-01T00:45:00.5+08:00"
    assert by_line[8].message == "时间无法解析（或早于1970年）"
    assert by_line[8].value == "not-a-time"
    assert by_line[9].message == "电量不是有效数字"
    assert by_line[9].value == "abc"
    assert by_line[11].message == "电表编号为空"
    assert all(r.message for r in report.rejections)


def test_reject_report_csv_lists_every_rejection(tmp_path):
    path = tmp_path / "out" / "rejected.csv"
    report = run(DATA / "long_bad_rows.csv", Store(tmp_path / "store"), reject_report=path)
    assert report.reject_report == str(path)
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["source", "line", "meter_id", "code", "message", "value"]
    assert [(int(r[1]), r[3]) for r in rows[1:]] == LONG_CSV_REJECTIONS
    assert rows[1] == ["long_bad_rows.csv", "3", "M1", NEG, "电量为负值", "-0.20"]


def test_long_parquet_with_text_columns_numbers_rows_from_one(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "long_bad_rows.parquet", store)
    assert rejected(report) == [
        ("long_bad_rows.parquet", line - 1, code) for line, code in LONG_CSV_REJECTIONS
    ]
    assert [r[1:] for r in sorted(stored(store))] == [r[1:] for r in LONG_STORED]


def test_long_parquet_with_typed_columns(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "long_typed.parquet", store)
    assert [(r.line, r.code) for r in report.rejections] == [
        (2, NEG),
        (3, UNKNOWN),
        (4, OFF_GRID),
        (5, FUTURE),
        (6, UNPARSEABLE),  # kwh null
        (7, UNPARSEABLE),  # quality "Q"
    ]
    assert report.rejections[5].message == "质量标志无效（应为 A、E、S 或空）"
    assert [r[1:5] for r in stored(store)] == [
        ("M1", bj(1, 0, 15), 0.5, "A"),
        ("M2", bj(1, 0, 30), 2.5, "S"),  # a quality given by the source is kept
    ]
    assert report.suspect == 1


WIDE_REJECTIONS = [
    (2, UNPARSEABLE, "p17=abc"),
    (2, NEG, "p18=-0.5"),
    (3, UNKNOWN, "X9"),  # one line for the whole row
    (4, UNPARSEABLE, "2024-13-01"),  # one line for the whole row
]


def _wide_expected() -> dict[tuple[str, object], tuple[float, str]]:
    """M1 p_i = (i-1)/8 on 05-01 with p17, p18 re-estimated from p16 = 1.875 and p19 = 2.25:
    1.875 + 0.375 × 1/3 = 2.0 and 1.875 + 0.375 × 2/3 = 2.125; M2 p_i = 1 + (i-1)/8 with p5
    missing → (1.375 + 1.625) / 2 = 1.5."""
    out: dict[tuple[str, object], tuple[float, str]] = {}
    for i in range(1, 97):
        out[("M1", bj(1, 0, 15 * i))] = ((i - 1) / 8, "A")
        out[("M2", bj(1, 0, 15 * i))] = (1 + (i - 1) / 8, "A")
    out[("M1", bj(1, 0, 15 * 17))] = (2.0, "E")
    out[("M1", bj(1, 0, 15 * 18))] = (2.125, "E")
    out[("M2", bj(1, 0, 15 * 5))] = (1.5, "E")
    return out


def test_wide_csv_bad_point_rejects_only_that_point(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "wide_bad_rows.csv", store)
    got = [(r.line, r.code, r.value) for r in report.rejections]
    assert got == [*WIDE_REJECTIONS, (6, FUTURE, "2024-05-02 p3")]
    expected = _wide_expected()
    expected[("M3", bj(2, 0, 15))] = (0.25, "A")
    expected[("M3", bj(2, 0, 30))] = (0.5, "A")  # p2 ends exactly at NOW
    assert {(m, ts): (kwh, q) for _, m, ts, kwh, q, _ in stored(store)} == expected
    assert (report.rows_read, report.accepted, report.rejected) == (5, 94 + 95 + 2, 5)
    assert report.estimated == 3


def test_wide_p96_belongs_to_the_day_it_starts_in(tmp_path):
    store = Store(tmp_path)
    run(DATA / "wide_bad_rows.csv", store)
    day_of = {(m, ts): day for day, m, ts, *_ in stored(store)}
    assert day_of[("M1", bj(2, 0, 0))].isoformat() == "2024-05-01"  # p96 ends at 24:00
    assert day_of[("M3", bj(2, 0, 15))].isoformat() == "2024-05-02"


def test_wide_parquet_same_rules_rows_numbered_from_one(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "wide_bad_rows.parquet", store)
    got = [(r.line, r.code, r.value) for r in report.rejections]
    assert got == [(line - 1, code, value) for line, code, value in WIDE_REJECTIONS] + [
        (5, FUTURE, "2024-05-02 p3")
    ]
    assert len(stored(store)) == 94 + 95 + 2 + 3


def test_day_files_are_sorted_by_meter_and_time(tmp_path):
    store = Store(tmp_path)
    run([DATA / "wide_bad_rows.csv", DATA / "long_bad_rows.csv"], store)
    files = sorted(tmp_path.glob("readings/day=*/data.parquet"))
    assert len(files) == 2
    assert all(sorted_by_meter_ts(p) for p in files)


def test_report_round_trips_through_a_dict(tmp_path):
    report = run(DATA / "long_bad_rows.csv", Store(tmp_path))
    data = report.to_dict()
    assert data["days"] == ["2024-05-01", "2024-05-02"]
    assert data["rejections"][0]["code"] == NEG
    assert IngestReport.from_dict(data) == report


@pytest.mark.parametrize(
    "bad",
    [
        {"spike_factor": 0},
        {"spike_min_kwh": -1},
        {"history_days": -1},
        {"max_gap_fill": 49},
    ],
)
def test_thresholds_refuse_nonsense(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        VeeThresholds(**bad)


def test_thresholds_round_trip():
    t = VeeThresholds(spike_factor=5.0, spike_min_kwh=2.0, history_days=3, max_gap_fill=4)
    assert VeeThresholds.from_dict(t.to_dict()) == t
    assert VeeThresholds.from_dict({}) == VeeThresholds()
