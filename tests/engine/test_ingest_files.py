"""Whole-file problems, exact line numbers in odd files, atomicity, records and connections."""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, date, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from gridcare.metering.engine import io as store_io
from gridcare.metering.engine import parse_csv
from gridcare.metering.engine.ingest import FileFormatError
from gridcare.metering.engine.io import Store
from tests.engine.data.ingest_helpers import (
    DATA,
    NOW,
    bj,
    put,
    rejected,
    run,
    snapshot,
    stray_files,
    values,
)

MALFORMED = "metering.vee.malformed_row"


# --- whole-file problems ---------------------------------------------------------------------


def test_truncated_last_line_rejects_that_line_only(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "truncated.csv", store)
    assert rejected(report) == [("truncated.csv", 4, MALFORMED)]
    assert report.rejections[0].value == "M1,2024-05-01T00:4"
    assert report.rejections[0].meter_id == "M1"
    assert values(store) == {("M1", bj(1, 0, 15)): (0.5, "A"), ("M1", bj(1, 0, 30)): (0.6, "A")}


def test_truncated_wide_file_rejects_the_cut_row(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "wide_truncated.csv", store)
    assert [(r.line, r.code) for r in report.rejections][-1] == (6, MALFORMED)
    assert report.rejections[-1].value.startswith("M3,2024-05-02,0.25,0.5,0.75,")
    assert not any(m == "M3" for m, _ in values(store))
    assert report.accepted == 94 + 95  # lines 2–5 as in the complete file


def test_non_utf8_file_names_its_first_bad_line_and_stores_nothing(tmp_path):
    store = Store(tmp_path / "store")
    with pytest.raises(FileFormatError) as caught:
        run(DATA / "gbk.csv", store)
    err = caught.value
    assert (err.code, err.line, err.source) == ("metering.file.not_utf8", 4, "gbk.csv")
    assert "第 4 行" in err.message
    assert "UTF-8" in err.message
    assert snapshot(store.root) == {}


def test_wrong_parquet_schema_names_missing_and_extra_columns(tmp_path):
    store = Store(tmp_path / "store")
    with pytest.raises(FileFormatError) as caught:
        run(DATA / "wrong_schema.parquet", store)
    err = caught.value
    assert err.code == "metering.file.wrong_columns"
    assert "缺少列 ts, kwh" in err.message
    assert "多余列 timestamp, value, unit" in err.message
    assert err.line is None
    assert snapshot(store.root) == {}


def test_wrong_csv_header_names_the_columns_on_line_one(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("meter,time,kwh\nM1,2024-05-01T00:15:00+08:00,1\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        run(bad, Store(tmp_path / "store"))
    assert (caught.value.code, caught.value.line) == ("metering.file.wrong_columns", 1)
    assert "缺少列 ts" in caught.value.message
    assert "多余列 time" in caught.value.message


def test_header_with_a_bare_carriage_return_is_refused_on_line_one(tmp_path):
    # Found by the API fuzz run: CR-only line ends made the header parser raise (HTTP 500).
    bad = tmp_path / "mac.csv"
    bad.write_bytes(b"meter,ts,kwh\rM1,2024-05-01T00:15:00+08:00,1\r")
    store = Store(tmp_path / "store")
    with pytest.raises(FileFormatError) as caught:
        run(bad, store)
    assert (caught.value.code, caught.value.line) == ("metering.file.bad_header", 1)
    assert "回车符" in caught.value.message
    assert store.days() == []


def test_a_file_duckdb_cannot_parse_is_unreadable_without_naming_server_paths(tmp_path):
    # Found by the API fuzz test: mixed line endings and control characters after the header
    # made DuckDB's CSV state machine give up, and its message carried the upload path.
    bad = tmp_path / "fuzz.csv"
    bad.write_bytes("meter,ts,kwh\r\n\x9e\U000e7e9d¥Ù\x05\n3\x87v".encode())
    store = Store(tmp_path / "store")
    with pytest.raises(FileFormatError) as caught:
        run(bad, store)
    assert caught.value.code == "metering.file.unreadable"
    assert str(tmp_path) not in caught.value.message
    assert store.days() == []


def test_wide_header_missing_points_is_summarised(tmp_path):
    bad = tmp_path / "wide.csv"
    bad.write_text("meter,date,p1,p2\nM1,2024-05-01,1,2\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"缺少列 p3\.\.p96 \(94 列\)"):
        run(bad, Store(tmp_path / "store"))


def test_empty_file_and_missing_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError) as caught:
        run(empty, Store(tmp_path / "store"))
    assert caught.value.code == "metering.file.empty"
    with pytest.raises(FileFormatError) as caught:
        run(tmp_path / "nope.csv", Store(tmp_path / "store"))
    assert caught.value.code == "metering.file.not_found"


def test_not_a_parquet_file(tmp_path):
    fake = tmp_path / "fake.parquet"
    fake.write_text("meter,ts,kwh\n", encoding="utf-8")
    with pytest.raises(FileFormatError) as caught:
        run(fake, Store(tmp_path / "store"))
    assert caught.value.code == "metering.file.unreadable"


def test_header_only_file_imports_nothing(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("meter,ts,kwh\n", encoding="utf-8")
    report = run(f, Store(tmp_path / "store"))
    assert (report.rows_read, report.accepted, report.days) == (0, 0, [])


# --- atomicity -----------------------------------------------------------------------------


def test_a_bad_file_in_a_multi_file_import_leaves_the_store_intact(tmp_path):
    store = Store(tmp_path / "store")
    run(DATA / "wide_bad_rows.csv", store)
    before = snapshot(store.root)
    good = tmp_path / "good.csv"
    good.write_text("meter,ts,kwh\nM1,2024-05-01T00:15:00+08:00,9.0\n", encoding="utf-8")
    for files in (
        [good, tmp_path / "missing.csv"],
        [good, DATA / "gbk.csv", DATA / "long_bad_rows.csv"],
    ):
        with pytest.raises(FileFormatError):
            run(files, store, batch_id="b2")
        assert snapshot(store.root) == before
        assert stray_files(store.root) == []


def test_a_failure_while_writing_leaves_the_store_intact(tmp_path, monkeypatch):
    store = Store(tmp_path / "store")
    run(DATA / "long_bad_rows.csv", store)
    before = snapshot(store.root)
    calls = {"n": 0}
    real = store_io._fsync_file

    def failing(path):
        calls["n"] += 1
        if calls["n"] == 2:  # after the first day file is written, before any rename
            raise OSError("disk full")
        real(path)

    monkeypatch.setattr(store_io, "_fsync_file", failing)
    changed = tmp_path / "changed.csv"
    changed.write_text(
        "meter,ts,kwh\nM1,2024-05-01T00:15:00+08:00,9.0\nM3,2024-05-02T00:15:00+08:00,9.0\n",
        encoding="utf-8",
    )
    with pytest.raises(OSError, match="disk full"):
        run(changed, store, batch_id="b2")
    assert snapshot(store.root) == before
    assert stray_files(store.root) == []


# --- line numbers in odd files ---------------------------------------------------------------


def test_blank_lines_and_quoted_fields_keep_physical_line_numbers(tmp_path):
    store = Store(tmp_path)
    report = run(DATA / "blank_lines.csv", store)
    assert rejected(report) == [("blank_lines.csv", 4, "metering.vee.negative_energy")]
    got = values(store)
    assert got[("M1", bj(1, 0, 15))] == (0.5, "A")  # "M1","…","0.5" unquoted
    assert got[("M1", bj(1, 0, 45))] == (0.7, "A")


@pytest.mark.parametrize("tail", ["", "\n", "\r\n\r\n"])
def test_line_count_spans_many_slices_and_ignores_trailing_line_ends(tmp_path, tail):
    # The fast path trusts the count to prove no line was lost; files are counted in
    # slices of 1 MiB, so lines here straddle several slice boundaries.
    path = tmp_path / "many.csv"
    body = "\n".join(f"M{i % 7},2024-05-01T00:15:00+08:00,{i}.25" for i in range(90_001))
    path.write_text("meter,ts,kwh\n" + body + tail, encoding="utf-8")
    assert path.stat().st_size > 3 * 2**20
    assert parse_csv.count_lines(path) == 90_002


@pytest.mark.parametrize("odd_first", [True, False])
def test_last_line_wins_between_a_set_aside_line_and_a_record(tmp_path, odd_first):
    # A slash date does not cast in the CSV reader: its line is set aside and parsed again
    # from its text after the file's other records, yet the later line must still win.
    odd, plain = "M1,2024/05/01 00:15:00,1.0", "M1,2024-05-01T00:15:00+08:00,2.0"
    lines = [odd, plain] if odd_first else [plain, odd]
    path = tmp_path / "dup.csv"
    path.write_text(
        "meter,ts,kwh\n" + "\n".join([*lines, "M1,2024-05-01T00:30:00+08:00,-1"]) + "\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store")
    report = run(path, store)
    assert report.duplicates == 1
    assert values(store)[("M1", bj(1, 0, 15))] == (2.0 if odd_first else 1.0, "A")
    assert [(r.line, r.code) for r in report.rejections] == [(4, "metering.vee.negative_energy")]


def test_a_file_that_falls_back_to_the_exact_path_keeps_the_other_files_rows(tmp_path):
    # The first file is staged straight from the reader; the second one's blank lines send
    # it down the line-by-line path, which must drop only its own fast-path rows.
    first = tmp_path / "first.csv"
    first.write_text(
        "meter,ts,kwh\nM2,2024-05-01T00:15:00+08:00,3.0\nM2,2024-05-01T00:30:00+08:00,-3\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store")
    report = run([first, DATA / "blank_lines.csv"], store)
    assert rejected(report) == [
        ("first.csv", 3, "metering.vee.negative_energy"),
        ("blank_lines.csv", 4, "metering.vee.negative_energy"),
    ]
    got = values(store)
    assert got[("M2", bj(1, 0, 15))] == (3.0, "A")
    assert got[("M1", bj(1, 0, 15))] == (0.5, "A")
    assert report.rows_read == report.accepted + report.rejected


def test_a_fallback_file_with_nothing_accepted_between_two_fast_files(tmp_path):
    # The middle file's fast-path rows are deleted and its exact path stages none: the
    # third file's rows come after the deleted ones (DuckDB does not reuse row ids), which
    # once made the import fail instead of finding them.
    files = {
        "a.csv": "M1,2024-05-01T00:15:00+08:00,1.0\n",
        "b.csv": "M1,2024-05-01T00:30:00+08:00,-1\n\nM1,2024-05-01T00:45:00+08:00,-2\n",
        "c.csv": "M1,2024-05-01T01:00:00+08:00,3.0\nM1,2024-05-01T01:15:00+08:00,-3\n",
    }
    for name, body in files.items():
        (tmp_path / name).write_text("meter,ts,kwh\n" + body, encoding="utf-8")
    store = Store(tmp_path / "store")
    report = run([tmp_path / name for name in files], store)
    assert rejected(report) == [
        ("b.csv", 2, "metering.vee.negative_energy"),
        ("b.csv", 4, "metering.vee.negative_energy"),
        ("c.csv", 3, "metering.vee.negative_energy"),
    ]
    got = values(store)
    assert (got[("M1", bj(1, 0, 15))], got[("M1", bj(1, 1, 0))]) == ((1.0, "A"), (3.0, "A"))
    assert {got[("M1", bj(1, 0, m))][1] for m in (30, 45)} == {"E"}  # the gap between them


def test_crlf_line_endings(tmp_path):
    report = run(DATA / "crlf.csv", Store(tmp_path))
    assert rejected(report) == [("crlf.csv", 3, "metering.vee.unparseable")]
    assert report.rejections[0].value == "x"


def test_lines_set_aside_by_the_reader_do_not_shift_later_line_numbers(tmp_path):
    # line 3 has an extra field, line 6 a missing one, line 5 a negative value.
    report = run(DATA / "extra_fields.csv", Store(tmp_path))
    assert [(r.line, r.code) for r in report.rejections] == [
        (3, MALFORMED),
        (5, "metering.vee.negative_energy"),
        (6, MALFORMED),
    ]


def test_gzip_csv(tmp_path):
    packed = tmp_path / "long_bad_rows.csv.gz"
    packed.write_bytes(gzip.compress((DATA / "long_bad_rows.csv").read_bytes()))
    plain = run(DATA / "long_bad_rows.csv", Store(tmp_path / "a"))
    report = run(packed, Store(tmp_path / "b"))
    assert [(r.line, r.code) for r in report.rejections] == [
        (r.line, r.code) for r in plain.rejections
    ]


def test_semicolon_delimiter_and_meter_id_header(tmp_path):
    f = tmp_path / "semi.csv"
    f.write_text(
        "Meter_ID;TS;KWH;Quality\nM1;2024-05-01 00:15:00;1.5;\nM1;2024-05-01 00:30:00;2.5;E\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "store")
    run(f, store)
    assert values(store) == {("M1", bj(1, 0, 15)): (1.5, "A"), ("M1", bj(1, 0, 30)): (2.5, "E")}


# --- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01 08:15:00", bj(1, 8, 15)),  # naive = Beijing
        ("2024-05-01T08:15:00", bj(1, 8, 15)),
        ("2024-05-01 08:15", bj(1, 8, 15)),
        ("2024-05-01T00:15:00Z", bj(1, 8, 15)),
        ("2024-05-01T08:15:00+08:00", bj(1, 8, 15)),
        ("2024-05-01T09:15:00+0900", bj(1, 8, 15)),
        ("2024-05-01T02:15:00+02", bj(1, 8, 15)),
        ("2024-04-30T20:15:00-04:00", bj(1, 8, 15)),
        ("2024-05-01T00:15:00.000Z", bj(1, 8, 15)),
        ("2024/05/01 08:15:00", bj(1, 8, 15)),
        ("2024-05-01 24:00:00", bj(2, 0, 0)),
    ],
)
def test_timestamp_forms(tmp_path, text, expected):
    store = Store(tmp_path)
    report = put([{"meter": "M1", "ts": text, "kwh": 1.0}], store)
    assert report.rejected == 0, report.rejections
    assert list(values(store)) == [("M1", expected)]


def test_results_do_not_depend_on_the_session_time_zone(tmp_path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = true")  # switched off during the import
    store = Store(tmp_path)
    report = run(DATA / "long_bad_rows.csv", store, con=con)
    assert values(store)[("M1", bj(1, 0, 30))] == (0.25, "A")  # the naive line
    assert [r.line for r in report.rejections] == [3, 5, 6, 7, 8, 9, 11, 12, 13]
    # The caller's connection is left as it was: settings and no temp tables.
    assert con.execute("SELECT current_setting('TimeZone')").fetchall() == [("America/New_York",)]
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchall() == [
        (False,)
    ]
    assert con.execute("SELECT current_setting('enable_progress_bar')").fetchall() == [(True,)]
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM duckdb_types() WHERE NOT internal").fetchall() == [
        (0,)
    ]


# --- records (the HTTP API path) ---------------------------------------------------------------


def test_records_report_the_record_number(tmp_path):
    store = Store(tmp_path)
    report = put(
        [
            {"meter": "M1", "ts": "2024-05-01T00:15:00+08:00", "kwh": 1.0},
            {"meter": "M1", "ts": "2024-05-01T00:30:00+08:00", "kwh": "-2"},
            {"meter_id": "M2", "ts": datetime(2024, 5, 1, 0, 15), "kwh": 3, "quality": "S"},
            {"meter": "M2", "ts": "2024-05-01T00:30:00+08:00"},
            {
                "meter": "M2",
                "ts": datetime(2024, 4, 30, 16, 45, tzinfo=UTC),
                "kwh": 4.5,
                "unit": "kWh",
            },
        ],
        store,
        source="api:head-end-7",
    )
    assert rejected(report) == [
        ("api:head-end-7", 2, "metering.vee.negative_energy"),
        ("api:head-end-7", 4, "metering.vee.unparseable"),
    ]
    assert values(store) == {
        ("M1", bj(1, 0, 15)): (1.0, "A"),
        ("M2", bj(1, 0, 15)): (3.0, "S"),  # naive datetime = Beijing
        ("M2", bj(1, 0, 30)): (3.75, "E"),  # between 3.0 and 4.5
        ("M2", bj(1, 0, 45)): (4.5, "A"),
    }


def test_arrow_table_with_typed_columns(tmp_path):
    table = pa.table(
        {
            "meter": ["M1", "M1", "X9"],
            "ts": pa.array(
                [bj(1, 0, 15), bj(1, 0, 30), bj(1, 0, 15)], pa.timestamp("us", tz="UTC")
            ),
            "kwh": [1.0, 2.0, 3.0],
        }
    )
    store = Store(tmp_path)
    report = put(table, store)  # type: ignore[arg-type]
    assert rejected(report) == [("records", 3, "metering.vee.unknown_meter")]
    assert values(store) == {("M1", bj(1, 0, 15)): (1.0, "A"), ("M1", bj(1, 0, 30)): (2.0, "A")}


def test_now_must_be_aware_and_batch_id_safe(tmp_path):
    with pytest.raises(ValueError, match="timezone-aware"):
        put([], Store(tmp_path), now=datetime(2024, 5, 2))
    with pytest.raises(ValueError, match="batch_id"):
        put([], Store(tmp_path), batch_id="../evil")


def test_progress_reports_each_stage(tmp_path):
    calls: list[tuple[str, int, int]] = []
    run(
        [DATA / "long_bad_rows.csv", DATA / "wide_bad_rows.csv"],
        Store(tmp_path),
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert calls[:3] == [("parse", 0, 2), ("parse", 1, 2), ("parse", 2, 2)]
    stages = [c[0] for c in calls]
    assert stages.index("validate") < stages.index("merge") < stages.index("write")
    assert calls[-1] == ("write", 2, 2)


def test_store_root_is_created_and_days_listed(tmp_path):
    store = Store(tmp_path / "new" / "store")
    run(DATA / "long_bad_rows.csv", store)
    assert [d.isoformat() for d in store.days()] == ["2024-05-01", "2024-05-02"]
    shutil.rmtree(store.day_path(store.days()[0]).parent)
    assert [d.isoformat() for d in store.days()] == ["2024-05-02"]


def test_future_is_relative_to_now(tmp_path):
    later = NOW + timedelta(hours=1)
    report = run(DATA / "long_bad_rows.csv", Store(tmp_path), now=later)
    assert "metering.vee.future" not in report.by_code


def test_times_before_1970_are_rejected_not_partitioned(tmp_path):
    store = Store(tmp_path)
    report = put([{"meter": "M1", "ts": "1900-01-01 00:15:00", "kwh": 1.0}], store)
    assert rejected(report) == [("records", 1, "metering.vee.unparseable")]
    assert store.days() == []


def test_wide_arrow_table_with_numbers_keeps_exact_values(tmp_path):
    values_in = [i / 3 for i in range(96)]  # not exactly representable in decimal text
    table = pa.table(
        {"meter": ["M1"], "date": pa.array([date(2024, 5, 1)], pa.date32())}
        | {f"p{i + 1}": [v] for i, v in enumerate(values_in)}
    )
    store = Store(tmp_path)
    report = put(table, store)  # type: ignore[arg-type]
    assert (report.accepted, report.rejected) == (96, 0)
    got = values(store)
    assert [got[("M1", bj(1, 0, 15 * (i + 1)))][0] for i in range(96)] == values_in


def test_utf8_bom_header(tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes("\ufeffmeter,ts,kwh\nM1,2024-05-01T00:15:00+08:00,1.5\nM1,x,1\n".encode())
    report = run(f, Store(tmp_path / "store"))
    assert rejected(report) == [("bom.csv", 3, "metering.vee.unparseable")]
    assert report.accepted == 1
