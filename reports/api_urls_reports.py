"""/api/v1/ routes of the tracking reports (included by reports/api_urls.py)."""

from django.urls import path

from . import api_reports as api

urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="report-list"),
    path("reports/generate/", api.ReportGenerateApi.as_view(), name="report-generate"),
    path("reports/<int:pk>/", api.ReportDetailApi.as_view(), name="report-detail"),
    path("reports/<int:pk>/xlsx/", api.ReportXlsxApi.as_view(), name="report-xlsx"),
]
