"""Shipments, delivery receipts, short-close, risk-shipment requests and deviations."""

from django.urls import path

from ..views import deviations, risk, shipping

urlpatterns = [
    path("shipments/", shipping.shipment_list_view, name="shipment_list"),
    path("shipments/<int:pk>/", shipping.shipment_detail_view, name="shipment_detail"),
    path("shipments/<int:pk>/note/", shipping.shipment_note_view, name="shipment_note"),
    path(
        "shipments/<int:shipment_pk>/receipt/",
        shipping.receipt_upload_view,
        name="receipt_upload",
    ),
    path(
        "shipments/<int:shipment_pk>/receipt/file/",
        shipping.receipt_download_view,
        name="receipt_download",
    ),
    path("orders/<int:order_pk>/ship/", shipping.shipment_create_view, name="shipment_create"),
    path(
        "orders/<int:order_pk>/short-close/",
        shipping.line_short_close_view,
        name="line_short_close",
    ),
    path("risk-shipments/", risk.risk_list_view, name="risk_list"),
    path("risk-shipments/<int:pk>/", risk.risk_detail_view, name="risk_detail"),
    path("risk-shipments/<int:pk>/decide/", risk.risk_decide_view, name="risk_decide"),
    path("risk-shipments/<int:pk>/withdraw/", risk.risk_withdraw_view, name="risk_withdraw"),
    path("orders/<int:order_pk>/risk-shipment/", risk.risk_create_view, name="risk_create"),
    path("deviations/", deviations.deviation_list_view, name="deviation_list"),
    path("deviations/<int:pk>/", deviations.deviation_detail_view, name="deviation_detail"),
    path(
        "orders/<int:order_pk>/deviations/new/",
        deviations.deviation_create_view,
        name="deviation_create",
    ),
]
