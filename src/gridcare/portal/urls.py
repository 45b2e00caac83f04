from django.urls import path, re_path

from gridcare.portal import (
    views,
    views_applications,
    views_billing,
    views_billing_pay,
    views_billing_quote,
    views_home,
    views_orders,
    views_outages,
)

app_name = "portal"

urlpatterns = [
    # The phone portal's home screen and bottom tabs (首页 / 用电 / 服务 / 我的).
    path("", views_home.home_view, name="home"),
    path("usage/", views_home.usage_entry_view, name="usage_entry"),
    path("services/", views_home.services_view, name="services"),
    path("me/", views_home.me_view, name="me"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register_view, name="register"),
    path("agreement/", views.agreement_view, name="agreement"),
    path("privacy/", views.privacy_view, name="privacy"),
    path("accounts/", views.accounts_view, name="accounts"),
    path("accounts/bind/", views.bind_view, name="bind"),
    path("accounts/<str:number>/", views.account_detail_view, name="account"),
    path("accounts/<str:number>/usage/", views.usage_view, name="usage"),
    path("messages/", views.messages_view, name="messages"),
    path("chat/", views.chat_view, name="chat"),
    path("preferences/", views.preferences_view, name="preferences"),
    # 业务办理 (business applications)
    path("applications/", views_applications.applications_view, name="applications"),
    path(
        "applications/apply/<slug:kind>/",
        views_applications.application_apply_view,
        name="application_apply",
    ),
    path(
        "applications/<str:number>/",
        views_applications.application_detail_view,
        name="application",
    ),
    path(
        "applications/<str:number>/attachments/<int:attachment_id>/",
        views_applications.application_attachment_view,
        name="application_attachment",
    ),
    # Work orders: report, complain, suggest, my orders, progress; the rating link.
    path("orders/", views_orders.orders_view, name="orders"),
    path("orders/report/", views_orders.report_view, name="order_report"),
    path("orders/complain/", views_orders.complain_view, name="order_complain"),
    path("orders/suggest/", views_orders.suggest_view, name="order_suggest"),
    path("orders/<str:number>/", views_orders.order_view, name="order"),
    path("orders/<str:number>/cancel/", views_orders.order_cancel_view, name="order_cancel"),
    path("orders/<str:number>/rate/", views_orders.order_rate_view, name="order_rate"),
    path("visit/<str:token>/", views_orders.visit_view, name="visit"),
    # 电费: my bills, a bill and its PDF, paying / topping up, payments, balance, calculator.
    path("billing/", views_billing.bills_view, name="billing_bills"),
    path("billing/bills/<str:number>/", views_billing.bill_view, name="billing_bill"),
    path("billing/bills/<str:number>/pdf/", views_billing.bill_pdf_view, name="billing_bill_pdf"),
    path("billing/accounts/<str:number>/pay/", views_billing_pay.pay_view, name="billing_pay"),
    path(
        "billing/payments/return/",
        views_billing_pay.payment_return_view,
        name="billing_payment_return",
    ),
    path(
        "billing/payments/<str:out_trade_no>/",
        views_billing_pay.payment_view,
        name="billing_payment",
    ),
    path(
        "billing/payments/<str:out_trade_no>/refresh/",
        views_billing_pay.payment_refresh_view,
        name="billing_payment_refresh",
    ),
    path(
        "billing/payments/<str:out_trade_no>/status/",
        views_billing_pay.payment_status_view,
        name="billing_payment_status",
    ),
    path("billing/history/", views_billing.payments_view, name="billing_payments"),
    path("billing/balance/", views_billing.balance_view, name="billing_balance"),
    path("billing/quote/", views_billing_quote.quote_view, name="billing_quote"),
    # 停电信息 (issue 26): the public outage search, one outage, my outages.
    path("outages/", views_outages.outage_search_view, name="outages"),
    path("outages/mine/", views_outages.my_outages_view, name="my_outages"),
    re_path(r"^outages/(?P<number>TD[0-9]{8,14})/$", views_outages.outage_view, name="outage"),
]
