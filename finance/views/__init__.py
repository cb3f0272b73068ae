"""Finance pages: home, invoices, receipts and allocations, receivables, the order-page section."""
