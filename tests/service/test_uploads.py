"""Attachments: the type is decided by the content, the name and declared type must agree
with it, files live under the upload root under random names, and a refusal stores nothing
(no file on disk, no row). Downloads go through the order's scope and never render."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridcare.core.errors import Conflict, DomainError, NotFound, PermissionDeniedError
from gridcare.service.models import Attachment, WorkOrder
from gridcare.service.services import OrderDraft, order_act, order_create
from gridcare.service.services.uploads import Upload, attachment_add, files_atomic
from gridcare.testing.personas import ACCOUNT_A, World

from .uploads_support import EXE, HTML, SVG, image_bytes, pdf_bytes, stored_files
from .uploads_support import upload_root as upload_root

API = "/api/v1/service/orders"


@pytest.fixture
def order(world: World) -> WorkOrder:
    draft = OrderDraft(
        order_type="fault_repair", origin="web", title="家里没电了", account_number=ACCOUNT_A
    )
    return order_create(actor=world.users["alice"], draft=draft)


def add(
    world: World, order: WorkOrder, upload: Any, who: str = "alice", kind: str = "site_photo"
) -> Attachment:
    return attachment_add(actor=world.users[who], number=order.number, kind=kind, upload=upload)


@pytest.mark.parametrize(
    ("name", "content", "declared", "stored_type"),
    [
        ("photo.JPG", image_bytes("JPEG"), "image/jpeg", "image/jpeg"),
        ("photo.jpeg", image_bytes("JPEG"), "image/jpg", "image/jpeg"),
        ("screen.png", image_bytes("PNG"), "image/png", "image/png"),
        ("phone.webp", image_bytes("WEBP"), "image/webp", "image/webp"),
        ("iphone.heic", image_bytes("HEIF"), "image/heic", "image/heic"),
        ("deed.pdf", pdf_bytes(), "application/pdf", "application/pdf"),
        ("no-type", image_bytes("PNG"), "application/octet-stream", "image/png"),
    ],
)
def test_images_and_pdfs_are_stored_under_a_random_name_with_their_hash(
    world: World,
    order: WorkOrder,
    upload_root: Path,
    name: str,
    content: bytes,
    declared: str,
    stored_type: str,
) -> None:
    attachment = add(world, order, Upload(name, content, declared))

    assert attachment.content_type == stored_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.original_name == name
    [stored] = stored_files(upload_root)
    assert stored.read_bytes() == content
    assert name.split(".")[0] not in stored.name
    assert stored == upload_root / attachment.path
    assert order.events.filter(kind="attachment", data__attachment_id=attachment.pk).exists()


@pytest.mark.parametrize(
    ("name", "content", "declared", "code"),
    [
        ("virus.jpg", EXE, "image/jpeg", "service.upload.executable"),
        ("page.jpg", HTML, "image/jpeg", "service.upload.markup"),
        ("page.html", HTML, "text/html", "service.upload.markup"),
        ("logo.svg", SVG, "image/svg+xml", "service.upload.markup"),
        ("logo.png", SVG, "image/png", "service.upload.markup"),
        ("photo.pdf", image_bytes("JPEG"), "application/pdf", "service.upload.extension_mismatch"),
        ("photo.jpg", image_bytes("JPEG"), "application/pdf", "service.upload.type_mismatch"),
        ("photo.jpg", image_bytes("PNG"), "image/png", "service.upload.extension_mismatch"),
        ("scan.gif", image_bytes("GIF"), "image/gif", "service.upload.unsupported_type"),
        ("empty.jpg", b"", "image/jpeg", "service.upload.empty"),
        (
            "half.jpg",
            image_bytes("JPEG", (64, 64))[:40],
            "image/jpeg",
            "service.upload.broken_image",
        ),
        ("cut.pdf", pdf_bytes()[:-7], "application/pdf", "service.upload.broken_pdf"),
        ("notes.txt", "就是一段文字".encode(), "text/plain", "service.upload.unsupported_type"),
    ],
)
def test_uploads_that_are_not_what_they_claim_are_refused_and_store_nothing(
    world: World,
    order: WorkOrder,
    upload_root: Path,
    name: str,
    content: bytes,
    declared: str,
    code: str,
) -> None:
    with pytest.raises(DomainError) as refused:
        add(world, order, Upload(name, content, declared))

    assert refused.value.code == code
    assert any("\u4e00" <= c <= "\u9fff" for c in refused.value.message)
    assert Attachment.objects.count() == 0
    assert stored_files(upload_root) == []
    assert not order.events.filter(kind="attachment").exists()


def test_a_file_over_the_limit_is_refused_before_it_is_stored(
    world: World, order: WorkOrder, upload_root: Path, settings: Any
) -> None:
    settings.UPLOAD_MAX_BYTES = 1000
    big = image_bytes("PNG", (400, 400))
    assert len(big) > 1000
    uploaded = SimpleUploadedFile("big.png", big, content_type="image/png")

    with pytest.raises(DomainError) as refused:
        add(world, order, uploaded)

    assert refused.value.code == "service.upload.too_large"
    assert Attachment.objects.count() == 0
    assert stored_files(upload_root) == []


def test_a_rollback_after_the_upload_removes_the_file(
    world: World, order: WorkOrder, upload_root: Path
) -> None:
    seen: list[int] = []

    def upload_then_fail() -> None:
        with files_atomic():
            add(world, order, Upload("a.png", image_bytes("PNG"), "image/png"))
            seen.append(len(stored_files(upload_root)))
            raise RuntimeError("something after the upload failed")

    with pytest.raises(RuntimeError):
        upload_then_fail()

    assert seen == [1]

    assert Attachment.objects.count() == 0
    assert stored_files(upload_root) == []


def test_only_people_who_may_see_and_work_the_order_attach_to_it(
    world: World, order: WorkOrder, upload_root: Path
) -> None:
    photo = Upload("a.png", image_bytes("PNG"), "image/png")
    with pytest.raises(NotFound):
        add(world, order, photo, who="bob")
    with pytest.raises(PermissionDeniedError):
        add(world, order, photo, who="analyst")
    with pytest.raises(DomainError) as refused:
        add(world, order, photo, kind="selfie")
    assert refused.value.code == "service.upload.bad_kind"
    assert stored_files(upload_root) == []

    assert add(world, order, photo, who="agent_s1").uploaded_by == world.users["agent_s1"]
    order_act(actor=world.users["alice"], number=order.number, action="cancel", note="已恢复供电")
    with pytest.raises(Conflict) as closed:
        add(world, order, photo)
    assert closed.value.code == "service.upload.order_closed"
    assert Attachment.objects.count() == len(stored_files(upload_root)) == 1


# --- Through the API ---


def test_the_api_takes_a_multipart_upload_and_serves_it_back_as_a_download(
    world: World, order: WorkOrder, client_for: Callable[[str], Client]
) -> None:
    alice = client_for("alice")
    content = image_bytes("JPEG")
    response = alice.post(
        f"{API}/{order.number}/attachments",
        {"kind": "site_photo", "file": SimpleUploadedFile("现场.jpg", content, "image/jpeg")},
    )
    assert response.status_code == 201, response.content
    attachment_id = response.json()["id"]

    listed = alice.get(f"{API}/{order.number}/attachments").json()
    assert [a["original_name"] for a in listed] == ["现场.jpg"]

    download = alice.get(f"{API}/{order.number}/attachments/{attachment_id}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content  # type: ignore[attr-defined]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "image/jpeg"

    assert (
        client_for("bob").get(f"{API}/{order.number}/attachments/{attachment_id}").status_code
        == 404
    )
    assert client_for("agent_s2").get(f"{API}/{order.number}/attachments").status_code == 404


def test_the_api_refuses_a_renamed_executable_with_a_chinese_400(
    world: World, order: WorkOrder, client_for: Callable[[str], Client], upload_root: Path
) -> None:
    response = client_for("alice").post(
        f"{API}/{order.number}/attachments",
        {"kind": "site_photo", "file": SimpleUploadedFile("photo.jpg", EXE, "image/jpeg")},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "service.upload.executable"
    assert response.json()["message"] == "不接受可执行文件"
    assert stored_files(upload_root) == []
