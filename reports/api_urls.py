"""/api/v1/ routes of the reports app: each module's urlpatterns, concatenated."""

from . import api_urls_alerts, api_urls_reports

urlpatterns = [*api_urls_reports.urlpatterns, *api_urls_alerts.urlpatterns]
