"""/api/v1/ routes of the deadline alerts (included by reports/api_urls.py)."""

from django.urls import path

from . import api_alerts as api

urlpatterns = [
    path("alerts/", api.AlertListApi.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", api.AlertDetailApi.as_view(), name="alert-detail"),
    path(
        "alerts/<int:pk>/acknowledge/",
        api.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
    path(
        "orders/<int:order_id>/feedback/",
        api.OrderFeedbackApi.as_view(),
        name="order-feedback",
    ),
    path("deadline-rules/", api.DeadlineRuleListApi.as_view(), name="deadline-rule-list"),
]
