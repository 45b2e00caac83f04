"""Business applications (业扩报装 and other service requests) as multi-step workflows.

An application is a service-request order (category `request.application`) plus an
`Application` and its `ApplicationStep`s, laid out from data/workflows.toml
(`service.workflows`). Steps run strictly in order; exactly one is current (active, or
waiting for the customer) until the last is done, which resolves the order.

1. `application_submit` checks everything (kind, account, capacity, facts, documents)
   and creates the order through `order_create`, the steps, and the documents, in one
   transaction (`files_atomic`: a refusal stores neither rows nor files).
2. A step's deadline: `working_deadline` of its limit under the SLA preset in use, from
   the moment it became active (domain-facts §1, §6).
3. `application_step_complete` (staff) refuses a step out of order (409), activates the
   next step; a customer step (their contractor builds, they sign) pauses the order's
   clocks through `order_act("pause")` until staff complete it.
4. `application_step_wait` / `application_step_resume`: a utility step waits for the
   customer (a missing document); on resume its deadline moves by the working days lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation

from gridcare.core.errors import (
    ConcurrentChange,
    Conflict,
    DomainError,
    NotFound,
    PermissionDeniedError,
)
from gridcare.core.models import User
from gridcare.service import lifecycle as table
from gridcare.service import workflows
from gridcare.service.choices import (
    CLOSED_STATES,
    ApplicationKind,
    EventKind,
    OrderState,
    StepState,
)
from gridcare.service.models import (
    Application,
    ApplicationStep,
    SlaPolicy,
    WorkOrder,
    WorkOrderEvent,
)
from gridcare.service.selectors import order_get_for_user
from gridcare.service.services import hooks
from gridcare.service.services.clock_time import (
    add_working_time,
    working_deadline,
    working_time_between,
)
from gridcare.service.services.intake import OrderDraft, order_create
from gridcare.service.services.lifecycle import order_act
from gridcare.service.services.uploads import Upload, attachment_add, files_atomic

WORK = "service.work_workorder"
#: States in which completing a step first takes the order.
UNTAKEN = frozenset({OrderState.ACCEPTED, OrderState.DISPATCHED})
CATEGORY = "request.application"
CAPACITY_MAX_KVA = Decimal("1000000")
FIELD_MAX = 200
NOTE_MAX = 1000

Document = tuple[str, UploadedFile | Upload]


def sla_preset() -> str:
    """The code of the SLA policy in use (`sgcc_2023`, `csg` …), else the file's default."""
    code = SlaPolicy.objects.filter(in_use=True).values_list("code", flat=True).first()
    return code or workflows.default_preset()


def kind_name(kind: str) -> str:
    """The kind's Chinese name, as stored in the order's title (the UI translates)."""
    with translation.override("zh-hans"):
        return str(ApplicationKind(kind).label)


# --- Submitting ---
def application_submit(
    *,
    actor: User,
    kind: str,
    account_number: str = "",
    customer_id: int | None = None,
    capacity_kva: Decimal | str | None = None,
    data: dict[str, Any] | None = None,
    documents: Sequence[Document] = (),
    origin: str = "",
    interaction_id: int | None = None,
    contact_data: dict[str, Any] | None = None,
) -> Application:
    """Apply for `kind` for an account (customers: one of their bound accounts; staff at
    the counter may name a customer instead). `data` holds the kind's facts (workflows.toml
    `fields`, e.g. `address`) and an optional `note`; `documents` are (kind, file) pairs.

    The origin is the portal ("web") for customers and the business hall for staff, whose
    counter visit lands on the timeline: pass the visit (`interaction_id`) or its counter
    data (`contact_data`: queue_number, wait_seconds, service_seconds), as `order_create`
    asks of every counter order."""
    if kind not in ApplicationKind.values:
        raise DomainError("service.application.bad_kind", "未知的业务类型", field="kind")
    if actor.is_customer and not account_number:
        raise DomainError(
            "service.application.account_required", "请选择户号", field="account_number"
        )
    flow = workflows.workflow(kind)
    capacity = _capacity(flow, capacity_kva)
    fields, note = _facts(flow, data or {})
    draft = OrderDraft(
        order_type="service_request",
        origin=origin or ("web" if actor.is_customer else "business_hall"),
        title=f"业务申请：{kind_name(kind)}",
        description=note,
        account_number=account_number,
        customer_id=customer_id,
        category_code=CATEGORY,
        address=fields.get("address", ""),
        data={"application_kind": kind},
        # A customer's own application is a portal contact; counter data is staff's to give.
        interaction_id=None if actor.is_customer else interaction_id,
        contact_data={} if actor.is_customer else (contact_data or {}),
    )
    preset = sla_preset()
    with files_atomic():
        order = order_create(actor=actor, draft=draft)
        _check_capacity_change(kind, capacity, order)
        application = Application.objects.create(
            order=order,
            kind=kind,
            capacity_kva=capacity,
            data={"preset": preset, "fields": fields, "note": note},
        )
        ApplicationStep.objects.bulk_create(
            ApplicationStep(
                application=application,
                position=position,
                code=spec.code,
                limit_working_days=spec.limit(preset),
            )
            for position, spec in enumerate(flow.steps)
        )
        _activate(actor, application, application.steps.get(position=0))
        for doc_kind, upload in documents:
            attachment_add(actor=actor, number=order.number, kind=doc_kind, upload=upload)
    return application


def _capacity(flow: workflows.Workflow, raw: Decimal | str | None) -> Decimal | None:
    if raw in (None, ""):
        if flow.capacity == "required":
            raise DomainError(
                "service.application.capacity_required",
                "请填写申请容量（kVA）",
                field="capacity_kva",
            )
        return None
    if flow.capacity == "none":
        raise DomainError(
            "service.application.capacity_not_applicable",
            "该业务无需填写容量",
            field="capacity_kva",
        )
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.1"))
    except InvalidOperation as exc:
        raise _bad_capacity() from exc
    if not value.is_finite() or value <= 0 or value > CAPACITY_MAX_KVA:
        raise _bad_capacity()
    return value


def _bad_capacity() -> DomainError:
    return DomainError(
        "service.application.bad_capacity",
        f"容量须为大于 0、不超过 {CAPACITY_MAX_KVA} 的数字（kVA）",
        field="capacity_kva",
    )


def _check_capacity_change(kind: str, capacity: Decimal | None, order: WorkOrder) -> None:
    """An increase must go above the contracted capacity, a decrease below it."""
    current = order.account.contracted_capacity_kva if order.account else None
    if capacity is None or current is None:
        return
    if kind == ApplicationKind.CAPACITY_INCREASE and capacity <= current:
        raise DomainError(
            "service.application.capacity_not_increased",
            f"增容后的容量须大于现有合同容量 {current} kVA",
            field="capacity_kva",
        )
    if kind == ApplicationKind.CAPACITY_DECREASE and capacity >= current:
        raise DomainError(
            "service.application.capacity_not_decreased",
            f"减容后的容量须小于现有合同容量 {current} kVA",
            field="capacity_kva",
        )


def _facts(flow: workflows.Workflow, data: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The kind's declared facts (all required) and the free note; anything else is refused."""
    known = {spec.code: spec for spec in flow.fields}
    if unknown := sorted(set(data) - set(known) - {"note"}):
        raise DomainError(
            "service.application.unknown_field", f"该业务没有字段 {unknown[0]}", field=unknown[0]
        )
    facts: dict[str, str] = {}
    for code, spec in known.items():
        value = data.get(code)
        if not isinstance(value, str) or not value.strip():
            raise DomainError(
                "service.application.field_required", f"请填写{spec.name.zh}", field=code
            )
        if len(value) > FIELD_MAX:
            raise DomainError(
                "service.application.field_too_long",
                f"{spec.name.zh}不能超过 {FIELD_MAX} 字",
                field=code,
            )
        facts[code] = value.strip()
    note = data.get("note") or ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise DomainError(
            "service.application.note_too_long", f"备注不能超过 {NOTE_MAX} 字", field="note"
        )
    return facts, note.strip()


# --- Moving through the steps ---
def _activate(actor: User, application: Application, step: ApplicationStep) -> None:
    """Start `step`: a utility step gets its deadline, a customer step pauses the order."""
    now = timezone.now()
    step.started_at = now
    if step.limit_working_days is None:
        step.state = StepState.WAITING
        step.save(update_fields=["state", "started_at"])
        name = _spec(application, step.code).name.zh
        order_act(
            actor=actor, number=application.order.number, action="pause", note=f"等待客户：{name}"
        )
        return
    deadline = working_deadline(accepted_at=now, working_days=step.limit_working_days)
    step.state = StepState.ACTIVE
    step.deadline_at, step.provisional = deadline.at, deadline.provisional
    step.save(update_fields=["state", "started_at", "deadline_at", "provisional"])


def _spec(application: Application, code: str) -> workflows.StepSpec:
    spec = workflows.workflow(application.kind).step(code)
    if spec is None:  # the file lost a step that running applications still have
        return workflows.StepSpec(code, workflows.Name(code, code), {}, "", customer=False)
    return spec


def _staff_application(actor: User, number: str) -> Application:
    """The application of order `number`, for staff who may work it (404 outside scope)."""
    order = order_get_for_user(user=actor, number=number)
    if actor.is_customer or not actor.has_perm(WORK):
        raise PermissionDeniedError("service.application.forbidden", "您没有权限办理该业务")
    application = Application.objects.filter(order=order).select_related("order").first()
    if application is None:
        raise NotFound("service.application.not_found", "该工单不是业务申请", field="number")
    if order.state in CLOSED_STATES:
        raise Conflict("service.application.closed", "该申请已结束")
    return application


def _current_step(application: Application, step_code: str) -> ApplicationStep:
    """`step_code` if it is the application's current step; otherwise a clear refusal."""
    steps = list(application.steps.order_by("position"))
    step = next((s for s in steps if s.code == step_code), None)
    if step is None:
        raise NotFound("service.application.step_not_found", "该申请没有此环节", field="step")
    current = next((s for s in steps if s.state != StepState.DONE), None)
    if step.state == StepState.DONE:
        raise Conflict("service.application.step_done", "该环节已完成", step=step.code)
    if current is not None and current.pk != step.pk:
        name = _spec(application, current.code).name.zh
        raise Conflict(
            "service.application.out_of_order",
            f"请先完成当前环节「{name}」",
            step=step.code,
            current=current.code,
        )
    return step


def _next_step(application: Application, step: ApplicationStep) -> ApplicationStep | None:
    return application.steps.filter(position__gt=step.position).order_by("position").first()


def application_step_complete(
    *, actor: User, number: str, step_code: str, note: str = ""
) -> Application:
    """Staff record that the current step is done; the next one starts. The last step
    resolves the order. The member of staff who completes a step of an order nobody has
    taken yet takes it (接单): a desk application needs no field team."""
    with transaction.atomic():
        application = _staff_application(actor, number)
        step = _current_step(application, step_code)
        following = _next_step(application, step)
        if application.order.state in UNTAKEN:
            order_act(actor=actor, number=number, action="take", note=note)
            application.order.refresh_from_db()
        order = application.order
        if (
            following is None
            and table.target_state("resolve", state=order.state, is_repair=False) is None
        ):
            allowed = table.allowed_actions(state=order.state, is_repair=False)
            raise Conflict(
                "service.application.order_not_taken",
                "完成最后一个环节前，工单须已派单并由经办人接单",
                state=order.state,
                allowed=allowed,
            )
        if step.state == StepState.WAITING:
            order_act(actor=actor, number=number, action="resume", note=note)
        _step_set(step, {StepState.ACTIVE, StepState.WAITING}, StepState.DONE, actor, note)
        _record(actor, order, EventKind.STEP_DONE, note, step=step.code)
        if following is not None:
            _activate(actor, application, following)
        else:
            order_act(actor=actor, number=number, action="resolve", note=note or "业务办结")
    return application


def application_step_wait(
    *, actor: User, number: str, step_code: str, note: str = ""
) -> Application:
    """The current step cannot go on without the customer (a missing or unreadable
    document): it waits, and the order's clocks pause (order_act "pause")."""
    with transaction.atomic():
        application = _staff_application(actor, number)
        step = _current_step(application, step_code)
        if step.state != StepState.ACTIVE:
            raise Conflict("service.application.already_waiting", "该环节已在等待客户")
        _step_set(step, {StepState.ACTIVE}, StepState.WAITING, actor, note)
        order_act(actor=actor, number=number, action="pause", note=note or "等待客户补充资料")
    return application


def application_step_resume(
    *, actor: User, number: str, step_code: str, note: str = ""
) -> Application:
    """The customer did their part: the step goes on and its deadline moves by the working
    days it waited (the day the wait began counts as used)."""
    with transaction.atomic():
        application = _staff_application(actor, number)
        step = _current_step(application, step_code)
        if step.state != StepState.WAITING or step.limit_working_days is None:
            raise Conflict("service.application.not_waiting", "该环节未在等待客户，或须由办结完成")
        waited_from = application.order.waiting_since or timezone.now()
        order_act(actor=actor, number=number, action="resume", note=note)
        _step_set(step, {StepState.WAITING}, StepState.ACTIVE, actor, note)
        _step_deadline_extend(step, waited_from=waited_from, until=timezone.now())
    return application


def _step_deadline_extend(
    step: ApplicationStep, *, waited_from: dt.datetime, until: dt.datetime
) -> None:
    """Move the step's deadline by the working time spent waiting for the customer (the
    same measure as an SLA clock's pause: rest days cost nothing)."""
    if step.deadline_at is None:
        return
    waited, provisional = working_time_between(waited_from, until)
    deadline, guessed = add_working_time(step.deadline_at, waited)
    ApplicationStep.objects.filter(pk=step.pk).update(
        deadline_at=deadline, provisional=step.provisional or provisional or guessed
    )


def _step_set(
    step: ApplicationStep, sources: set[str], target: str, actor: User, note: str
) -> None:
    """Compare-and-set the step's state: two staff completing one step, one wins."""
    changes: dict[str, Any] = {"state": target}
    if target == StepState.DONE:
        changes |= {"completed_at": timezone.now(), "completed_by": actor, "note": note.strip()}
    updated = ApplicationStep.objects.filter(pk=step.pk, state__in=sources).update(**changes)
    if updated != 1:
        raise ConcurrentChange(
            "service.application.changed_meanwhile", "该环节已被他人处理，请刷新后重试"
        )
    step.state = target


def _record(actor: User, order: WorkOrder, kind: str, note: str, **data: Any) -> None:
    event = WorkOrderEvent.objects.create(
        order=order, kind=kind, actor=actor, note=note.strip(), data=data
    )
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
    hooks.after_event(order=order, event=event)
