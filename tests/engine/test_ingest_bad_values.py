"""Values a head-end should never send: times without a time of day or with an impossible
offset, a Parquet `ts` of type DATE, energies no meter can measure or no number can hold.
Each is rejected with its line and code, and nothing of it reaches the store."""

from __future__ import annotations

import math
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gridcare.metering.engine.io import Store
from gridcare.metering.engine.vee import VeeThresholds
from tests.engine.data.ingest_helpers import bj, put, rejected, run, stored, values

NO_TIME = "metering.vee.no_time_of_day"
BAD_OFFSET = "metering.vee.bad_utc_offset"
OVER = "metering.vee.over_capacity"
UNPARSEABLE = "metering.vee.unparseable"


def _csv(tmp_path, *rows: str):
    path = tmp_path / "in.csv"
    path.write_text("meter,ts,kwh\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_date_without_a_time_of_day_is_rejected_not_stored_as_midnight(tmp_path):
    store = Store(tmp_path / "store")
    path = _csv(
        tmp_path, "M1,2024-05-01T00:15:00+08:00,1.0", "M1,2024-05-01,1.0", "M2,2024/05/01,2"
    )
    report = run(path, store)
    assert rejected(report) == [("in.csv", 3, NO_TIME), ("in.csv", 4, NO_TIME)]
    assert report.rejections[0].value == "2024-05-01"
    assert list(values(store)) == [("M1", bj(1, 0, 15))]


@pytest.mark.parametrize("offset", ["+25:00", "+15", "-1600", "+08:75"])
def test_an_impossible_utc_offset_is_rejected(tmp_path, offset):
    store = Store(tmp_path / "store")
    path = _csv(tmp_path, "M1,2024-05-01T00:15:00+08:00,1.0", f"M1,2024-05-01T00:30:00{offset},1")
    report = run(path, store)
    assert rejected(report) == [("in.csv", 3, BAD_OFFSET)]
    assert report.rejections[0].value == f"2024-05-01T00:30:00{offset}"
    assert list(values(store)) == [("M1", bj(1, 0, 15))]


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "+05:45", "Z", "+0800", " UTC"])
def test_real_offsets_are_accepted(tmp_path, offset):
    report = put(
        [{"meter": "M1", "ts": f"2024-05-01T00:30:00{offset}", "kwh": 1.0}], Store(tmp_path)
    )
    assert report.rejected == 0, report.rejections


def test_the_same_time_rules_apply_to_records(tmp_path):
    store = Store(tmp_path)
    report = put(
        [
            {"meter": "M1", "ts": "2024-05-01", "kwh": 1.0},
            {"meter": "M1", "ts": "2024-05-01T00:15:00+25:00", "kwh": 1.0},
        ],
        store,
    )
    assert rejected(report) == [("records", 1, NO_TIME), ("records", 2, BAD_OFFSET)]
    assert store.days() == []


def test_a_parquet_ts_column_of_type_date_is_rejected_row_by_row(tmp_path):
    path = tmp_path / "dates.parquet"
    pq.write_table(
        pa.table(
            {
                "meter": ["M1", "M2"],
                "ts": pa.array([date(2024, 5, 1), date(2024, 5, 1)], pa.date32()),
                "kwh": [1.0, 2.0],
            }
        ),
        path,
    )
    store = Store(tmp_path / "store")
    report = run(path, store)
    assert rejected(report) == [("dates.parquet", 1, NO_TIME), ("dates.parquet", 2, NO_TIME)]
    assert store.days() == []


@pytest.mark.parametrize("text", ["1.8e308", "inf", "-inf", "nan", "NaN", "Infinity"])
def test_a_value_that_is_not_finite_is_rejected_and_reported_as_written(tmp_path, text):
    store = Store(tmp_path / "store")
    report = run(
        _csv(tmp_path, "M1,2024-05-01T00:15:00+08:00,1.0", f"M1,2024-05-01T00:30:00+08:00,{text}"),
        store,
    )
    assert rejected(report) == [("in.csv", 3, UNPARSEABLE)]
    assert report.rejections[0].value == text
    assert all(math.isfinite(kwh) for *_, kwh, _q, _b in stored(store))


def test_non_finite_numbers_in_a_parquet_file_are_rejected_with_their_value(tmp_path):
    path = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table(
            {
                "meter": ["M1", "M1", "M1"],
                "ts": pa.array(
                    [bj(1, 0, 15), bj(1, 0, 30), bj(1, 0, 45)], pa.timestamp("us", tz="UTC")
                ),
                "kwh": [1.0, math.inf, math.nan],
                "quality": ["A", "S", "A"],
            }
        ),
        path,
    )
    store = Store(tmp_path / "store")
    report = run(path, store)
    assert [(r.line, r.code, r.value) for r in report.rejections] == [
        (2, UNPARSEABLE, "inf"),
        (3, UNPARSEABLE, "nan"),
    ]
    assert values(store) == {("M1", bj(1, 0, 15)): (1.0, "A")}


def test_a_reading_above_the_meter_s_capacity_is_rejected_even_without_history(tmp_path):
    # M1: 10 kVA → at most 4 × 10 × 0.25 = 10 kWh per interval; M2: 10 kVA with a CT of 40 →
    # 10 / 40 = 0.25 on the meter's register; M3: no capacity → the default 1000 kVA → 1000.
    meters = pa.table(
        {
            "meter_id": ["M1", "M2", "M3"],
            "capacity_kva": [10.0, 10.0, None],
            "multiplier": [1.0, 40.0, 1.0],
        }
    )
    store = Store(tmp_path / "store")
    path = _csv(
        tmp_path,
        "M1,2024-05-01T00:15:00+08:00,9.9",
        "M1,2024-05-01T00:30:00+08:00,10.1",
        "M2,2024-05-01T00:15:00+08:00,0.3",
        "M3,2024-05-01T00:15:00+08:00,999",
        "M3,2024-05-01T00:30:00+08:00,1e300",
    )
    report = run(path, store, meters=meters)
    assert rejected(report) == [("in.csv", 3, OVER), ("in.csv", 4, OVER), ("in.csv", 6, OVER)]
    assert [r.value for r in report.rejections] == ["10.1", "0.3", "1e+300"]
    assert report.accepted == 2
    assert {k: v for k, v in values(store).items() if v[1] != "E"} == {
        ("M1", bj(1, 0, 15)): (9.9, "A"),
        ("M3", bj(1, 0, 15)): (999.0, "A"),
    }


def test_an_over_capacity_line_in_a_wide_file_names_its_point(tmp_path):
    path = tmp_path / "wide.csv"
    points = ["0.1"] * 96
    points[9] = "9e9"
    path.write_text(
        "meter,date," + ",".join(f"p{i}" for i in range(1, 97)) + "\n"
        f"M1,2024-05-01,{','.join(points)}\n",
        encoding="utf-8",
    )
    report = run(path, Store(tmp_path / "store"), now=bj(3, 0, 0))
    assert [(r.line, r.code, r.value) for r in report.rejections] == [(2, OVER, "9000000000.0")]
    assert report.accepted == 95


def test_capacity_settings_refuse_nonsense():
    with pytest.raises(ValueError, match="capacity_factor"):
        VeeThresholds(capacity_factor=0)
    with pytest.raises(ValueError, match="default_capacity_kva"):
        VeeThresholds(default_capacity_kva=math.inf)
