from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from gridcare.api import api
from gridcare.billing import webhooks as pay_webhooks
from gridcare.billing.payments.demo import app as demo_pay
from gridcare.contact import webhooks
from gridcare.core.web import favicon
from gridcare.notify import gateway
from gridcare.portal.views import home

handler404 = "gridcare.core.web.page_not_found"

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("portal/", include("gridcare.portal.urls")),
    path("console/", include("gridcare.console.urls")),
    path("webhooks/wechat/<str:app_id>/", webhooks.wechat_webhook, name="wechat_webhook"),
    path("webhooks/alipay/<str:app_id>/", webhooks.alipay_webhook, name="alipay_webhook"),
    path("webhooks/sms/", webhooks.sms_webhook, name="sms_webhook"),
    path("webhooks/pay/wechat/", pay_webhooks.wechat_pay_webhook, name="wechat_pay_webhook"),
    path("webhooks/pay/alipay/", pay_webhooks.alipay_pay_webhook, name="alipay_pay_webhook"),
]

if settings.NOTIFY_FAKE_GATEWAY:
    urlpatterns.append(path("_fake-gateway/<str:channel>/", gateway.receive, name="fake_gateway"))

if settings.PAY_DEMO_GATEWAY and not settings.PRODUCTION:
    urlpatterns.append(path("_demo-pay/<path:rest>", demo_pay.django_view, name="demo_pay_gateway"))
