"""POST /api/v1/metering/readings: head-end batches as JSON or CSV, with per-row reasons."""

from __future__ import annotations

from django.test import Client

from gridcare.core.services import api_token_issue
from gridcare.metering.models import ImportBatch, TransformerDay
from gridcare.testing.personas import World

from .conftest import DAY_1, interval_end

API = "/api/v1/metering/readings"


def bearer(world: World, persona: str) -> Client:
    user = world.users[persona]
    _, token = api_token_issue(actor=user, user=user, name="head-end", scopes=["read", "write"])
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_json_batch_stores_good_rows_and_explains_each_rejected_one(world: World) -> None:
    readings = [
        {"meter": "MA0001", "ts": interval_end(DAY_1, slot), "kwh": 0.3} for slot in range(96)
    ]
    readings.append({"meter": "MA0001", "ts": "2099-01-01T00:15:00+08:00", "kwh": 0.3})
    response = bearer(world, "admin").post(
        API, {"readings": readings}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["accepted"] == 96
    assert body["rejected"] == 1
    assert body["rejections"][0]["line"] == 97
    assert body["rejections"][0]["code"] == "metering.vee.future"
    assert body["days"] == [DAY_1.isoformat()]
    assert TransformerDay.objects.filter(transformer=world.transformer_1, day=DAY_1).exists()


def test_csv_body_reports_rejections_with_their_csv_line(world: World) -> None:
    body = (
        "meter,ts,kwh\n"
        + f"MA0001,{interval_end(DAY_1, 0)},0.1\n"
        + f"MB0001,{interval_end(DAY_1, 0)},-3\n"
    )
    response = bearer(world, "admin").post(API, body, content_type="text/csv")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    rejection = response.json()["rejections"][0]
    assert (rejection["line"], rejection["code"]) == (3, "metering.vee.negative_energy")


def test_resending_the_same_batch_changes_nothing(world: World) -> None:
    body = {"readings": [{"meter": "MA0001", "ts": interval_end(DAY_1, 5), "kwh": 0.4}]}
    client = bearer(world, "admin")
    client.post(API, body, content_type="application/json")
    again = client.post(API, body, content_type="application/json").json()
    assert again["unchanged"] == 1
    assert again["edited"] == 0


def test_roles_without_the_import_permission_get_403_and_nothing_is_stored(world: World) -> None:
    body = {"readings": [{"meter": "MA0001", "ts": interval_end(DAY_1, 5), "kwh": 0.4}]}
    for persona in ("agent_s1", "manager", "alice"):
        client = Client()
        client.force_login(
            world.users[persona], backend="django.contrib.auth.backends.ModelBackend"
        )
        assert client.post(API, body, content_type="application/json").status_code == 403
    assert Client().post(API, body, content_type="application/json").status_code == 401
    assert not ImportBatch.objects.exists()


def test_malformed_json_is_a_422_naming_the_field(world: World) -> None:
    response = bearer(world, "admin").post(
        API, {"readings": [{"meter": "MA0001"}]}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "request.invalid"
    assert response.json()["field"] == "ts"


def test_non_utf8_csv_body_names_the_line(world: World) -> None:
    body = b"meter,ts,kwh\n" + "MA0001,\u7535,1\n".encode("gbk")
    response = bearer(world, "admin").post(API, body, content_type="text/csv")
    assert response.status_code == 400
    assert response.json()["code"] == "metering.file.not_utf8"
    assert "2" in response.json()["message"]
