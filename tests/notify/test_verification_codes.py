"""Verification codes go through notify's SMS gateway (the seam customers.codes), and
nothing simulated runs in production (notify.checks; issue 23)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from gridcare.customers.models import BindingChallenge
from gridcare.testing.personas import ACCOUNT_A, ALICE_MOBILE, World

from .conftest import ScriptedGateway

BIND = "/portal/accounts/bind/"
SMS_SENDER = "gridcare.notify.codes.SmsGatewayCodeSender"


@pytest.fixture
def sms_codes(settings: Any, gateway: ScriptedGateway) -> ScriptedGateway:
    """Codes sent by the production sender to a real HTTP server standing for the provider."""
    settings.VERIFICATION_CODE_BACKEND = SMS_SENDER
    return gateway


def test_a_binding_code_is_texted_through_the_sms_gateway_to_the_registered_mobile(
    world: World,
    client_for: Any,
    sms_codes: ScriptedGateway,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("bob").post(BIND, {"step": "request", "account_number": ACCOUNT_A})

    assert response.status_code == 200
    [sent] = sms_codes.requests
    assert sent["body"]["to"] == ALICE_MOBILE
    assert "验证码" in sent["body"]["text"]
    assert sent["key"].startswith("code-binding-")
    code = sent["body"]["text"].split("验证码 ")[1][:6]
    assert code not in response.content.decode()
    assert 'data-testid="demo-sms"' not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_gateway_that_refuses_withdraws_the_code_and_says_so(
    world: World, client_for: Any, sms_codes: ScriptedGateway
) -> None:
    # Real commits: the send runs when the request's challenge commits.
    sms_codes.statuses = [500]
    response = client_for("bob").post(BIND, {"step": "request", "account_number": ACCOUNT_A})

    assert response.status_code == 503
    assert "短信发送失败" in response.content.decode()
    assert not BindingChallenge.objects.exists()


def test_a_signup_code_goes_through_the_gateway_too(
    world: World, sms_codes: ScriptedGateway, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/portal/register/", {"step": "request", "mobile": "13600000007"})

    assert response.status_code == 200
    [sent] = sms_codes.requests
    assert sent["body"]["to"] == "13600000007"
    assert sent["body"]["text"].split("验证码 ")[1][:6] not in response.content.decode()


# --- Deploy checks and the production start ---


def test_check_deploy_fails_while_anything_is_simulated(settings: Any) -> None:
    settings.VERIFICATION_CODE_BACKEND = SMS_SENDER
    settings.NOTIFY_SMS_GATEWAY_URL = "http://127.0.0.1:8000/_fake-gateway/sms/"
    settings.NOTIFY_FAKE_GATEWAY = True

    with pytest.raises(SystemCheckError) as excinfo:
        call_command("check", "--deploy")

    report = str(excinfo.value)
    for check_id in ("gridcare.E001", "gridcare.E002", "gridcare.E003", "gridcare.E005"):
        assert check_id in report


def test_check_deploy_fails_with_the_recording_sender(settings: Any) -> None:
    settings.VERIFICATION_CODE_BACKEND = "gridcare.customers.codes.RecordingCodeSender"
    settings.NOTIFY_SMS_GATEWAY_URL = "https://sms.example.cn/send"
    settings.NOTIFY_WECHAT_GATEWAY_URL = "https://wx.example.cn/send"
    settings.NOTIFY_FAKE_GATEWAY = False

    with pytest.raises(SystemCheckError) as excinfo:
        call_command("check", "--deploy")

    assert "gridcare.E001" in str(excinfo.value)


def test_check_deploy_passes_our_checks_with_real_gateways(
    settings: Any, capsys: Any, monkeypatch: Any
) -> None:
    # The browser tests' conftest sets it for Playwright; Django's own deploy check refuses it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.VERIFICATION_CODE_BACKEND = SMS_SENDER
    settings.NOTIFY_SMS_GATEWAY_URL = "https://sms.example.cn/send"
    settings.NOTIFY_WECHAT_GATEWAY_URL = "https://wx.example.cn/send"
    settings.NOTIFY_FAKE_GATEWAY = False
    settings.SERVICE_PORTAL_ORIGIN = "https://95598.example.cn"
    # Payments are checked by billing's own deploy checks (tests/billing/test_pay_checks.py).
    settings.PAY_DEMO_GATEWAY = False
    settings.PAY_PROVIDERS = []
    settings.PAY_CALLBACK_ORIGIN = "https://95598.example.cn"

    call_command("check", "--deploy")

    assert "gridcare.E" not in capsys.readouterr().err


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCARE_")}
    clean |= {"GRIDCARE_PRODUCTION": "true", "GRIDCARE_SECRET_KEY": "test-only-secret"} | env
    return subprocess.run(
        [sys.executable, "-m", "gridcare", "check"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_with_a_simulated_sender() -> None:
    no_gateway = _start()
    fake_gateway = _start(GRIDCARE_SMS_GATEWAY_URL="http://127.0.0.1:8000/_fake-gateway/sms/")
    recording = _start(
        GRIDCARE_SMS_GATEWAY_URL="https://sms.example.cn/send",
        GRIDCARE_VERIFICATION_CODE_BACKEND="gridcare.customers.codes.RecordingCodeSender",
    )
    loopback_links = _start(GRIDCARE_SMS_GATEWAY_URL="https://sms.example.cn/send")
    real = _start(
        GRIDCARE_SMS_GATEWAY_URL="https://sms.example.cn/send",
        GRIDCARE_PORTAL_ORIGIN="https://95598.example.cn",
    )

    for refused in (no_gateway, fake_gateway, recording, loopback_links):
        assert refused.returncode != 0
        assert "GRIDCARE_PRODUCTION=true, but" in refused.stderr
    assert "no SMS gateway" in no_gateway.stderr
    assert "fake gateway" in fake_gateway.stderr
    assert "simulated sender" in recording.stderr
    assert "GRIDCARE_PORTAL_ORIGIN" in loopback_links.stderr
    assert real.returncode == 0, real.stderr
