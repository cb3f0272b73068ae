from django.urls import include, path

from . import change_requests, views

urlpatterns = [
    path("orders/", views.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/events/", views.OrderEventListApi.as_view(), name="order-events"),
    path(
        "orders/<int:pk>/transitions/<str:name>/",
        views.OrderTransitionApi.as_view(),
        name="order-transition",
    ),
    path(
        "orders/<int:pk>/change-requests/",
        change_requests.OrderChangeRequestListCreateApi.as_view(),
        name="order-change-requests",
    ),
    path(
        "orders/<int:pk>/revisions/",
        change_requests.OrderRevisionListApi.as_view(),
        name="order-revisions",
    ),
    path(
        "change-requests/<int:pk>/",
        change_requests.ChangeRequestDetailApi.as_view(),
        name="change-request-detail",
    ),
    path(
        "change-requests/<int:pk>/decisions/",
        change_requests.ChangeRequestDecisionApi.as_view(),
        name="change-request-decisions",
    ),
    path(
        "change-requests/<int:pk>/withdraw/",
        change_requests.ChangeRequestWithdrawApi.as_view(),
        name="change-request-withdraw",
    ),
    path("", include("orders.api.product_urls")),
]
