from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")


class TariffClass(models.TextChoices):
    """用电类别 as billed (domain-facts §4)."""

    RESIDENTIAL = "residential", _("Residential")
    GENERAL_COMMERCIAL = "general_commercial", _("General commercial & industrial")
    LARGE_INDUSTRIAL = "large_industrial", _("Large industrial")
    AGRICULTURAL = "agricultural", _("Agricultural")


class ImportanceLevel(models.TextChoices):
    """重要客户等级 (特级/一级/二级/临时性)."""

    NONE = "none", _("Not important")
    SPECIAL = "special", _("Special grade")
    LEVEL_1 = "level_1", _("Grade 1")
    LEVEL_2 = "level_2", _("Grade 2")
    TEMPORARY = "temporary", _("Temporary")


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    """Where a customer identity or contact comes from."""

    WECHAT = "wechat", _("WeChat")
    ALIPAY = "alipay", _("Alipay")
    APP = "app", _("Mobile app")


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("Service notices")
    OUTAGE = "outage", _("Outage notices")
    BILLING = "billing", _("Billing notices")
    MARKETING = "marketing", _("Marketing")


class Agreement(models.TextChoices):
    """What a new portal login accepts (PIPL art. 14 and 17: informed consent to what the
    privacy policy describes); recorded as a `ConsentRecord` with the texts' version."""

    TERMS_AND_PRIVACY = "terms_privacy", _("User agreement and privacy policy")


#: Version of the 用户协议 and 隐私政策 pages (portal/templates/portal/legal/); a new text
#: gets a new version, so each consent record says which text was accepted.
AGREEMENT_VERSION = "2026-12"


class ContactChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal inbox")
    APP_PUSH = "app_push", _("App push")


class InteractionChannel(models.TextChoices):
    """Where a contact happened (one timeline for online and offline channels)."""

    WEB_CHAT = "web_chat", _("Web / H5 chat")
    WECHAT = "wechat", _("WeChat")
    ALIPAY = "alipay", _("Alipay")
    APP = "app", _("Mobile app")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    HOTLINE = "hotline", _("95598 hotline")
    COUNTER = "counter", _("Business hall counter")
    CHATBOT = "chatbot", _("Assistant")


class InteractionDirection(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")


COLORS = {
    AccountStatus.ACTIVE: "success",
    AccountStatus.SUSPENDED: "warning",
    AccountStatus.CLOSED: "secondary",
}
