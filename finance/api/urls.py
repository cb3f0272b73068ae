"""/api/v1/ routes of the finance app (DESIGN §7)."""

from django.urls import path

from .. import api_urls_exports
from . import invoices, payments, receivables

ORDER = "orders/<int:order_id>/"

urlpatterns = [
    # invoices and red-letter credit notes
    path("invoices/", invoices.InvoiceListApi.as_view(), name="invoice-list"),
    path("invoices/<int:pk>/", invoices.InvoiceDetailApi.as_view(), name="invoice-detail"),
    path(
        "invoices/<int:pk>/credit-notes/",
        invoices.InvoiceCreditNoteCreateApi.as_view(),
        name="invoice-credit-notes",
    ),
    path(f"{ORDER}invoices/", invoices.OrderInvoiceListCreateApi.as_view(), name="order-invoices"),
    path(
        f"{ORDER}invoiceable/",
        invoices.OrderInvoiceableApi.as_view(),
        name="order-invoiceable",
    ),
    # receipts (payments) and allocations
    path("payments/", payments.PaymentListCreateApi.as_view(), name="payment-list"),
    path("payments/<int:pk>/", payments.PaymentDetailApi.as_view(), name="payment-detail"),
    path(
        "payments/<int:pk>/allocations/",
        payments.PaymentAllocationCreateApi.as_view(),
        name="payment-allocations",
    ),
    path("allocations/", payments.AllocationListApi.as_view(), name="allocation-list"),
    path(
        "allocations/<int:pk>/reverse/",
        payments.AllocationReverseApi.as_view(),
        name="allocation-reverse",
    ),
    # receivables and balances
    path("receivables/", receivables.ReceivableListApi.as_view(), name="receivable-list"),
    path(
        "receivables/summary/",
        receivables.ReceivablesSummaryApi.as_view(),
        name="receivable-summary",
    ),
    path(f"{ORDER}balance/", receivables.OrderBalanceApi.as_view(), name="order-balance"),
]
urlpatterns += api_urls_exports.urlpatterns
