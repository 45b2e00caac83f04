from django.urls import path

from gridcare.console import views, views_inbox, views_metering, views_notify

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
]
