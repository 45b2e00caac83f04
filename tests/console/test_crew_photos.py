"""The crew phone page's photos: uploaded from the phone's camera, checked by content,
listed with a download link in the console; another team's crew gets 404."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridcare.core.services import org_unit_create
from gridcare.service.models import Attachment
from gridcare.service.services import order_act
from gridcare.testing.personas import World
from tests.console.test_orders_pages import repair
from tests.service.uploads_support import image_bytes, stored_files, upload_root

__all__ = ["upload_root"]


def dispatched(world: World, team_id: int | None = None) -> str:
    number = repair(world)
    order_act(
        actor=world.users["admin"],
        number=number,
        action="dispatch",
        team_id=team_id or world.team_1.pk,
    )
    return number


def test_the_crew_uploads_a_photo_and_sees_it_listed(
    world: World, client_for, upload_root: Path
) -> None:
    number = dispatched(world)
    crew = client_for("crew")
    page = crew.get(f"/console/crew/{number}/").content.decode()
    assert 'accept="image/*"' in page
    assert 'capture="environment"' in page
    png = image_bytes("PNG")
    photo = SimpleUploadedFile("现场.png", png, content_type="image/png")
    response = crew.post(f"/console/crew/{number}/photo/", {"photo": photo})
    assert response.status_code == 302
    attachment = Attachment.objects.get(order__number=number)
    assert (attachment.kind, attachment.uploaded_by) == ("resolution_photo", world.users["crew"])
    assert len(stored_files(upload_root)) == 1
    page = crew.get(f"/console/crew/{number}/").content.decode()
    link = f"/console/orders/{number}/attachments/{attachment.pk}/"
    assert link in page
    assert "现场.png" in page
    download = crew.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == png
    # Outside the reader's scope the download is a 404 like the order itself.
    assert client_for("agent_s2").get(link).status_code == 404


def test_a_renamed_text_file_is_refused_in_chinese_and_nothing_is_stored(
    world: World, client_for, upload_root: Path
) -> None:
    number = dispatched(world)
    fake = SimpleUploadedFile("photo.jpg", "这不是图片\n".encode(), content_type="image/jpeg")
    response = client_for("crew").post(f"/console/crew/{number}/photo/", {"photo": fake})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-code="service.upload.unsupported_type"' in body
    assert "仅支持 JPEG、PNG、WebP、HEIC 图片或 PDF 文档" in body
    assert not Attachment.objects.exists()
    assert stored_files(upload_root) == []


def test_no_file_chosen_is_a_message_not_an_error_page(world: World, client_for) -> None:
    number = dispatched(world)
    response = client_for("crew").post(f"/console/crew/{number}/photo/", {})
    assert response.status_code == 400
    assert 'data-code="service.upload.missing"' in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_crew_of_another_team_gets_404_and_nothing_is_stored(
    world: World, client_for, upload_root: Path
) -> None:
    other_team = org_unit_create(
        actor=None, code="T2", name="石牌二班", kind="team", parent=world.station_1
    )
    number = dispatched(world, team_id=other_team.pk)
    crew = client_for("crew")
    photo = SimpleUploadedFile("a.png", image_bytes("PNG"), content_type="image/png")
    assert crew.post(f"/console/crew/{number}/photo/", {"photo": photo}).status_code == 404
    assert not Attachment.objects.exists()
    assert stored_files(upload_root) == []


def test_anonymous_and_customers_cannot_upload(world: World, client_for) -> None:
    number = dispatched(world)
    assert Client().post(f"/console/crew/{number}/photo/").status_code == 302
    response = client_for("alice").post(f"/console/crew/{number}/photo/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client_for("crew").get(f"/console/crew/{number}/photo/").status_code == 405
