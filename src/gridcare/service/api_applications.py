"""/api/v1/service/applications and /api/v1/service/orders/{number}/attachments: thin
endpoints over service.services.applications / uploads and service.application_selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from annotated_types import Ge, Le
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Path, Router, Status
from ninja.files import UploadedFile
from pydantic import StringConstraints

from gridcare.core.api_support import AUTH, acting_user, require_staff_perm
from gridcare.core.roles import ADD_ORDERS
from gridcare.core.schemas import WRITE_ERRORS
from gridcare.service import application_selectors as selectors
from gridcare.service.application_schemas import (
    ApplicationIn,
    ApplicationOut,
    AttachmentOut,
    DocumentCode,
    StepActionIn,
    StepOut,
)
from gridcare.service.downloads import attachment_response
from gridcare.service.services import applications
from gridcare.service.services.uploads import ACCEPTED, attachment_add

router = Router(tags=["applications"], auth=AUTH)
ERRORS = WRITE_ERRORS
NumberPath = Path[Annotated[str, StringConstraints(max_length=20)]]
StepPath = Path[Annotated[str, StringConstraints(max_length=32)]]
DOWNLOAD_TYPES = sorted({t.content_type for t in ACCEPTED.values()})
AttachmentIdPath = Path[Annotated[int, Ge(1), Le(2**63 - 1)]]


def _out(progress: selectors.ApplicationProgress) -> ApplicationOut:
    current = progress.current
    return ApplicationOut(
        number=progress.order.number,
        kind=progress.application.kind,
        kind_name=progress.kind_name,
        order_state=progress.order.state,
        capacity_kva=progress.application.capacity_kva,
        current_step=current.code if current else None,
        steps=[StepOut(**vars(step)) for step in progress.steps],
        missing_documents=[str(d) for d in progress.missing_documents],
        attachments=[AttachmentOut.from_orm(a) for a in progress.attachments],
    )


def _progress(request: HttpRequest, number: str) -> ApplicationOut:
    user = acting_user(request)
    return _out(selectors.application_progress_for_user(user=user, number=number))


@router.post("/applications", response={201: ApplicationOut, **ERRORS})
def application_create(request: HttpRequest, payload: ApplicationIn) -> Status[ApplicationOut]:
    """Apply for a business service (业扩 new connection, capacity change, name transfer …).
    Customers apply for one of their bound accounts; counter staff for any account or
    customer in scope. The answer lists the steps with their deadlines and the documents
    still missing (upload them to /service/orders/{number}/attachments)."""
    user = acting_user(request)
    if not user.is_customer:
        require_staff_perm(user, ADD_ORDERS)
    application = applications.application_submit(
        actor=user,
        kind=payload.kind,
        account_number=payload.account_number,
        customer_id=payload.customer_id,
        capacity_kva=None if payload.capacity_kva is None else Decimal(str(payload.capacity_kva)),
        data=payload.data.model_dump(exclude_none=True),
        interaction_id=payload.interaction_id,
        contact_data=dict(payload.contact_data),
    )
    return Status(201, _progress(request, application.order.number))


@router.get("/applications/{number}", response={200: ApplicationOut, **ERRORS})
def application_detail(request: HttpRequest, number: NumberPath) -> ApplicationOut:
    """Progress of an application: each step (done / active with its deadline / waiting for
    the customer), whether a deadline is provisional, and the missing documents."""
    return _progress(request, number)


@router.post(
    "/applications/{number}/steps/{code}/complete", response={200: ApplicationOut, **ERRORS}
)
def application_step_complete(
    request: HttpRequest, number: NumberPath, code: StepPath, payload: StepActionIn
) -> ApplicationOut:
    """Staff: the current step is done and the next one starts (409 for any other step).
    Completing the last step resolves the order."""
    applications.application_step_complete(
        actor=acting_user(request), number=number, step_code=code, note=payload.note
    )
    return _progress(request, number)


@router.post("/applications/{number}/steps/{code}/wait", response={200: ApplicationOut, **ERRORS})
def application_step_wait(
    request: HttpRequest, number: NumberPath, code: StepPath, payload: StepActionIn
) -> ApplicationOut:
    """Staff: the current step waits for the customer; the order's clocks pause."""
    applications.application_step_wait(
        actor=acting_user(request), number=number, step_code=code, note=payload.note
    )
    return _progress(request, number)


@router.post("/applications/{number}/steps/{code}/resume", response={200: ApplicationOut, **ERRORS})
def application_step_resume(
    request: HttpRequest, number: NumberPath, code: StepPath, payload: StepActionIn
) -> ApplicationOut:
    """Staff: the customer did their part; the step goes on, its deadline moved by the wait."""
    applications.application_step_resume(
        actor=acting_user(request), number=number, step_code=code, note=payload.note
    )
    return _progress(request, number)


@router.post("/orders/{number}/attachments", response={201: AttachmentOut, **ERRORS})
def attachment_create(
    request: HttpRequest,
    number: NumberPath,
    kind: Form[DocumentCode],  # type: ignore[valid-type]
    file: File[UploadedFile],
) -> Status[AttachmentOut]:
    """Attach a document or photo (multipart: `kind`, `file`). JPEG, PNG, WebP, HEIC or
    PDF, checked by content; the file name's extension and declared type must agree."""
    attachment = attachment_add(actor=acting_user(request), number=number, kind=kind, upload=file)
    return Status(201, AttachmentOut.from_orm(attachment))


@router.get("/orders/{number}/attachments", response={200: list[AttachmentOut], **ERRORS})
def attachment_list(request: HttpRequest, number: NumberPath) -> list[AttachmentOut]:
    found = selectors.attachments_for_user(user=acting_user(request), number=number)
    return [AttachmentOut.from_orm(a) for a in found]


@router.get(
    "/orders/{number}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as a download (Content-Disposition: attachment)",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in DOWNLOAD_TYPES
                },
            }
        }
    },
)
def attachment_download(
    request: HttpRequest, number: NumberPath, attachment_id: AttachmentIdPath
) -> FileResponse:
    """The stored file, served as a download with `X-Content-Type-Options: nosniff`."""
    attachment = selectors.attachment_get_for_user(
        user=acting_user(request), number=number, attachment_id=attachment_id
    )
    return attachment_response(attachment)
