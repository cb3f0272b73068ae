from django.urls import path

from ..views.stock import stock_list_view

urlpatterns = [
    path("stock/", stock_list_view, name="stock_list"),
]
