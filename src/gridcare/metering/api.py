"""/api/v1/metering: the head-end batch endpoint (JSON or CSV body, bearer token)."""

import re

import pydantic
from django.http import HttpRequest
from ninja import Router
from ninja.errors import ValidationError

from gridcare.core.api_support import AUTH, acting_user, require_staff_perm
from gridcare.core.errors import DomainError
from gridcare.core.schemas import ERRORS
from gridcare.metering.models import ImportBatch
from gridcare.metering.schemas import CSV_BODY, CSV_HEADER, ImportOut, ReadingsIn
from gridcare.metering.services import readings_import_csv_body, readings_import_records

router = Router(tags=["metering"], auth=AUTH)
IMPORT_READINGS = "metering.add_importbatch"


def _to_out(batch: ImportBatch) -> ImportOut:
    report = batch.report
    return ImportOut(
        batch_id=str(batch.pk),
        status=batch.status,
        accepted=report.get("accepted", 0),
        rejected=report.get("rejected", 0),
        unchanged=report.get("unchanged", 0),
        edited=report.get("edited", 0),
        estimated=report.get("estimated", 0),
        suspect=report.get("suspect", 0),
        days=report.get("days", []),
        rejections=report.get("rejections", []),
    )


@router.post(
    "/readings",
    response={200: ImportOut, **ERRORS},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ReadingsIn.model_json_schema()},
                "text/csv": {"schema": {"type": "string", "pattern": CSV_BODY}},
            },
            "required": True,
        }
    },
)
def readings_post(request: HttpRequest) -> ImportOut:
    """Store a batch of readings from a head-end system.

    Body: JSON `{"readings": [{"meter", "ts", "kwh", "quality"?}]}` or `text/csv` with the
    header `meter,ts,kwh[,quality]`. Good rows are stored even when others are rejected; the
    answer counts both and lists each rejected row with its reason (and CSV line).
    Re-sending the same batch changes nothing.
    """
    user = acting_user(request)
    require_staff_perm(user, IMPORT_READINGS)
    content_type = request.content_type or ""
    if content_type.startswith("text/csv"):
        _check_csv_body(request.body.decode("utf-8", "replace"))
        return _to_out(readings_import_csv_body(actor=user, body=request.body))
    try:
        payload = ReadingsIn.model_validate_json(request.body or b"{}")
    except pydantic.ValidationError as exc:
        errors = [{"type": e["type"], "loc": e["loc"], "msg": e["msg"]} for e in exc.errors()]
        raise ValidationError(errors) from exc
    # More than MAX_RECORDS rows is a 422 from the schema (`readings` maxItems).
    records = [r.model_dump() for r in payload.readings]
    return _to_out(readings_import_records(actor=user, records=records))


def _check_csv_body(text: str) -> None:
    """The body's shape as the OpenAPI document states it (CSV_HEADER, CSV_BODY)."""
    if not re.match(CSV_HEADER, text):
        raise DomainError(
            "metering.csv.bad_header",
            "CSV 第 1 行应为表头 meter,ts,kwh 或 meter,ts,kwh,quality",
            field="body",
        )
    if not re.fullmatch(CSV_BODY, text):
        rows = text.split("\n")
        line = next(
            (n for n, row in enumerate(rows, 1) if re.search(r"[\x00-\x1f\x7f-\x9f]", row[:-1])),
            len(rows),  # only a carriage return at the very end is left
        )
        raise DomainError(
            "metering.csv.control_characters",
            f"CSV 第 {line} 行含有控制字符（或单独的回车符），不是可读的文本行",
            field="body",
        )
