"""On a phone (390×844): the crew photographs the repair from the crew page and sees the
photo listed; the manager opens an SLA escalation from 我的提醒 and it is marked read.
Screenshots go to var/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gridcare.notify.models import StaffNotice
from gridcare.service.models import Attachment
from gridcare.service.services import order_act
from gridcare.service.services.sla_escalation import sla_sweep
from gridcare.testing.personas import World
from tests.e2e.test_orders_console import no_sideways_scroll, open_as, shoot
from tests.service.sla_support import bj, new_order
from tests.service.uploads_support import image_bytes

pytestmark = pytest.mark.e2e
__all__ = ["open_as"]


def test_the_crew_uploads_a_photo_on_a_phone(
    live_world: World, open_as, tmp_path: Path, settings
) -> None:
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    order = new_order(live_world, "fault_repair", bj(2025, 3, 5, 10, 0))
    order_act(
        actor=live_world.users["dispatcher"],
        number=order.number,
        action="dispatch",
        team_id=live_world.team_1.pk,
    )
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(image_bytes("JPEG", (640, 480)))
    page = open_as("crew", phone=True)
    page.goto(page.url + f"crew/{order.number}/")
    page.get_by_test_id("crew-photo-input").set_input_files(str(photo))
    page.get_by_test_id("crew-photo-upload").click()
    expect(page.get_by_test_id("crew-photo")).to_have_count(1)
    expect(page.get_by_test_id("crew-photo")).to_contain_text("现场.jpg")
    assert Attachment.objects.get().kind == "resolution_photo"
    no_sideways_scroll(page)
    shoot(page, "crew-order-photo-phone")


def test_the_manager_opens_an_escalation_from_my_notices_on_a_phone(
    live_world: World, open_as
) -> None:
    order = new_order(live_world, "fault_repair", bj(2025, 3, 5, 10, 0))
    sla_sweep(now=bj(2025, 3, 5, 10, 46))
    page = open_as("manager", phone=True)
    page.goto(page.url + "notices/")
    expect(page.get_by_test_id("notice")).to_have_count(1)
    expect(page.get_by_test_id("notice")).to_contain_text(order.number)
    no_sideways_scroll(page)
    shoot(page, "console-notices-phone")
    page.get_by_test_id("notice-open").click()
    expect(page).to_have_url(re.compile(rf"/console/orders/{order.number}/$"))
    assert StaffNotice.objects.get().read_at is not None
