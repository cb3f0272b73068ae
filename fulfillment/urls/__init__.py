"""Pages of the fulfillment app: stock, the board and production, shipments and deliveries."""

from . import production, shipping, stock

app_name = "fulfillment"

urlpatterns = [*stock.urlpatterns, *production.urlpatterns, *shipping.urlpatterns]
