"""API shapes of /api/v1/metering. A reading's values are checked row by row by the
engine (a bad row is reported, not a failed request), so only the shape is constrained
here: no NUL, no unknown properties, at most `MAX_RECORDS` rows."""

import datetime as dt

from ninja import Field, Schema

from gridcare.core.schemas import NO_NUL, StrictIn

#: Rows in one request; a head-end sends more in several batches.
MAX_RECORDS = 200_000
#: A CSV body starts with exactly this header line (the file importer is more lenient).
CSV_HEADER = r"^meter,ts,kwh(,quality)?(\r?\n|$)"
#: The whole body: that header, then lines of text without control characters (a lone
#: carriage return or a C0/C1 control makes DuckDB's CSV reader give up).
CSV_BODY = r"^meter,ts,kwh(,quality)?(\r?\n[^\x00-\x1f\x7f-\x9f]*)*$"


class ReadingIn(StrictIn):
    meter: str = Field(max_length=64, pattern=NO_NUL)
    ts: str = Field(max_length=64, pattern=NO_NUL)
    kwh: float | str = Field(union_mode="left_to_right")
    quality: str | None = Field(None, max_length=8, pattern=NO_NUL)


class ReadingsIn(StrictIn):
    readings: list[ReadingIn] = Field(max_length=MAX_RECORDS)


class RejectionOut(Schema):
    source: str | None = None
    line: int | None = None
    meter_id: str | None = None
    code: str
    message: str
    value: str | None = None


class ImportOut(Schema):
    batch_id: str
    status: str
    accepted: int
    rejected: int
    unchanged: int
    edited: int
    estimated: int
    suspect: int
    days: list[dt.date]
    rejections: list[RejectionOut]
