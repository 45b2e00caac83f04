from django.urls import path

from gridcare.console import (
    views,
    views_counter,
    views_crew,
    views_dispatch,
    views_inbox,
    views_intake,
    views_metering,
    views_notify,
    views_orders,
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
    path("notifications/", views_notify.notifications_view, name="notifications"),
    path("notifications/templates/", views_notify.templates_view, name="templates"),
    path("transformers/<str:code>/", views_metering.transformer_view, name="transformer"),
    # Work orders (issue 24): inbox, one order, dispatch board, crew page, counter intake,
    # and the one-step orders from a conversation or a hotline call.
    path("orders/", views_orders.orders_view, name="orders"),
    path("orders/categories/", views_intake.categories_view, name="order_categories"),
    path("orders/<str:number>/", views_orders.order_view, name="order"),
    path("orders/<str:number>/sla/", views_orders.order_sla_view, name="order_sla"),
    path("dispatch/", views_dispatch.dispatch_view, name="dispatch"),
    path("crew/", views_crew.crew_view, name="crew"),
    path("crew/<str:number>/", views_crew.crew_order_view, name="crew_order"),
    path("counter/", views_counter.counter_view, name="counter"),
    path(
        "inbox/<int:conversation_id>/order/",
        views_intake.conversation_order_view,
        name="conversation_order",
    ),
    path(
        "customers/<int:customer_id>/call-order/", views_intake.call_order_view, name="call_order"
    ),
]
