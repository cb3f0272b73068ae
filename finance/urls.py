from django.urls import path

from . import urls_exports
from .views import home, invoices, receipts, receivables

app_name = "finance"

urlpatterns = [
    path("", home.finance_home_view, name="home"),
    path("invoices/", invoices.invoice_list_view, name="invoice_list"),
    path("invoices/<int:pk>/", invoices.invoice_detail_view, name="invoice_detail"),
    path(
        "invoices/<int:pk>/credit-note/",
        invoices.credit_note_create_view,
        name="credit_note_create",
    ),
    path("orders/<int:order_pk>/invoice/", invoices.invoice_create_view, name="invoice_create"),
    path("receipts/", receipts.receipt_list_view, name="receipt_list"),
    path("receipts/new/", receipts.receipt_create_view, name="receipt_create"),
    path("receipts/<int:pk>/", receipts.receipt_detail_view, name="receipt_detail"),
    path("receipts/<int:pk>/allocate/", receipts.allocation_create_view, name="allocation_create"),
    path(
        "receipts/<int:pk>/allocate/options/",
        receipts.allocation_options_view,
        name="allocation_options",
    ),
    path(
        "allocations/<int:pk>/reverse/",
        receipts.allocation_reverse_view,
        name="allocation_reverse",
    ),
    path("receivables/", receivables.receivables_view, name="receivables"),
]
urlpatterns += urls_exports.urlpatterns
