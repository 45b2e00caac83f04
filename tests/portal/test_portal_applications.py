"""业务办理 in the portal: the kinds with what each needs, applying with documents, the
progress of each step, uploads of what is missing, and nobody else's applications."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridcare.service.models import Application, Attachment
from gridcare.testing.personas import ACCOUNT_A, World
from tests.service.uploads_support import EXE, image_bytes, pdf_bytes, stored_files
from tests.service.uploads_support import upload_root as upload_root

SCRIPT = '<script>alert("x")</script>'


def apply(client: Client, **extra: object) -> object:
    data = {
        "account_number": ACCOUNT_A,
        "capacity_kva": "8",
        "fact_address": f"华师路 12 号 {SCRIPT}",
        "note": f"请尽快 {SCRIPT}",
        "doc_id_card": SimpleUploadedFile("身份证.jpg", image_bytes("JPEG"), "image/jpeg"),
        **extra,
    }
    return client.post("/portal/applications/apply/new_residential/", data)


def test_the_applications_page_lists_every_kind_with_what_it_needs(
    world: World, client_for: Callable[[str], Client]
) -> None:
    html = client_for("alice").get("/portal/applications/").content.decode()

    assert "业务办理" in html
    for name in ["居民新装", "高压新装（双电源）", "电能表校验", "分布式光伏并网", "充电桩报装"]:
        assert name in html
    kind = html.split('data-testid="kind-new_low_voltage"')[1].split("</div>\n  </div>")[0]
    assert "营业执照" in kind
    assert "产权证明" in kind
    assert "供电方案答复" in kind
    assert "装表接电" in kind


def test_alice_applies_and_sees_each_step_and_what_is_missing_with_her_text_escaped(
    world: World, client_for: Callable[[str], Client]
) -> None:
    alice = client_for("alice")
    form = alice.get("/portal/applications/apply/new_residential/").content.decode()
    assert f'<option value="{ACCOUNT_A}"' in form
    assert 'enctype="multipart/form-data"' in form

    response = apply(alice)

    assert response.status_code == 302  # type: ignore[attr-defined]
    number = Application.objects.get().order.number
    assert response["Location"] == f"/portal/applications/{number}/"  # type: ignore[index]
    page = alice.get(f"/portal/applications/{number}/").content.decode()
    assert re.search(r'data-testid="step-accept" data-state="active"', page)
    assert re.search(r'data-testid="step-supply_plan" data-state="pending"', page)
    assert "受理" in page
    assert "供电方案答复" in page
    assert 'data-testid="deadline"' in page
    missing = page.split('data-testid="missing"')[1].split("</div>")[0]
    assert "产权证明" in missing
    assert "身份证" not in missing
    assert "身份证.jpg" in page
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_uploading_the_missing_document_clears_it_and_a_bad_file_is_refused(
    world: World, client_for: Callable[[str], Client], upload_root: Path
) -> None:
    alice = client_for("alice")
    apply(alice)
    number = Application.objects.get().order.number
    url = f"/portal/applications/{number}/"

    refused = alice.post(
        url,
        {
            "kind": "property_proof",
            "file": SimpleUploadedFile("房产证.pdf", EXE, "application/pdf"),
        },
    )
    assert refused.status_code == 400
    assert "不接受可执行文件" in refused.content.decode()
    assert len(stored_files(upload_root)) == Attachment.objects.count() == 1

    done = alice.post(
        url,
        {
            "kind": "property_proof",
            "file": SimpleUploadedFile("房产证.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert done.status_code == 302
    page = alice.get(url).content.decode()
    assert 'data-testid="missing"' not in page
    assert "房产证.pdf" in page


def test_an_application_the_service_refuses_shows_the_reason_by_its_field(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = apply(client_for("alice"), fact_address="x" * 201)

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert Application.objects.count() == 0


def test_bob_cannot_see_alices_application_nor_download_her_documents(
    world: World, client_for: Callable[[str], Client]
) -> None:
    alice, bob = client_for("alice"), client_for("bob")
    apply(alice)
    number = Application.objects.get().order.number
    attachment = Attachment.objects.get()
    download = f"/portal/applications/{number}/attachments/{attachment.pk}/"

    assert bob.get(f"/portal/applications/{number}/").status_code == 404
    assert (
        bob.post(
            f"/portal/applications/{number}/",
            {"kind": "other", "file": SimpleUploadedFile("a.png", image_bytes("PNG"), "image/png")},
        ).status_code
        == 404
    )
    assert bob.get(download).status_code == 404
    assert number not in bob.get("/portal/applications/").content.decode()

    served = alice.get(download)
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith("attachment;")
    assert b"".join(served.streaming_content) == image_bytes("JPEG")  # type: ignore[attr-defined]


def test_an_unknown_kind_is_not_found(world: World, client_for: Callable[[str], Client]) -> None:
    assert client_for("alice").get("/portal/applications/apply/teleport/").status_code == 404
