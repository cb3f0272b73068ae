"""Pages of the deadline alerts, under /reports/ (included by reports/urls.py)."""

from django.urls import path

from . import views_alerts as views

urlpatterns = [
    path("alerts/", views.alert_list_view, name="alert_list"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert_acknowledge"),
    path("orders/<int:order_id>/feedback/", views.feedback_record_view, name="feedback_record"),
]
