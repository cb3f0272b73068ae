from .documents import Invoice, InvoiceLine
from .exports import ExportJob
from .payments import Allocation, Receipt
from .statements import Statement

__all__ = ["Allocation", "ExportJob", "Invoice", "InvoiceLine", "Receipt", "Statement"]
