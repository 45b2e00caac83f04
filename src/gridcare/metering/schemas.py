import datetime as dt

from ninja import Schema


class ReadingIn(Schema):
    meter: str
    ts: str
    kwh: float | str
    quality: str | None = None


class ReadingsIn(Schema):
    readings: list[ReadingIn]


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
