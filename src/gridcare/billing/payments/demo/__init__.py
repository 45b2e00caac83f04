"""The demo payment gateway: WeChat Pay API v3 and Alipay's gateway, played locally with
the demo keys, so the demo (and the tests) pay through the production adapters.

Served under `PAY_DEMO_GATEWAY_URL` (default: `/_demo-pay/` of the GridCare site, mounted
only while `PAY_DEMO_GATEWAY` is on), or as a WSGI application of its own
(`gunicorn gridcare.billing.payments.demo.wsgi:application`). It keeps its own books in a
SQLite file (`store.py`), never GridCare's database. See `app.py` for the routes.
"""
