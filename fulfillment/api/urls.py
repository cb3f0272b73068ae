from django.urls import path

from .views import OrderReservationsApi, StockListApi, StockReceiptApi

urlpatterns = [
    path("stock/", StockListApi.as_view(), name="stock-list"),
    path("stock/receipts/", StockReceiptApi.as_view(), name="stock-receipt"),
    path(
        "orders/<int:order_id>/reservations/",
        OrderReservationsApi.as_view(),
        name="order-reservations",
    ),
]
