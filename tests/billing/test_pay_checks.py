"""The demo gateway is a demo convenience: off in production, and `gridcare check
--deploy` fails while it is on, while a provider's keys are missing or are the demo keys,
or while callbacks would go to an address the providers cannot reach."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from gridcare.billing.checks import payment_deploy_problems
from gridcare.billing.payments.demo.world import demo_world
from gridcare.billing.payments.demo_keys import demo_keys_ensure


def _ids() -> set[str]:
    return {check_id for check_id, _what, _hint in payment_deploy_problems()}


def _configure(settings, keys) -> None:  # type: ignore[no-untyped-def]
    settings.PAY_DEMO_GATEWAY = False
    settings.PAY_CALLBACK_ORIGIN = "https://pay.example.gov.cn"
    settings.PAY_WECHAT_MCHID, settings.PAY_WECHAT_APPID = keys.wechat_mchid, keys.wechat_appid
    settings.PAY_WECHAT_PRIVATE_KEY = str(keys.private("wechat-merchant"))
    settings.PAY_WECHAT_CERT_SERIAL = keys.wechat_cert_serial
    settings.PAY_WECHAT_APIV3_KEY = keys.apiv3_key
    settings.PAY_WECHAT_PLATFORM_PUBLIC_KEY = str(keys.public("wechat-platform"))
    settings.PAY_WECHAT_PLATFORM_PUBLIC_KEY_ID = keys.wechat_public_key_id
    settings.PAY_ALIPAY_APPID = keys.alipay_appid
    settings.PAY_ALIPAY_PRIVATE_KEY = str(keys.private("alipay-app"))
    settings.PAY_ALIPAY_PUBLIC_KEY = str(keys.public("alipay"))


def test_the_demo_setup_fails_the_deploy_check(demo_pay, settings) -> None:  # type: ignore[no-untyped-def]
    assert {"billing.E001", "billing.E002", "billing.E005"} <= _ids()
    with pytest.raises(SystemCheckError, match=r"billing\.E001"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_demo_keys_in_production_settings_fail_it(demo_pay, demo_keys_dir, settings) -> None:  # type: ignore[no-untyped-def]
    _configure(settings, demo_keys_ensure(demo_keys_dir))
    settings.PAY_WECHAT_GATEWAY = f"{settings.PAY_DEMO_GATEWAY_URL}/wechat"
    assert _ids() == {"billing.E003", "billing.E004"}


def test_the_merchants_own_keys_pass(demo_pay, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _configure(settings, demo_keys_ensure(tmp_path / "issued-by-the-providers"))
    assert _ids() == set()
    settings.PAY_PROVIDERS = ["alipay"]  # WeChat Pay not used: its keys are not needed
    settings.PAY_WECHAT_APIV3_KEY = ""
    assert _ids() == set()


def test_the_gateway_is_off_in_production_and_answers_nothing(demo_pay, settings, client) -> None:  # type: ignore[no-untyped-def]
    assert (
        client.post("/_demo-pay/wechat/v3/pay/transactions/native").status_code == 401
    )  # unsigned
    assert client.get("/_demo-pay/pay/nothing").status_code == 404
    settings.PRODUCTION = True
    assert demo_world() is None
    assert client.get("/_demo-pay/pay/nothing").content == b"demo gateway is off"
