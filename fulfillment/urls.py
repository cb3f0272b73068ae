from django.urls import path

from .views import stock_list_view

app_name = "fulfillment"

urlpatterns = [
    path("stock/", stock_list_view, name="stock_list"),
]
