"""Reads of business applications and attachments for the portal, the console and the API,
always through the order's scope (`order_get_for_user`: 404 outside it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from gridcare.core.errors import NotFound
from gridcare.core.models import User
from gridcare.customers.choices import CustomerKind
from gridcare.service import workflows
from gridcare.service.choices import ApplicationKind, DocumentKind, StepState
from gridcare.service.models import Application, ApplicationStep, Attachment, WorkOrder
from gridcare.service.selectors import order_get_for_user, orders_visible_to


@dataclass(frozen=True)
class StepView:
    code: str
    name: str
    state: str
    limit_working_days: int | None
    started_at: dt.datetime | None
    deadline_at: dt.datetime | None
    provisional: bool
    completed_at: dt.datetime | None
    #: The step is the customer's to do (their contractor, a signature, a payment) or is
    #: waiting for something from them.
    waiting_for_customer: bool
    overdue: bool


@dataclass(frozen=True)
class ApplicationProgress:
    order: WorkOrder
    application: Application
    kind_name: str
    steps: list[StepView]
    missing_documents: list[DocumentKind]
    attachments: list[Attachment]
    #: The facts the applicant gave, labelled in the reader's language.
    facts: list[tuple[str, str]]

    @property
    def current(self) -> StepView | None:
        return next((s for s in self.steps if s.state != StepState.DONE), None)


@dataclass(frozen=True)
class KindInfo:
    """What the 业务办理 page shows for one kind: its steps and what it asks for."""

    kind: str
    name: str
    capacity: str
    fields: list[tuple[str, str]]
    documents: list[DocumentKind]
    documents_if_organization: list[DocumentKind]
    steps: list[str]


def _language() -> str:
    return get_language() or "zh-hans"


def application_kinds() -> list[KindInfo]:
    """Every kind with its steps and the documents it needs, in ApplicationKind order."""
    language = _language()
    infos = []
    for kind in ApplicationKind:
        flow = workflows.workflow(kind.value)
        infos.append(
            KindInfo(
                kind=kind.value,
                name=str(kind.label),
                capacity=flow.capacity,
                fields=[(f.code, f.name.text(language)) for f in flow.fields],
                documents=[DocumentKind(d) for d in flow.documents],
                documents_if_organization=[DocumentKind(d) for d in flow.documents_if_organization],
                steps=[s.name.text(language) for s in flow.steps],
            )
        )
    return infos


def application_kind_info(kind: str) -> KindInfo:
    found = next((info for info in application_kinds() if info.kind == kind), None)
    if found is None:
        raise NotFound("service.application.bad_kind", "未知的业务类型", field="kind")
    return found


def application_missing_documents(application: Application) -> list[DocumentKind]:
    """The documents the kind requires (more for organizations) that the order lacks."""
    flow = workflows.workflow(application.kind)
    customer = application.order.customer
    organization = customer is not None and customer.kind == CustomerKind.ORGANIZATION
    present = set(application.order.attachments.values_list("kind", flat=True))
    return [
        DocumentKind(d) for d in flow.documents_for(organization=organization) if d not in present
    ]


def _step_view(application: Application, step: ApplicationStep, now: dt.datetime) -> StepView:
    spec = workflows.workflow(application.kind).step(step.code)
    name = spec.name.text(_language()) if spec else step.code
    customer_step = step.limit_working_days is None
    return StepView(
        code=step.code,
        name=name,
        state=step.state,
        limit_working_days=step.limit_working_days,
        started_at=step.started_at,
        deadline_at=step.deadline_at,
        provisional=step.provisional,
        completed_at=step.completed_at,
        waiting_for_customer=step.state == StepState.WAITING
        or (customer_step and step.state != StepState.DONE),
        overdue=step.state == StepState.ACTIVE
        and step.deadline_at is not None
        and now > step.deadline_at,
    )


def application_progress(order: WorkOrder) -> ApplicationProgress:
    """The application behind `order` as its customer or staff see it: each step with its
    state and deadline (provisional when the calendar did not cover the year), and the
    documents still missing. `order` comes from a scoped read (`order_get_for_user`)."""
    application = Application.objects.filter(order=order).first()
    if application is None:
        raise NotFound("service.application.not_found", "该工单不是业务申请", field="number")
    application.order = order
    now = timezone.now()
    steps = [_step_view(application, step, now) for step in application.steps.all()]
    flow = workflows.workflow(application.kind)
    given = application.data.get("fields", {})
    facts = [(f.name.text(_language()), given.get(f.code, "")) for f in flow.fields]
    return ApplicationProgress(
        order=order,
        application=application,
        kind_name=str(ApplicationKind(application.kind).label),
        steps=steps,
        missing_documents=application_missing_documents(application),
        attachments=list(order.attachments.select_related("uploaded_by")),
        facts=facts,
    )


def application_progress_for_user(*, user: User, number: str) -> ApplicationProgress:
    return application_progress(order_get_for_user(user=user, number=number))


def applications_of_user(user: User) -> QuerySet[Application]:
    """The applications on orders `user` may see, newest first."""
    orders = orders_visible_to(user)
    return (
        Application.objects.filter(order__in=orders.values("pk"))
        .select_related("order")
        .order_by("-order__created_at", "-pk")
    )


def attachments_for_user(*, user: User, number: str) -> QuerySet[Attachment]:
    order = order_get_for_user(user=user, number=number)
    return order.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk")


def attachment_get_for_user(*, user: User, number: str, attachment_id: int) -> Attachment:
    """One attachment of an order in the reader's scope; 404 for anything else."""
    attachment = attachments_for_user(user=user, number=number).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("service.attachment.not_found", "附件不存在", field="attachment_id")
    return attachment
