"""Pages of the reports app under /reports/: each module's urlpatterns, concatenated."""

from . import urls_alerts, urls_reports

app_name = "reports"

urlpatterns = [*urls_reports.urlpatterns, *urls_alerts.urlpatterns]
