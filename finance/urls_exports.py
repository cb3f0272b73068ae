"""Pages of customer statements and the settlement export, added to finance/urls.py (the
"finance" namespace)."""

from django.urls import path

from . import views_exports, views_statements

urlpatterns = [
    path("statements/", views_statements.statement_list_view, name="statement_list"),
    path("statements/new/", views_statements.statement_create_view, name="statement_create"),
    path("statements/<int:pk>/", views_statements.statement_detail_view, name="statement_detail"),
    path(
        "statements/<int:pk>/response/",
        views_statements.statement_respond_view,
        name="statement_respond",
    ),
    path("statements/<int:pk>/xlsx/", views_statements.statement_xlsx_view, name="statement_xlsx"),
    path("exports/", views_exports.export_settlement_view, name="export_settlement"),
    path("exports/jobs/<int:pk>/", views_exports.export_job_row_view, name="export_job"),
    path(
        "exports/jobs/<int:pk>/download/",
        views_exports.export_job_download_view,
        name="export_job_download",
    ),
]
