"""Pages of the tracking reports, under /reports/ (included by reports/urls.py)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views_reports as views

urlpatterns = [
    # The navigation's "Reports" entry (core.context_processors): the tracking reports, until
    # the reports app has a home page of its own.
    path("", RedirectView.as_view(pattern_name="reports:tracking_list"), name="home"),
    path("tracking/", views.tracking_list_view, name="tracking_list"),
    path("tracking/generate/", views.tracking_generate_view, name="tracking_generate"),
    path("tracking/<int:pk>/", views.tracking_detail_view, name="tracking_detail"),
    path("tracking/<int:pk>/xlsx/", views.tracking_xlsx_view, name="tracking_xlsx"),
    path("tracking/<int:pk>/html/", views.tracking_html_view, name="tracking_html"),
]
