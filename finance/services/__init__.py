from .invoices import credit_note_issue, invoice_issue, invoiceable
from .payments import allocation_create, allocation_reverse, receipt_record
from .settlement import settle_if_complete, settlement_guard

__all__ = [
    "allocation_create",
    "allocation_reverse",
    "credit_note_issue",
    "invoice_issue",
    "invoiceable",
    "receipt_record",
    "settle_if_complete",
    "settlement_guard",
]
