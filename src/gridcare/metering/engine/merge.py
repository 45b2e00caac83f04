"""After staging: the reject report, de-duplication within the batch, spike flags, the merge
with the store under its lock (last write wins, edit log), gap estimates, and the atomic
rewrite of every changed day partition (see `ingest` for the whole pipeline)."""

from __future__ import annotations

import contextlib
import os
from datetime import date, timedelta
from pathlib import Path

from gridcare.metering.engine import pending, schema, vee
from gridcare.metering.engine.io import (
    EDIT_COLUMNS,
    Transaction,
    fetch_one,
    readings_sql,
    sql_str,
    write_day_checked,
)
from gridcare.metering.engine.parse import INTERVAL_US, QUALITY_TYPE
from gridcare.metering.engine.report import REJECTIONS_IN_MEMORY, IngestReport, Rejection
from gridcare.metering.engine.sources import Sources
from gridcare.metering.engine.staging import SHIFT_US, day_bounds_us, day_num_sql


class Batch(Sources):
    """A staged import, carried through to the store (`finish`)."""

    def _report_rejections(self, report: IngestReport, path: Path | None) -> None:
        names = self.files or [""]  # VALUES needs a row; no file, no rejection anyway
        files = ", ".join(f"({i}, {sql_str(name)})" for i, name in enumerate(names))
        query = (
            "SELECT files.source, r.line, r.meter AS meter_id, findings.code,"
            " findings.message, r.value"
            f" FROM {self.rejects} r JOIN (VALUES {files}) AS files(file_id, source) USING (file_id)"
            f" JOIN {vee.findings_values_sql()} ON r.code = findings.number"
            " ORDER BY r.file_id, r.line, r.point"
        )
        rows = self.con.execute(f"{query} LIMIT {REJECTIONS_IN_MEMORY}").fetchall()
        report.rejections = [Rejection(*row) for row in rows]
        by_code = self.con.execute(
            f"SELECT findings.code, count(*) FROM {self.rejects} r"
            f" JOIN {vee.findings_values_sql()} ON r.code = findings.number"
            " GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        report.by_code = {str(code): int(n) for code, n in by_code}
        report.rejected = sum(report.by_code.values())
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".{path.name}.{self.batch_id}.tmp")
            try:
                self.con.execute(f"COPY ({query}) TO {sql_str(temp)} (FORMAT csv, HEADER true)")
                os.replace(temp, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()
            report.reject_report = str(path)

    def finish(self, reject_report: str | os.PathLike[str] | None) -> IngestReport:
        report = IngestReport(batch_id=self.batch_id, files=list(self.files))
        report.rows_read = self.rows_read
        self.report_progress("validate", 0, 1)
        self.settle()
        self._report_rejections(report, Path(reject_report) if reject_report else None)
        report.accepted = self.count(self.stage)
        groups = self._group()
        report.duplicates = self._dedupe(groups)
        self.report_progress("validate", 1, 1)
        if report.accepted:
            with self.store.lock():
                self._merge(groups, report)
        return report

    def _group(self) -> str:
        """CTAS `groups`: the batch per meter and partition day."""
        groups = self.table("groups")
        a = schema.QUALITY_ACTUAL
        self.con.execute(
            f"CREATE TEMP TABLE {groups} AS SELECT midx, day, count(*) AS n,"
            " bit_or(1::HUGEINT << slot::HUGEINT) AS slots,"
            f" max(kwh) FILTER (WHERE quality = '{a}') AS max_actual,"
            " min(ts_us) AS lo, max(ts_us) AS hi"
            f" FROM (SELECT midx, ts_us, kwh, quality, {day_num_sql('ts_us')} AS day,"
            f" (ts_us + {SHIFT_US}) // {INTERVAL_US} - {day_num_sql('ts_us')}::BIGINT * {schema.INTERVALS_PER_DAY} AS slot"
            f" FROM {self.stage}) GROUP BY midx, day"
        )
        return groups

    def _dedupe(self, groups: str) -> int:
        """Within the batch the last line wins: delete the earlier readings of a key."""
        n = fetch_one(self.con, f"SELECT sum(n - bit_count(slots)) FROM {groups}")[0]
        duplicates = int(n or 0)
        if not duplicates:
            return 0
        con = self.con
        superseded = self.table("superseded")
        candidates = (
            f"SELECT b.rowid AS rid, b.midx, b.ts_us, b.seq FROM {self.stage} b"
            f" SEMI JOIN (SELECT midx, day FROM {groups} WHERE n > bit_count(slots)) g"
            f" ON b.midx = g.midx AND {day_num_sql('b.ts_us')} = g.day"
        )
        con.execute(
            f"CREATE TEMP TABLE {superseded} AS SELECT rid FROM"
            f" ({self.in_batch_order(candidates)}) QUALIFY row_number() OVER"
            " (PARTITION BY midx, ts_us ORDER BY batch_order DESC) > 1"
        )
        con.execute(f"DELETE FROM {self.stage} WHERE rowid IN (SELECT rid FROM {superseded})")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {groups} AS SELECT * REPLACE"
            f" (least(n, bit_count(slots)) AS n) FROM {groups}"
        )
        self.drop(superseded)
        return duplicates

    def _merge(self, groups: str, report: IngestReport) -> None:
        con, t = self.con, self.thresholds
        self.report_progress("merge", 0, 1)
        first, last = (
            date(1970, 1, 1) + timedelta(days=int(d))
            for d in fetch_one(con, f"SELECT min(day), max(day) FROM {groups}")
        )
        wanted_from = first - timedelta(days=t.history_days + 1)
        wanted_to = last + timedelta(days=1)
        stored_days = [d for d in self.store.days() if wanted_from <= d <= wanted_to]
        near_days = [d for d in stored_days if d >= first - timedelta(days=1)]
        far_days = [d for d in stored_days if d < first - timedelta(days=1)]

        # Stored readings of the batch meters on the batch's days and the day either side;
        # `history`: those the batch does not replace (old values, gap ends, spike window).
        stored = history = None
        if near_days:
            stored, history = self.table("stored"), self.table("history")
            con.execute(
                f"CREATE TEMP TABLE {stored} AS {self._stored_sql(near_days)}"
                f" WHERE m.midx IN (SELECT DISTINCT midx FROM {groups})"
            )
            con.execute(
                f"CREATE TEMP TABLE {history} AS SELECT s.* FROM {stored} s"
                f" ANTI JOIN {self.stage} b ON s.midx = b.midx AND s.ts_us = b.ts_us"
            )
        history_sql = history or (
            f"(SELECT NULL::INTEGER AS midx, NULL::BIGINT AS ts_us, NULL::DOUBLE AS kwh,"
            f" NULL::{QUALITY_TYPE} AS quality, NULL::VARCHAR AS batch_id WHERE false)"
        )

        # Spikes: actual readings above the meter's threshold become suspect. Only the few
        # candidate meters need the older days of their window (a one-day import of 20,000
        # meters would otherwise read a week of everybody's readings).
        candidates = self.table("candidates")
        con.execute(f"CREATE TEMP TABLE {candidates} AS {vee.spike_candidates(groups, t)}")
        window_sql = history_sql
        if far_days and self.count(candidates):
            older = self.table("older")
            con.execute(
                f"CREATE TEMP TABLE {older} AS {self._stored_sql(far_days)}"
                f" WHERE m.midx IN (SELECT midx FROM {candidates})"
            )
            window_sql = f"(SELECT * FROM {history_sql} UNION ALL SELECT * FROM {older})"
        if self.count(candidates):
            # Delete and insert again rather than UPDATE: an UPDATE … FROM of the ENUM column
            # on the 57.6 M-row stage once left two readings with quality '' (DuckDB 2.0.0).
            suspects = self.table("suspects")
            con.execute(
                f"CREATE TEMP TABLE {suspects} AS SELECT b.rowid AS rid, b.midx, b.ts_us, b.kwh,"
                f" '{schema.QUALITY_SUSPECT}'::{QUALITY_TYPE} AS quality, b.seq"
                f" FROM {self.stage} b"
                f" JOIN ({vee.check_spike(self.stage, window_sql, candidates, t)}) AS thr"
                f" ON b.midx = thr.midx"
                f" WHERE b.quality = '{schema.QUALITY_ACTUAL}' AND b.kwh > thr.threshold"
            )
            con.execute(f"DELETE FROM {self.stage} WHERE rowid IN (SELECT rid FROM {suspects})")
            con.execute(
                f"INSERT INTO {self.stage} (midx, ts_us, kwh, quality, seq)"
                f" SELECT midx, ts_us, kwh, quality, seq FROM {suspects}"
            )
            self.drop(suspects)
        self.drop(candidates)
        report.suspect = self.count(f"{self.stage} WHERE quality = '{schema.QUALITY_SUSPECT}'")

        # Last write wins against the store; unchanged readings keep their stored row.
        distinct = self.count(self.stage)
        if stored is not None:
            changes = self.table("changes")
            con.execute(
                f"CREATE TEMP TABLE {changes} AS SELECT b.midx, b.ts_us, b.kwh, b.quality,"
                " s.kwh AS old_kwh, s.quality AS old_quality, s.batch_id AS old_batch_id,"
                " s.ts_us IS NOT NULL AS had_old"
                f" FROM {self.stage} b LEFT JOIN {stored} s ON b.midx = s.midx AND b.ts_us = s.ts_us"
                " WHERE s.ts_us IS NULL OR s.kwh <> b.kwh OR s.quality <> b.quality"
            )
            inserted, replaced = fetch_one(
                con,
                "SELECT count(*) FILTER (WHERE NOT had_old),"
                f" count(*) FILTER (WHERE had_old AND kwh <> old_kwh) FROM {changes}",
            )
            report.inserted, report.edited = int(inserted), int(replaced)
            report.unchanged = distinct - report.inserted - report.edited
            changed = (
                "SELECT midx, ts_us, kwh, quality, old_kwh, old_quality, old_batch_id, had_old"
                f" FROM {changes}"
            )
            self.drop(stored)
        else:
            report.inserted = distinct
            changed = (
                "SELECT midx, ts_us, kwh, quality, NULL::DOUBLE AS old_kwh,"
                f" NULL::{QUALITY_TYPE} AS old_quality, NULL::VARCHAR AS old_batch_id,"
                f" false AS had_old FROM {self.stage}"
            )

        # Gaps: short runs of missing intervals next to the batch's readings.
        if t.max_gap_fill > 0:
            fills = self._estimate(groups, history_sql)
            report.estimated = self.count(fills)
            changed += (
                " UNION ALL SELECT midx, ts_us, kwh, quality, old_kwh, old_quality,"
                f" old_batch_id, had_old FROM {fills}"
            )
        self.report_progress("merge", 1, 1)
        self._write(changed, report, has_stored=stored is not None)

    def _stored_sql(self, days: list[date]) -> str:
        """SELECT of the stored readings of `days` (midx, ts_us, kwh, quality, batch_id) as
        `r` joined with the known meters as `m`; the caller adds the WHERE."""
        return (
            f"SELECT m.midx, epoch_us(r.ts) AS ts_us, r.kwh,"
            f" r.quality::{QUALITY_TYPE} AS quality, r.batch_id"
            f" FROM {readings_sql(self.store.day_path(d) for d in days)} r"
            f" JOIN {self.meters} m ON r.meter_id = m.meter_id"
        )

    def _estimate(self, groups: str, history: str) -> str:
        """CTAS `fills`: estimated readings to write (new, or a different stored value)."""
        con, e = self.con, schema.QUALITY_ESTIMATED
        per_day = schema.INTERVALS_PER_DAY
        span = (self.thresholds.max_gap_fill + 1) * INTERVAL_US
        # Only readings that can end a gap: all of a day with missing intervals, and the
        # first/last interval of a complete day whose neighbour day is not complete.
        ends = self.table("gap_ends")
        con.execute(
            f"CREATE TEMP TABLE {ends} AS SELECT g.midx, g.day, g.n < {per_day} AS open,"
            f" CASE WHEN p.n IS DISTINCT FROM {per_day} THEN g.lo END AS first_end,"
            f" CASE WHEN f.n IS DISTINCT FROM {per_day} THEN g.hi END AS last_end"
            f" FROM {groups} g"
            f" LEFT JOIN {groups} p ON p.midx = g.midx AND p.day = g.day - 1"
            f" LEFT JOIN {groups} f ON f.midx = g.midx AND f.day = g.day + 1"
            f" WHERE g.n < {per_day} OR p.n IS DISTINCT FROM {per_day}"
            f" OR f.n IS DISTINCT FROM {per_day}"
        )
        batch_points = (
            f"SELECT s.midx, s.ts_us, s.kwh, true AS in_batch FROM {self.stage} s"
            f" JOIN {ends} g ON s.midx = g.midx AND {day_num_sql('s.ts_us')} = g.day"
            f" WHERE s.quality <> '{e}'"
            " AND (g.open OR s.ts_us = g.first_end OR s.ts_us = g.last_end)"
        )
        stored_points = (
            f"SELECT h.midx, h.ts_us, h.kwh, false FROM {history} h"
            f" JOIN (SELECT midx, min(lo) - {span} AS lo, max(hi) + {span} AS hi FROM {groups}"
            " GROUP BY midx) r ON h.midx = r.midx AND h.ts_us BETWEEN r.lo AND r.hi"
            f" WHERE h.quality <> '{e}'"
        )
        # A gap lies strictly between two consecutive measured readings, so the only batch
        # readings it can meet are estimates given by the source (quality E): those stay.
        estimates = self.table("estimates")
        points = f"({batch_points} UNION ALL {stored_points})"
        con.execute(
            f"CREATE TEMP TABLE {estimates} AS SELECT f.* FROM"
            f" ({vee.estimate_gaps(points, self.thresholds)}) f ANTI JOIN"
            f" (SELECT midx, ts_us FROM {self.stage} WHERE quality = '{e}') s"
            " ON s.midx = f.midx AND s.ts_us = f.ts_us"
        )
        fills = self.table("fills")
        con.execute(
            f"CREATE TEMP TABLE {fills} AS SELECT f.midx, f.ts_us, f.kwh,"
            f" '{e}'::{QUALITY_TYPE} AS quality, h.kwh AS old_kwh, h.quality AS old_quality,"
            " h.batch_id AS old_batch_id, h.ts_us IS NOT NULL AS had_old"
            f" FROM {estimates} f LEFT JOIN {history} h ON f.midx = h.midx AND f.ts_us = h.ts_us"
            f" WHERE h.ts_us IS NULL OR h.kwh <> f.kwh OR h.quality <> '{e}'"
        )
        self.drop(ends, estimates)
        return fills

    def _meter_names(self) -> str:
        """CTAS (midx, meter_id as an ENUM of the known meters, name VARCHAR): DuckDB writes
        an ENUM column to Parquet as a plain dictionary-encoded string without hashing each
        value again."""
        names, enum = self.table("meter_names"), self.meter_enum
        self.con.execute(
            f"CREATE TEMP TABLE {names} AS SELECT midx, meter_id::{enum} AS meter_id,"
            f" meter_id AS name FROM {self.meters}"
        )
        return names

    def _write(self, changed: str, report: IngestReport, *, has_stored: bool) -> None:
        """Rewrite every day partition with changes; edit-log parts; commit together."""
        con = self.con
        per_day = con.execute(
            f"SELECT {day_num_sql('ts_us')}, bool_or(had_old) FROM ({changed}) GROUP BY 1 ORDER BY 1"
        ).fetchall()
        day_nums = [int(d) for d, _ in per_day]
        report.days = [date(1970, 1, 1) + timedelta(days=d) for d in day_nums]
        report.added_only = [
            day for day, (_, replaced) in zip(report.days, per_day, strict=True) if not replaced
        ]
        if not day_nums:
            return
        marked_before = pending.has(self.store.root, self.batch_id)
        pending.mark(self.store.root, self.batch_id, report.days)  # before any day is published
        committing = False
        try:
            with Transaction(tag=self.batch_id) as tx:
                self._write_days(tx, changed, day_nums, report.days, has_stored=has_stored)
                committing = True  # from here on, days may be published (the mark stays)
        except BaseException:
            if not committing and not marked_before:
                pending.clear(self.store.root, [self.batch_id])
            raise

    def _write_days(
        self,
        tx: Transaction,
        changed: str,
        day_nums: list[int],
        days: list[date],
        *,
        has_stored: bool,
    ) -> None:
        con = self.con
        names = self._meter_names()
        batch = f"{sql_str(self.batch_id)}::ENUM({sql_str(self.batch_id)})"
        columns = ", ".join(schema.READING_COLUMNS)
        named = (
            f"SELECT n.meter_id, n.name, make_timestamptz(c.ts_us) AS ts, c.kwh, c.quality,"
            f" {batch} AS batch_id, c.midx, c.ts_us, c.old_kwh, c.old_quality,"
            f" c.old_batch_id, c.had_old FROM ({changed}) c JOIN {names} n ON c.midx = n.midx"
        )
        edited_at = f"make_timestamptz({self.now_us})"
        for i, (day_num, day) in enumerate(zip(day_nums, days, strict=True)):
            self.report_progress("write", i, len(day_nums))
            lo, hi = day_bounds_us(day_num)
            new = f"SELECT * FROM ({named}) WHERE ts_us BETWEEN {lo} AND {hi}"
            path = self.store.day_path(day)
            plain = (  # the new rows as VARCHAR
                "SELECT name AS meter_id, ts, kwh, quality::VARCHAR AS quality,"
                f" batch_id::VARCHAR AS batch_id, midx, ts_us FROM ({new})"
            )
            if path.is_file():  # merge: stored rows not replaced + new rows, by name
                fallback = None  # VARCHAR already
                query = (
                    f"SELECT {columns} FROM read_parquet({sql_str(path)}) s"
                    f" ANTI JOIN ({new}) n ON s.meter_id = n.name AND s.ts = n.ts"
                    f" UNION ALL SELECT {columns} FROM ({plain}) ORDER BY meter_id, ts"
                )
            else:  # ENUM columns: DuckDB writes their dictionaries without hashing
                query = f"SELECT {columns} FROM ({new}) ORDER BY midx, ts_us"
                fallback = f"SELECT {columns} FROM ({plain}) ORDER BY midx, ts_us"
            write_day_checked(tx, con, query, path, fallback=fallback)
            if not has_stored:
                continue
            edits = (
                "SELECT name AS meter_id, ts, old_kwh, kwh AS new_kwh,"
                " old_quality::VARCHAR AS old_quality, quality::VARCHAR AS quality,"
                f" old_batch_id, batch_id::VARCHAR AS batch_id, {edited_at} AS edited_at"
                f" FROM ({new}) WHERE had_old AND kwh <> old_kwh"
            )
            if self.count(f"({edits})"):
                tx.write_parquet(
                    con,
                    f"SELECT {', '.join(EDIT_COLUMNS)} FROM ({edits}) ORDER BY meter_id, ts",
                    self.store.edits_path(day, self.batch_id),
                )
        self.report_progress("write", len(day_nums), len(day_nums))
