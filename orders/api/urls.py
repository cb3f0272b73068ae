from django.urls import include, path

from . import views

urlpatterns = [
    path("orders/", views.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/events/", views.OrderEventListApi.as_view(), name="order-events"),
    path(
        "orders/<int:pk>/transitions/<str:name>/",
        views.OrderTransitionApi.as_view(),
        name="order-transition",
    ),
    path("", include("orders.api.product_urls")),
]
