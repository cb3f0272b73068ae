from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from orders.enums import OrderStatus as S

# Orders the customer has a commitment on: approved, and neither cancelled nor rejected. The
# finance section of the order page, statements and exports cover these.
APPROVED_STATES = (
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY_TO_SHIP,
    S.PARTIALLY_SHIPPED,
    S.SHIPPED,
    S.DELIVERED,
    S.SETTLED,
    S.ARCHIVED,
    S.ON_HOLD,
)
# Money may still be allocated to these: settled and archived orders are locked.
ALLOCATABLE_STATES = tuple(s for s in APPROVED_STATES if s not in (S.SETTLED, S.ARCHIVED))


class InvoiceKind(TextChoices):
    NORMAL = "normal", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Red-letter credit note (红字发票)")


class ReceiptMethod(TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (电汇)")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill (承兑汇票)")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class StatementStatus(TextChoices):
    ISSUED = "issued", _("Sent to the customer")
    CONFIRMED = "confirmed", _("Confirmed by the customer")
    DISPUTED = "disputed", _("Disputed by the customer")


class ExportStatus(TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# (key, label, first and last day past the due date); "0–30" counts from the first day late.
AGEING_BUCKETS = (
    ("not_due", _("Not yet due"), None, None),
    ("d0_30", _("0–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d90_plus", _("Over 90 days"), 91, None),
)
