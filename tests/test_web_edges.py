"""Edges every page shares: the favicon, the CSRF failure page, third-party admin sections."""

from __future__ import annotations

import pytest
from django.test import Client

from gridcare.testing.personas import ALICE_MOBILE, PASSWORD, World


@pytest.mark.django_db
def test_favicon_is_served_from_our_static_files() -> None:
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/gridcare/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content)


def test_csrf_failure_gets_our_translated_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/portal/login/", {"username": ALICE_MOBILE, "password": PASSWORD})
    assert response.status_code == 403
    body = response.content.decode()
    assert "表单已失效" in body
    assert 'data-testid="csrf-failure"' in body
    assert "CSRF verification failed" not in body


def test_admin_names_login_protection_and_task_results_in_chinese(world: World, client_for) -> None:
    body = client_for("admin").get("/admin/").content.decode()
    for chinese in ("登录保护", "登录尝试", "登录日志", "后台任务", "任务结果"):
        assert chinese in body, chinese
    for english in ("Axes", "Tasks Database Backend", "Access attempts", "Task Results"):
        assert english not in body, english
    tasks = client_for("admin").get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    for chinese in ("优先级", "队列名称", "就绪", "运行中"):  # the list filters
        assert chinese in tasks, chinese


def test_a_multipart_body_without_a_boundary_is_a_clear_400_not_a_500(world: World) -> None:
    from django.test import Client

    response = Client().generic(
        "POST",
        "/api/v1/service/applications",
        b'{"kind": "ev_charger"}',
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "request.bad_multipart"
