"""/api/v1/ routes of customer statements and exports, included by finance/api/urls.py."""

from django.urls import path

from . import api_exports, api_statements

urlpatterns = [
    path("statements/", api_statements.StatementListCreateApi.as_view(), name="statement-list"),
    path(
        "statements/<int:pk>/",
        api_statements.StatementDetailApi.as_view(),
        name="statement-detail",
    ),
    path(
        "statements/<int:pk>/response/",
        api_statements.StatementResponseApi.as_view(),
        name="statement-response",
    ),
    path(
        "statements/<int:pk>/xlsx/",
        api_statements.StatementXlsxApi.as_view(),
        name="statement-xlsx",
    ),
    path(
        "exports/settlement/",
        api_exports.SettlementExportApi.as_view(),
        name="export-settlement",
    ),
    path(
        "exports/jobs/<int:pk>/", api_exports.ExportJobDetailApi.as_view(), name="export-job-detail"
    ),
    path(
        "exports/jobs/<int:pk>/download/",
        api_exports.ExportJobDownloadApi.as_view(),
        name="export-job-download",
    ),
]
