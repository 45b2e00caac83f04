"""Every kind of source into the staging tables (`staging.Staging`): CSV files (the long
layout straight from DuckDB's parallel reader, see `staging.DirectFile`; the exact
line-by-line path when the reader cannot account for every line), Parquet files and Arrow
records. `merge.Batch` carries on from there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from gridcare.metering.engine import parse, parse_csv, parse_tables
from gridcare.metering.engine.io import fetch_one
from gridcare.metering.engine.staging import DirectFile, Staging

_MAX_SKIPPED_FAST = 64  # more broken lines than this: take the exact line-by-line path


class Sources(Staging):
    """Staging, fed file by file (`stage_file`) or with records (`stage_arrow`)."""

    def stage_file(self, file_id: int, path: Path) -> None:
        """Parse one file into the staging tables (FileFormatError for whole-file faults)."""
        self.files.append(path.name)
        if path.name.lower().endswith(parse.PARQUET_SUFFIXES):
            layout, originals, types = parse_tables.read_parquet_layout(self.con, path)
            relation = parse_tables.parquet_source_sql(path)
            self._stage_table(file_id, layout, originals, types, relation, "file_row_number + 1")
            return
        layout, delimiter = parse_csv.read_csv_header(path)
        expected = parse_csv.count_lines(path)
        if expected is not None and self._stage_csv_fast(
            file_id, path, layout, delimiter, expected
        ):
            return
        self._stage_csv_exact(file_id, path, layout, delimiter)

    def _stage_csv_fast(
        self, file_id: int, path: Path, layout: parse.Layout, delimiter: str, expected: int
    ) -> bool:
        """DuckDB's parallel CSV reader (typed for the long layout); line = record number + 2
        + lines set aside before it, and the set-aside lines are parsed again from their
        text. Valid only if every physical line is accounted for (no blank lines, no quoted
        line breaks): otherwise returns False and nothing is staged."""
        rejects, scans = self.table("csv_rejects"), self.table("csv_scans")
        self.drop(rejects, scans)
        long = layout.kind == parse.LONG
        relation = parse_csv.native_csv_sql(path, layout, delimiter, rejects, scans, typed=long)
        if long:
            fields = parse_csv.long_typed_csv_fields_sql(relation, layout)
        else:
            names = {n: n for n in layout.names}
            types = dict.fromkeys(layout.names, "VARCHAR")
            fields = parse_tables.wide_table_lines_sql(relation, names, types, "NULL::BIGINT")
        parsed = self.table("parsed")
        # New rows get rowids above every row staged so far, deleted ones included (DuckDB
        # does not reuse them), so they are found by "above the last live one".
        after = self._last_rowid()
        first = records = 0
        try:
            if long:
                records, first = self._insert_direct(layout, fields, after)
            else:
                self._parse(layout, fields, with_line=False)
                records = self.count(parsed)
            set_aside = parse_csv.read_csv_rejects(self.con, rejects)
        except duckdb.IOException:
            raise
        except duckdb.Error:  # e.g. a quote left open at the end: the exact path reports it
            self._unstage(after)
            self.drop(parsed, rejects, scans)
            return False
        self.drop(rejects, scans)
        skipped = set_aside.skipped
        if (
            set_aside.bad_encoding
            or len(skipped) > _MAX_SKIPPED_FAST
            or 1 + records + len(skipped) != expected
        ):
            self._unstage(after)
            self.drop(parsed)
            return False
        # Record r (0-based) sits after the header and the set-aside lines before it.
        before = tuple(line - 2 - j for j, line in enumerate(skipped))
        self.rows_read += records
        if long:
            self.direct_files.append(DirectFile(file_id, first, first + records - 1, before))
        else:
            line = "p.rowid + 2" + "".join(f" + (p.rowid >= {b})::BIGINT" for b in before)
            self._split(file_id, layout, parsed, line)
            self.drop(parsed)
        if set_aside.lines:
            again = self.table("set_aside")
            self.con.execute(parse_csv.set_aside_lines_sql(again, set_aside.lines))
            if long:
                fields = parse_csv.long_csv_fields_sql(again, layout, delimiter, numbered=True)
            else:
                fields = parse_csv.wide_csv_lines_sql(again, layout, delimiter, numbered=True)
            self._stage_fields(file_id, layout, fields)
            self.drop(again)
        return True

    def _last_rowid(self) -> int:
        return int(fetch_one(self.con, f"SELECT coalesce(max(rowid), -1) FROM {self.stage}")[0])

    def _insert_direct(self, layout: parse.Layout, fields: str, after: int) -> tuple[int, int]:
        """Append a long source's parsed rows to `stage` in record order, rejected ones
        too (copying 2 M rows from a `parsed` table cost a fifth of the import); returns
        the number of records and the rowid of the first (all above `after`, contiguous)."""
        parsed = self._parsed_sql(layout, fields, with_line=False)
        records = int(
            fetch_one(
                self.con,
                f"INSERT INTO {self.stage} (midx, ts_us, kwh, quality, code, meter, shown)"
                f" {parsed}",
            )[0]
        )
        if not records:
            return 0, after + 1
        count, first, last = fetch_one(
            self.con,
            f"SELECT count(*), min(rowid), max(rowid) FROM {self.stage} WHERE rowid > {after}",
        )
        if (count, last - first + 1) != (records, records):  # the line numbers rely on it
            raise RuntimeError(f"staged rows are not contiguous: {count} in {first}..{last}")
        return records, int(first)

    def _unstage(self, after: int) -> None:
        """Remove what the fast path appended for a file before it fell back."""
        self.con.execute(f"DELETE FROM {self.stage} WHERE rowid > {after}")

    def _stage_csv_exact(
        self, file_id: int, path: Path, layout: parse.Layout, delimiter: str
    ) -> None:
        """Line by line (exact physical line numbers for any file)."""
        lines = self.table("lines")
        parse_csv.load_csv_lines(self.con, path, lines)
        try:
            if layout.kind == parse.LONG:
                fields = parse_csv.long_csv_fields_sql(lines, layout, delimiter)
            else:
                fields = parse_csv.wide_csv_lines_sql(lines, layout, delimiter)
            self._stage_fields(file_id, layout, fields)
        finally:
            self.drop(lines)

    def _stage_table(
        self,
        file_id: int,
        layout: parse.Layout,
        originals: dict[str, str],
        types: dict[str, str],
        relation: str,
        line_sql: str,
    ) -> None:
        if layout.kind == parse.LONG:
            fields = parse_tables.long_table_fields_sql(relation, originals, types, line_sql)
        else:
            fields = parse_tables.wide_table_lines_sql(relation, originals, types, line_sql)
        self._stage_fields(file_id, layout, fields)

    def stage_arrow(self, file_id: int, table: pa.Table, source: str) -> None:
        """Stage an Arrow table of long- or wide-format records (line = record number)."""
        self.files.append(source)
        layout = parse.layout_of(table.column_names, source)
        line_column = "__gc_line"
        numbered = table.append_column(
            line_column, pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
        )
        name = self.table("records")
        self.con.register(name, numbered)
        try:
            types = parse_tables.relation_columns(self.con, name)
            types.pop(line_column)
            originals = dict(zip(layout.names, table.column_names, strict=True))
            self._stage_table(file_id, layout, originals, types, name, line_column)
        finally:
            self.con.unregister(name)
