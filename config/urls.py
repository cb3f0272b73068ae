from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.views import ObtainTokenApi
from orders.views.home import home

api_v1 = [
    path("auth/token/", ObtainTokenApi.as_view(), name="api-token"),
    path("", include("contracts.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("approvals.api.urls")),
    path("", include("core.api.urls")),
    path("", include("fulfillment.api.urls")),
    path("", include("finance.api.urls")),
    path("", include("reports.api_urls")),
    path("", include("archive.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("orders/", include("orders.urls")),
    path("", include("contracts.urls")),
    path("approvals/", include("approvals.urls")),
    path("notifications/", include("core.urls")),
    path("fulfillment/", include("fulfillment.urls")),
    path("finance/", include("finance.urls")),
    path("reports/", include("reports.urls")),
    path("archive/", include("archive.urls")),
    path("", home, name="home"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
