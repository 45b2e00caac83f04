"""Payment callback endpoints, thin over `services.pay_callbacks`:

    POST /webhooks/pay/wechat/   WeChat Pay API v3 notices (JSON, signed headers)
            accepted: 200 {"code": "SUCCESS", "message": "成功"}
            refused:  4xx/5xx {"code": "FAIL", "message": …}   (WeChat retries)
    POST /webhooks/pay/alipay/   Alipay notifies (form, RSA2)
            accepted: 200 `success`; refused: 4xx/5xx `fail`     (Alipay retries)

A body over `PAY_CALLBACK_MAX_BYTES` is a 413 and any other method a 405, both in the
provider's failure format; whatever the body, the answer is never a 500. A database that
cannot be reached is a 503 the provider will retry.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt

from gridcare.billing.services.pay_callbacks import CallbackAnswer, payment_callback_receive


def _receive(request: HttpRequest, provider: str) -> CallbackAnswer:
    if request.method != "POST":
        return CallbackAnswer(False, "method", "只接受 POST", 405)
    limit = settings.PAY_CALLBACK_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > limit:
        return CallbackAnswer(False, "too_large", f"请求体超过 {limit} 字节", 413)
    try:
        body = request.body
    except RawPostDataException:  # a multipart form, already parsed: never a callback
        return CallbackAnswer(False, "malformed", "请求体格式不正确", 400)
    if len(body) > limit:
        return CallbackAnswer(False, "too_large", f"请求体超过 {limit} 字节", 413)
    return payment_callback_receive(
        provider=provider,
        headers=request.headers,
        body=body,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )


@csrf_exempt
def wechat_pay_webhook(request: HttpRequest) -> HttpResponse:
    answer = _receive(request, "wechat")
    if answer.accepted:
        return JsonResponse({"code": "SUCCESS", "message": "成功"})
    return JsonResponse({"code": "FAIL", "message": answer.message}, status=answer.status)


@csrf_exempt
def alipay_pay_webhook(request: HttpRequest) -> HttpResponse:
    answer = _receive(request, "alipay")
    if answer.accepted:
        return HttpResponse("success", content_type="text/plain")
    return HttpResponse("fail", content_type="text/plain", status=answer.status)
