from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class SettlementMethod(TextChoices):
    PREPAYMENT = "prepayment", _("Prepayment (预付款)")
    CASH_ON_DELIVERY = "cod", _("Cash on delivery (货到付款)")
    MONTHLY = "monthly", _("Monthly settlement (月结)")
    CREDIT_TERM = "credit_term", _("Credit term (账期)")


class CreditGrade(TextChoices):
    A = "A", _("A – excellent")
    B = "B", _("B – good")
    C = "C", _("C – watch")
    D = "D", _("D – cash only")


class TradeType(TextChoices):
    DOMESTIC = "domestic", _("Domestic (内贸)")
    EXPORT = "export", _("Export (外贸)")


class ContractStatus(TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class AttachmentKind(TextChoices):
    SIGNED_SCAN = "signed_scan", _("Signed scan (扫描件)")
    TECHNICAL_AGREEMENT = "technical_agreement", _("Technical agreement (技术协议)")
    PURCHASE_CONFIRMATION = "purchase_confirmation", _("Purchase confirmation letter (采购确认函)")
    OTHER = "other", _("Other")
