"""/api/v1/ routes of the fulfillment app (DESIGN §7)."""

from django.urls import path

from . import deviations, plan, production, risk, shipping, stock

ORDER = "orders/<int:order_id>/"

urlpatterns = [
    # stock
    path("stock/", stock.StockListApi.as_view(), name="stock-list"),
    path("stock/receipts/", stock.StockReceiptApi.as_view(), name="stock-receipt"),
    path(
        f"{ORDER}reservations/",
        stock.OrderReservationsApi.as_view(),
        name="order-reservations",
    ),
    # production
    path(
        "production-instructions/",
        production.ProductionInstructionListApi.as_view(),
        name="production-instruction-list",
    ),
    path(
        "production-instructions/<int:pk>/",
        production.ProductionInstructionDetailApi.as_view(),
        name="production-instruction-detail",
    ),
    path(
        "production-instructions/<int:pk>/start/",
        production.ProductionStartApi.as_view(),
        name="production-instruction-start",
    ),
    path(
        "production-instructions/<int:pk>/progress/",
        production.ProductionProgressApi.as_view(),
        name="production-instruction-progress",
    ),
    path(
        "production-instructions/<int:pk>/finish/",
        production.ProductionFinishApi.as_view(),
        name="production-instruction-finish",
    ),
    # shipments and receipts
    path("shipments/", shipping.ShipmentListApi.as_view(), name="shipment-list"),
    path("shipments/<int:pk>/", shipping.ShipmentDetailApi.as_view(), name="shipment-detail"),
    path(
        "shipments/<int:pk>/receipt/",
        shipping.ShipmentReceiptApi.as_view(),
        name="shipment-receipt",
    ),
    path(
        "shipments/<int:pk>/receipt/file/",
        shipping.ShipmentReceiptFileApi.as_view(),
        name="shipment-receipt-file",
    ),
    path(
        f"{ORDER}shipments/",
        shipping.OrderShipmentListCreateApi.as_view(),
        name="order-shipments",
    ),
    path(
        f"{ORDER}lines/<int:line_id>/short-close/",
        shipping.OrderLineShortCloseApi.as_view(),
        name="order-line-short-close",
    ),
    path(
        f"{ORDER}shipping-gate/",
        shipping.OrderShippingGateApi.as_view(),
        name="order-shipping-gate",
    ),
    # risk-shipment requests
    path(
        "risk-shipment-requests/",
        risk.RiskRequestListApi.as_view(),
        name="risk-shipment-request-list",
    ),
    path(
        "risk-shipment-requests/<int:pk>/",
        risk.RiskRequestDetailApi.as_view(),
        name="risk-shipment-request-detail",
    ),
    path(
        "risk-shipment-requests/<int:pk>/decisions/",
        risk.RiskRequestDecisionApi.as_view(),
        name="risk-shipment-request-decisions",
    ),
    path(
        "risk-shipment-requests/<int:pk>/withdraw/",
        risk.RiskRequestWithdrawApi.as_view(),
        name="risk-shipment-request-withdraw",
    ),
    path(
        f"{ORDER}risk-shipment-requests/",
        risk.OrderRiskRequestListCreateApi.as_view(),
        name="order-risk-shipment-requests",
    ),
    # deviations and complaints
    path("deviations/", deviations.DeviationListApi.as_view(), name="deviation-list"),
    path(
        "deviations/<int:pk>/",
        deviations.DeviationDetailApi.as_view(),
        name="deviation-detail",
    ),
    path(
        f"{ORDER}deviations/",
        deviations.OrderDeviationListCreateApi.as_view(),
        name="order-deviations",
    ),
    # execution plan
    path(
        f"{ORDER}execution-plan/",
        plan.OrderExecutionPlanApi.as_view(),
        name="order-execution-plan",
    ),
    path(
        f"{ORDER}execution-plan/actuals/",
        plan.OrderExecutionPlanActualApi.as_view(),
        name="order-execution-plan-actuals",
    ),
    path("standard-cycles/", plan.StandardCycleListApi.as_view(), name="standard-cycle-list"),
]
