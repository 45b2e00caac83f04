from django.urls import path, re_path

from gridcare.console import (
    views,
    views_assistant,
    views_assistant_kb,
    views_billing,
    views_billing_counter,
    views_billing_lists,
    views_counter,
    views_crew,
    views_dispatch,
    views_inbox,
    views_intake,
    views_metering,
    views_monitoring,
    views_monitoring_alerts,
    views_monitoring_index,
    views_monitoring_reports,
    views_notices,
    views_notify,
    views_orders,
    views_outages_board,
    views_outages_planned,
    views_reliability,
    views_wall,
)

app_name = "console"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("search/", views.search_view, name="search"),
    path("customers/<int:customer_id>/", views.customer_360_view, name="customer"),
    path("customers/<int:customer_id>/reveal/", views.reveal_view, name="reveal"),
    path("customers/<int:customer_id>/timeline/", views.timeline_view, name="timeline"),
    path("transformers/", views_metering.transformers_view, name="transformers"),
    path("inbox/", views_inbox.inbox_view, name="inbox"),
    path("inbox/<int:conversation_id>/", views_inbox.conversation_view, name="conversation"),
    # The assistant (issue 27): the bot's conversations and their handoffs.
    path("assistant/", views_assistant.sessions_view, name="assistant_sessions"),
    path("assistant/<int:session_id>/", views_assistant.session_view, name="assistant_session"),
    path("notifications/", views_notify.notifications_view, name="notifications"),
    path("notices/", views_notices.notices_view, name="notices"),
    path("notices/<int:notice_id>/read/", views_notices.notice_read_view, name="notice_read"),
    path("notifications/templates/", views_notify.templates_view, name="templates"),
    path("transformers/<str:code>/", views_metering.transformer_view, name="transformer"),
    # Work orders (issue 24): inbox, one order, dispatch board, crew page, counter intake,
    # and the one-step orders from a conversation or a hotline call.
    path("orders/", views_orders.orders_view, name="orders"),
    path("orders/categories/", views_intake.categories_view, name="order_categories"),
    path("orders/<str:number>/", views_orders.order_view, name="order"),
    path("orders/<str:number>/sla/", views_orders.order_sla_view, name="order_sla"),
    path(
        "orders/<str:number>/attachments/<int:attachment_id>/",
        views_orders.order_attachment_view,
        name="order_attachment",
    ),
    path("dispatch/", views_dispatch.dispatch_view, name="dispatch"),
    path("crew/", views_crew.crew_view, name="crew"),
    path("crew/<str:number>/", views_crew.crew_order_view, name="crew_order"),
    path("crew/<str:number>/photo/", views_crew.crew_photo_view, name="crew_photo"),
    path("counter/", views_counter.counter_view, name="counter"),
    path(
        "inbox/<int:conversation_id>/order/",
        views_intake.conversation_order_view,
        name="conversation_order",
    ),
    path(
        "customers/<int:customer_id>/call-order/", views_intake.call_order_view, name="call_order"
    ),
    # Billing (issue 25): ledger, payment search and receipts, arrears and low balances,
    # counter payments, reconciliation of provider callbacks.
    path("billing/accounts/<str:number>/ledger/", views_billing.ledger_view, name="billing_ledger"),
    path("billing/payments/", views_billing.payments_view, name="billing_payments"),
    path(
        "billing/payments/<str:number>/receipt/",
        views_billing.receipt_view,
        name="billing_receipt",
    ),
    path("billing/arrears/", views_billing_lists.arrears_view, name="billing_arrears"),
    path("billing/low-balance/", views_billing_lists.low_balance_view, name="billing_low_balance"),
    path("billing/counter/", views_billing_counter.counter_payment_view, name="billing_counter"),
    path(
        "billing/reconciliation/",
        views_billing_counter.reconciliation_view,
        name="billing_reconciliation",
    ),
    path(
        "billing/reconciliation/<int:record_id>/resolve/",
        views_billing_counter.resolve_view,
        name="billing_resolve",
    ),
    # Outages: planned outages and the reliability report (outages issue 26).
    path("outages/planned/", views_outages_planned.planned_list_view, name="outages_planned"),
    path("outages/planned/new/", views_outages_planned.planned_new_view, name="outage_planned_new"),
    path(
        "outages/planned/preview/",
        views_outages_planned.planned_preview_view,
        name="outage_planned_preview",
    ),
    path(
        "outages/planned/<str:number>/",
        views_outages_planned.planned_detail_view,
        name="outage_planned",
    ),
    path(
        "outages/planned/<str:number>/edit/",
        views_outages_planned.planned_edit_view,
        name="outage_planned_edit",
    ),
    path(
        "outages/planned/<str:number>/<str:action>/",
        views_outages_planned.planned_action_view,
        name="outage_planned_action",
    ),
    path("outages/reliability/", views_reliability.reliability_view_page, name="reliability"),
    # Outages (issue 26): the live board, its polled body, one outage.
    path("outages/board/", views_outages_board.board_view, name="outage_board"),
    path("outages/board/live/", views_outages_board.board_live_view, name="outage_board_live"),
    # Assistant: the knowledge base and the questions it could not answer (issue 27).
    path("assistant/knowledge/", views_assistant_kb.knowledge_view, name="assistant_knowledge"),
    path(
        "assistant/knowledge/new/",
        views_assistant_kb.knowledge_new_view,
        name="assistant_knowledge_new",
    ),
    path(
        "assistant/knowledge/<slug:code>/",
        views_assistant_kb.knowledge_entry_view,
        name="assistant_knowledge_entry",
    ),
    path(
        "assistant/knowledge/<slug:code>/deactivate/",
        views_assistant_kb.knowledge_deactivate_view,
        name="assistant_knowledge_deactivate",
    ),
    path("assistant/unanswered/", views_assistant_kb.unanswered_view, name="assistant_unanswered"),
    path(
        "assistant/unanswered/<int:question_id>/resolve/",
        views_assistant_kb.unanswered_resolve_view,
        name="assistant_unanswered_resolve",
    ),
    path(
        "assistant/unanswered/<int:question_id>/dismiss/",
        views_assistant_kb.unanswered_dismiss_view,
        name="assistant_unanswered_dismiss",
    ),
    # Only outage numbers (TD…): other outage pages (planned, reliability) live beside it.
    re_path(
        r"^outages/(?P<number>TD[0-9]{8,14})/$", views_outages_board.outage_view, name="outage"
    ),
    # Monitoring: fixed pages first, then the dashboards by name (overview, complaints …).
    path("monitoring/", views_monitoring.overview_view, name="monitoring"),
    path("monitoring/wall/", views_wall.wall_view, name="monitoring_wall"),
    path("monitoring/wall/live/", views_wall.wall_live_view, name="monitoring_wall_live"),
    path("monitoring/index/", views_monitoring_index.index_view, name="monitoring_index"),
    path(
        "monitoring/index/weights/",
        views_monitoring_index.weights_view,
        name="monitoring_weights",
    ),
    path(
        "monitoring/scorecards/",
        views_monitoring_index.scorecards_view,
        name="monitoring_scorecards",
    ),
    path("monitoring/alerts/", views_monitoring_alerts.alerts_view, name="monitoring_alerts"),
    path(
        "monitoring/alerts/<slug:code>/",
        views_monitoring_alerts.alert_rule_view,
        name="monitoring_alert_rule",
    ),
    path("monitoring/reports/", views_monitoring_reports.reports_view, name="monitoring_reports"),
    path(
        "monitoring/reports/<str:month>.<str:fmt>",
        views_monitoring_reports.report_download_view,
        name="monitoring_report_download",
    ),
    path("monitoring/<slug:board>/", views_monitoring.board_view, name="monitoring_board"),
]
