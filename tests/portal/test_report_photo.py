"""A fault report's optional site photo: stored with the new order in the same request, or,
when refused, neither the order nor the file is kept."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from gridcare.service.models import Attachment, WorkOrder
from gridcare.testing.personas import World
from tests.portal.test_orders import REPORT
from tests.service.uploads_support import HTML, image_bytes, stored_files, upload_root

__all__ = ["upload_root"]


def test_the_report_form_offers_the_camera(world: World, client_for) -> None:
    page = client_for("alice").get("/portal/orders/report/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="photo"' in page
    assert 'capture="environment"' in page
    complain = client_for("alice").get("/portal/orders/complain/").content.decode()
    assert 'name="photo"' not in complain


def test_a_report_with_a_photo_stores_both(world: World, client_for, upload_root: Path) -> None:
    jpeg = image_bytes("JPEG")
    photo = SimpleUploadedFile("电表箱.jpg", jpeg, content_type="image/jpeg")
    response = client_for("alice").post("/portal/orders/report/", {**REPORT, "photo": photo})
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.order, attachment.kind) == (order, "site_photo")
    assert attachment.original_name == "电表箱.jpg"
    assert [p.read_bytes() for p in stored_files(upload_root)] == [jpeg]


def test_a_report_without_a_photo_still_works(world: World, client_for) -> None:
    response = client_for("alice").post("/portal/orders/report/", REPORT)
    assert response.status_code == 302
    assert WorkOrder.objects.count() == 1
    assert not Attachment.objects.exists()


def test_a_refused_photo_refuses_the_whole_report(
    world: World, client_for, upload_root: Path
) -> None:
    fake = SimpleUploadedFile("photo.jpg", HTML, content_type="image/jpeg")
    response = client_for("alice").post("/portal/orders/report/", {**REPORT, "photo": fake})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-photo"' in body
    assert "不接受网页、SVG 等可含脚本的文件" in body
    assert "整栋楼没电了" in body, "what the customer typed is kept"
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files(upload_root) == []


def test_a_renamed_text_file_refuses_the_report(
    world: World, client_for, upload_root: Path
) -> None:
    fake = SimpleUploadedFile("photo.png", "只是文字".encode(), content_type="image/png")
    response = client_for("alice").post("/portal/orders/report/", {**REPORT, "photo": fake})
    assert response.status_code == 400
    assert "仅支持 JPEG、PNG、WebP、HEIC 图片或 PDF 文档" in response.content.decode()
    assert not WorkOrder.objects.exists()
    assert stored_files(upload_root) == []
