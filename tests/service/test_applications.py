"""Business applications: workflows from workflows.toml, step deadlines per SLA preset on the
real calendar, steps strictly in order, waiting for the customer, documents still missing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.service import workflows
from gridcare.service.application_selectors import (
    application_missing_documents,
    application_progress,
)
from gridcare.service.choices import ApplicationKind, StepState
from gridcare.service.models import Application, ApplicationStep, Attachment, WorkOrder
from gridcare.service.services.applications import (
    application_step_complete,
    application_step_resume,
    application_step_wait,
    application_submit,
    working_deadline,
)
from gridcare.service.services.sla import sla_policy_use
from gridcare.service.services.uploads import Upload, attachment_add
from gridcare.testing.personas import ACCOUNT_A, ACCOUNT_B, ACCOUNT_C, World

from .uploads_support import EXE, image_bytes, pdf_bytes, stored_files
from .uploads_support import upload_root as upload_root

CN = dt.timezone(dt.timedelta(hours=8))
COUNTER = {"queue_number": "A012", "wait_seconds": 300, "service_seconds": 420}
FRIDAY = dt.datetime(2025, 3, 7, 10, 0, tzinfo=CN)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), CN)


def use_preset(code: str) -> None:
    sla_policy_use(actor=None, code=code)


def submit(world: World, kind: str = "new_residential", **kwargs: Any) -> Application:
    defaults: dict[str, Any] = {
        "actor": world.users["alice"],
        "kind": kind,
        "account_number": ACCOUNT_A,
        "data": {"address": "广州市天河区华师路 12 号 3 栋 502"},
    }
    return application_submit(**(defaults | kwargs))


def steps(application: Application) -> list[tuple[str, str]]:
    return list(application.steps.order_by("position").values_list("code", "state"))


def step(application: Application, code: str) -> ApplicationStep:
    return application.steps.get(code=code)


# --- The workflows as data ---


def test_every_kind_has_a_workflow_with_limits_under_both_presets() -> None:
    for kind in ApplicationKind.values:
        flow = workflows.workflow(kind)
        assert flow.steps[0].code == "accept", kind
        for spec in flow.steps:
            if not spec.customer:
                assert spec.limits.keys() >= {"sgcc_2023", "csg"}, (kind, spec.code)


def test_the_high_voltage_workflow_has_the_five_sg186_nodes_and_meets_the_2023_total() -> None:
    flow = workflows.workflow("new_hv_single")
    codes = [s.code for s in flow.steps]
    assert codes == [
        "accept",
        "supply_plan",
        "design_review",
        "customer_construction",
        "mid_inspection",
        "completion_inspection",
        "meter_connection",
    ]
    # SGCC 2023 (domain-facts §1.4 item 6): utility-side total ≤ 22 working days after
    # acceptance; the customer's construction does not count.
    assert sum(s.limit("sgcc_2023") or 0 for s in flow.steps[1:]) == 22
    assert flow.step("customer_construction").customer  # type: ignore[union-attr]


def test_meter_calibration_gives_its_result_within_five_working_days() -> None:
    result = workflows.workflow("meter_calibration").step("calibration_result")
    assert result is not None
    assert (result.limit("sgcc_2023"), result.limit("csg")) == (5, 5)


# --- Deadlines ---


@pytest.mark.parametrize(
    ("preset", "deadline"),
    [("sgcc_2023", dt.date(2025, 3, 12)), ("csg", dt.date(2025, 3, 11))],
)
def test_a_residential_connection_accepted_on_a_friday_gets_its_supply_plan_deadline_per_preset(
    world: World, preset: str, deadline: dt.date
) -> None:
    use_preset(preset)
    with time_machine.travel(FRIDAY, tick=False):
        application = submit(world)
        # The accept step: one working day, the Friday itself not counted → Monday.
        assert step(application, "accept").deadline_at == end_of(dt.date(2025, 3, 10))
        application_step_complete(
            actor=world.users["clerk_s1"], number=application.order.number, step_code="accept"
        )

    supply = step(application, "supply_plan")
    assert supply.state == StepState.ACTIVE
    # sgcc_2023: 3 working days (Mon, Tue, Wed); csg: 2 (Mon, Tue). The weekend is skipped.
    assert supply.deadline_at == end_of(deadline)
    assert supply.provisional is False
    assert application.data["preset"] == preset


@pytest.mark.django_db
def test_deadlines_skip_national_day_and_count_its_make_up_saturday() -> None:
    # 2025: 1–8 October off, Saturday 11 October a working day (domain-facts §6).
    accepted = dt.datetime(2025, 9, 30, 16, 0, tzinfo=CN)
    assert working_deadline(accepted_at=accepted, working_days=2).at == end_of(
        dt.date(2025, 10, 10)
    )
    assert working_deadline(accepted_at=accepted, working_days=3).at == end_of(
        dt.date(2025, 10, 11)
    )


def test_a_deadline_in_a_year_the_calendar_does_not_cover_is_provisional(world: World) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 29, 9, 0, tzinfo=CN), tick=False):
        application = submit(world, "meter_calibration", data={})
        assert step(application, "accept").provisional is False
        application_step_complete(
            actor=world.users["clerk_s1"], number=application.order.number, step_code="accept"
        )
    result = step(application, "calibration_result")
    # 2027 has no calendar: the provisional rule (weekends and the statutory holidays, New
    # Year's Day included): Wed 30, Thu 31, Mon 4, Tue 5, Wed 6.
    assert result.provisional is True
    assert result.deadline_at == end_of(dt.date(2027, 1, 6))
    progress = application_progress(application.order)
    assert [s.provisional for s in progress.steps] == [False, True]


# --- Submitting ---


def test_an_application_is_a_service_request_order_with_its_first_step_active(world: World) -> None:
    application = submit(world, capacity_kva="8")
    order = application.order

    assert (order.order_type, order.category.code) == ("service_request", "request.application")  # type: ignore[union-attr]
    assert order.title == "业务申请：居民新装"
    assert order.address == "广州市天河区华师路 12 号 3 栋 502"
    assert steps(application) == [
        ("accept", "active"),
        ("supply_plan", "pending"),
        ("meter_connection", "pending"),
    ]
    assert application.capacity_kva == Decimal("8.0")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "teleportation"}, "service.application.bad_kind"),
        (
            {"kind": "new_low_voltage", "capacity_kva": None},
            "service.application.capacity_required",
        ),
        ({"kind": "new_low_voltage", "capacity_kva": "-5"}, "service.application.bad_capacity"),
        ({"kind": "new_low_voltage", "capacity_kva": "abc"}, "service.application.bad_capacity"),
        (
            {"kind": "name_transfer", "capacity_kva": "10", "data": {"new_holder_name": "王五"}},
            "service.application.capacity_not_applicable",
        ),
        ({"data": {}}, "service.application.field_required"),
        ({"data": {"address": "x", "colour": "blue"}}, "service.application.unknown_field"),
        ({"data": {"address": "x" * 201}}, "service.application.field_too_long"),
        (
            {"kind": "capacity_increase", "capacity_kva": "8", "data": {}},
            "service.application.capacity_not_increased",
        ),
        (
            {"kind": "capacity_decrease", "capacity_kva": "12", "data": {}},
            "service.application.capacity_not_decreased",
        ),
        ({"account_number": ""}, "service.application.account_required"),
        ({"account_number": ACCOUNT_B}, "service.account.not_found"),
    ],
)
def test_bad_applications_are_refused_with_a_code_and_store_nothing(
    world: World, kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        submit(world, **kwargs)

    assert refused.value.code == code
    assert WorkOrder.objects.count() == 0
    assert Application.objects.count() == 0


def test_a_bad_document_in_an_application_stores_neither_the_order_nor_any_file(
    world: World, upload_root: Path
) -> None:
    documents = [
        ("id_card", Upload("id.jpg", image_bytes("JPEG"), "image/jpeg")),
        ("property_proof", Upload("deed.pdf", EXE, "application/pdf")),
    ]
    with pytest.raises(DomainError) as refused:
        submit(world, documents=documents)

    assert refused.value.code == "service.upload.executable"
    assert WorkOrder.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(upload_root) == []


# --- Steps in order ---


def test_a_step_out_of_order_is_refused_and_changes_nothing(world: World) -> None:
    application = submit(world)
    clerk = world.users["clerk_s1"]

    with pytest.raises(Conflict) as refused:
        application_step_complete(
            actor=clerk, number=application.order.number, step_code="meter_connection"
        )

    assert refused.value.code == "service.application.out_of_order"
    assert refused.value.data["current"] == "accept"
    assert "受理" in refused.value.message
    assert steps(application)[0] == ("accept", "active")
    with pytest.raises(NotFound):
        application_step_complete(actor=clerk, number=application.order.number, step_code="nope")


def test_a_step_completed_twice_is_refused(world: World) -> None:
    application = submit(world)
    clerk, number = world.users["clerk_s1"], application.order.number
    application_step_complete(actor=clerk, number=number, step_code="accept")

    with pytest.raises(Conflict) as refused:
        application_step_complete(actor=clerk, number=number, step_code="accept")
    assert refused.value.code == "service.application.step_done"


def test_customers_cannot_move_steps_and_other_units_do_not_see_the_application(
    world: World,
) -> None:
    number = submit(world).order.number
    for name, error in [
        ("alice", PermissionDeniedError),
        ("analyst", PermissionDeniedError),
        ("bob", NotFound),
        ("agent_s2", NotFound),
        ("crew", NotFound),
    ]:
        with pytest.raises(error):
            application_step_complete(actor=world.users[name], number=number, step_code="accept")
    assert steps(Application.objects.get())[0] == ("accept", "active")


def test_a_low_voltage_connection_runs_to_the_end_and_pauses_for_the_customers_works(
    world: World,
) -> None:
    application = submit(world, "new_low_voltage", capacity_kva="50")
    number, clerk = application.order.number, world.users["clerk_s1"]

    application_step_complete(actor=clerk, number=number, step_code="accept")
    application_step_complete(
        actor=clerk, number=number, step_code="supply_plan", note="方案已答复"
    )

    construction = step(application, "customer_construction")
    assert construction.state == StepState.WAITING
    assert construction.deadline_at is None
    assert WorkOrder.objects.get().waiting_since is not None

    application_step_complete(actor=clerk, number=number, step_code="customer_construction")
    assert WorkOrder.objects.get().waiting_since is None
    assert step(application, "meter_connection").state == StepState.ACTIVE

    # The clerk who completed the first step took the order (接单); the last step resolves it.
    assert WorkOrder.objects.get().assignee == clerk
    application_step_complete(actor=clerk, number=number, step_code="meter_connection")

    order = WorkOrder.objects.get()
    assert order.state == "return_visit"  # resolved, and the return visit opened
    assert [s for _, s in steps(application)] == ["done"] * 4
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds.count("step_done") == 4
    assert kinds.count("pause") == kinds.count("resume") == 1


def test_a_step_waiting_for_the_customer_keeps_its_unused_working_days(world: World) -> None:
    clerk = world.users["clerk_s1"]
    with time_machine.travel(FRIDAY, tick=False):
        application = submit(world)
        number = application.order.number
        application_step_complete(actor=clerk, number=number, step_code="accept")
    # sgcc_2023: supply plan due Wednesday 12 March. Waiting from Monday 10 (the Monday is
    # used) to Monday 17 March leaves Tuesday and Wednesday: due Wednesday 19 March.
    with time_machine.travel(dt.datetime(2025, 3, 10, 9, 0, tzinfo=CN), tick=False):
        application_step_wait(
            actor=clerk, number=number, step_code="supply_plan", note="缺产权证明"
        )
    assert step(application, "supply_plan").state == StepState.WAITING
    progress = application_progress(application.order)
    assert progress.steps[1].waiting_for_customer is True
    with pytest.raises(Conflict):
        application_step_wait(actor=clerk, number=number, step_code="supply_plan")

    with time_machine.travel(dt.datetime(2025, 3, 17, 9, 0, tzinfo=CN), tick=False):
        application_step_resume(actor=clerk, number=number, step_code="supply_plan")

    supply = step(application, "supply_plan")
    assert supply.state == StepState.ACTIVE
    assert supply.deadline_at == end_of(dt.date(2025, 3, 19))
    assert WorkOrder.objects.get().waiting_since is None


# --- Documents ---


def test_missing_documents_are_listed_then_cleared_by_uploads(world: World) -> None:
    application = submit(world)
    assert application_missing_documents(application) == ["id_card", "property_proof"]

    attachment_add(
        actor=world.users["alice"],
        number=application.order.number,
        kind="property_proof",
        upload=Upload("房产证.pdf", pdf_bytes(), "application/pdf"),
    )
    assert application_missing_documents(application) == ["id_card"]

    attachment_add(
        actor=world.users["alice"],
        number=application.order.number,
        kind="id_card",
        upload=Upload("身份证.png", image_bytes("PNG"), "image/png"),
    )
    assert application_missing_documents(application) == []
    assert application_progress(application.order).missing_documents == []


def test_an_organization_must_also_give_its_business_licence(world: World) -> None:
    application = application_submit(
        actor=world.users["agent_s2"],
        kind="capacity_increase",
        account_number=ACCOUNT_C,
        capacity_kva=Decimal("100"),
        contact_data=COUNTER,
    )
    assert application.order.origin == "business_hall"
    assert application_missing_documents(application) == ["id_card", "business_licence"]
