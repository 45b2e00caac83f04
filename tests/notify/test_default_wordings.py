"""An app's default wordings: version 1 where a (code, channel) has none; an
administrator's later version is kept."""

from __future__ import annotations

import pytest

from gridcare.notify.models import NotificationTemplate
from gridcare.notify.services import (
    DefaultWording,
    template_current,
    template_publish,
    templates_publish_missing,
)
from gridcare.notify.services.templates import ALL_CHANNELS

pytestmark = pytest.mark.django_db
WORDING = DefaultWording("test.wording", "标题", "正文{account}", urgent=True)


def test_missing_templates_are_published_on_every_channel_once() -> None:
    assert templates_publish_missing(wordings=[WORDING], purpose="outage", sign="【签】") == len(
        ALL_CHANNELS
    )
    sms = template_current(code="test.wording", channel="sms")
    assert (sms.version, sms.body, sms.urgent, sms.purpose) == (
        1,
        "【签】正文{account}",
        True,
        "outage",
    )
    assert templates_publish_missing(wordings=[WORDING], purpose="outage") == 0


def test_an_administrators_version_is_kept() -> None:
    template_publish(
        actor=None, code="test.wording", channel="sms", purpose="outage", body="改过的{account}"
    )
    assert templates_publish_missing(wordings=[WORDING], purpose="outage") == len(ALL_CHANNELS) - 1
    assert template_current(code="test.wording", channel="sms").body == "改过的{account}"
    assert NotificationTemplate.objects.filter(code="test.wording", channel="sms").count() == 1
