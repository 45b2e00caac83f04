"""Request and response shapes of /api/v1/service/applications and order attachments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from annotated_types import Ge, Le
from ninja import Field, Schema
from pydantic import StringConstraints

from gridcare.core.schemas import StrictIn
from gridcare.service.choices import ApplicationKind, DocumentKind

KindCode = Literal[tuple(ApplicationKind.values)]  # type: ignore[valid-type]
DocumentCode = Literal[tuple(DocumentKind.values)]  # type: ignore[valid-type]
Note = Annotated[str, StringConstraints(max_length=1000)]


class ApplicationIn(StrictIn):
    kind: KindCode = Field(description="service.choices.ApplicationKind")  # type: ignore[valid-type]
    account_number: Annotated[str, StringConstraints(max_length=20)] = Field(
        "", description="户号: customers give one of their bound accounts"
    )
    customer_id: Annotated[int, Ge(1), Le(2**63 - 1)] | None = Field(
        None, description="Staff at the counter may name the customer instead of an account"
    )
    capacity_kva: Annotated[Decimal, Ge(0), Le(1_000_000)] | None = Field(
        None, description="Applied capacity in kVA (where the kind asks for it)"
    )
    interaction_id: Annotated[int, Ge(1), Le(2**63 - 1)] | None = Field(
        None, description="Staff: the counter visit or call this application came from"
    )
    contact_data: dict[str, str | int] = Field(
        default_factory=dict,
        description="Staff at the counter without a recorded visit: queue_number, "
        "wait_seconds, service_seconds (customers.timeline CHANNEL_DATA)",
    )
    data: dict[str, Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=dict,
        description="The kind's facts (workflows.toml `fields`, e.g. `address`) and `note`",
    )


class StepActionIn(StrictIn):
    note: Note = ""


class StepOut(Schema):
    code: str
    name: str
    state: str = Field(description="pending | active | waiting | done")
    limit_working_days: int | None
    started_at: dt.datetime | None
    deadline_at: dt.datetime | None
    provisional: bool = Field(description="The deadline rests on a year without a calendar")
    completed_at: dt.datetime | None
    waiting_for_customer: bool
    overdue: bool


class AttachmentOut(Schema):
    id: int
    kind: DocumentCode  # type: ignore[valid-type]
    original_name: str
    content_type: str
    size: int = Field(description="bytes")
    sha256: str
    uploaded_at: dt.datetime


class ApplicationOut(Schema):
    number: str
    kind: KindCode  # type: ignore[valid-type]
    kind_name: str
    order_state: str
    capacity_kva: Decimal | None
    current_step: str | None
    steps: list[StepOut]
    missing_documents: list[DocumentCode]  # type: ignore[valid-type]
    attachments: list[AttachmentOut]
