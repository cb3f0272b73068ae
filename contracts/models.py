from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.validators import validate_credit_code

from .enums import AttachmentKind, ContractStatus, CreditGrade, SettlementMethod, TradeType


class Customer(TimeStampedModel):
    """A customer as on its business licence (REQUIREMENTS §2)."""

    name = models.CharField(_("name (as on business licence)"), max_length=200, db_index=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    # 开票信息
    invoice_title = models.CharField(_("invoice title"), max_length=200, blank=True)
    tax_number = models.CharField(_("taxpayer number"), max_length=30, blank=True)
    invoice_address_phone = models.CharField(
        _("invoice address and phone"), max_length=300, blank=True
    )
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    # 信用与结算
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=16,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    credit_grade = models.CharField(
        _("credit grade"), max_length=1, choices=CreditGrade.choices, default=CreditGrade.B
    )
    settlement_method = models.CharField(
        _("settlement method"),
        max_length=20,
        choices=SettlementMethod.choices,
        default=SettlementMethod.PREPAYMENT,
    )
    credit_days = models.PositiveSmallIntegerField(
        _("credit term (days)"),
        default=0,
        help_text=_("Days after invoice for credit-term customers."),
    )
    region = models.CharField(_("region"), max_length=60, blank=True, db_index=True)
    province = models.CharField(_("province"), max_length=30, blank=True)
    customer_class = models.CharField(_("customer class"), max_length=30, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.PROTECT,
        related_name="managed_customers",
        null=True,
        blank=True,
    )
    trade_type = models.CharField(
        _("domestic or export"),
        max_length=10,
        choices=TradeType.choices,
        default=TradeType.DOMESTIC,
    )
    is_key_customer = models.BooleanField(_("key customer"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = (self.credit_code or "").strip().upper()
        super().save(*args, **kwargs)


class CustomerContact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=60)
    title = models.CharField(_("position"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.name} {self.phone}".strip()


class CustomerAddress(models.Model):
    """Ship-to address (省市区详细地址, 邮编) with its consignee."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=60, blank=True)
    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30, blank=True)
    detail = models.CharField(_("street address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    consignee = models.CharField(_("consignee"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "id"]
        verbose_name = _("ship-to address")
        verbose_name_plural = _("ship-to addresses")

    def __str__(self) -> str:
        return self.full_address

    @property
    def full_address(self) -> str:
        text = f"{self.province}{self.city}{self.district}{self.detail}"
        return f"{text} ({self.postcode})" if self.postcode else text


class Contract(TimeStampedModel):
    """A sales contract; one contract may be delivered in several orders (batches, 000 D21)."""

    number = models.CharField(_("contract number"), max_length=40, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    signed_date = models.DateField(_("signed date"))
    start_date = models.DateField(_("valid from"), null=True, blank=True)
    end_date = models.DateField(_("valid until"), null=True, blank=True)
    amount = models.DecimalField(
        _("contract amount"),
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    payment_terms = models.TextField(_("payment terms"), blank=True)
    penalty_clause = models.TextField(_("penalty clause"), blank=True)
    installation_service = models.BooleanField(_("installation service"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ContractStatus.choices, default=ContractStatus.ACTIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="contracts",
        null=True,
        blank=True,
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-signed_date", "-id"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="contract_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})


def contract_upload_to(instance, filename: str) -> str:
    return f"contracts/{instance.contract_id}/{filename}"


class ContractAttachment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("kind"), max_length=30, choices=AttachmentKind.choices, default=AttachmentKind.OTHER
    )
    file = models.FileField(_("file"), upload_to=contract_upload_to)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("contract attachment")
        verbose_name_plural = _("contract attachments")

    def __str__(self) -> str:
        return self.name


class SupplementaryAgreement(TimeStampedModel):
    """补充协议: changes the contract amount or terms after signing."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="supplementary_agreements"
    )
    number = models.CharField(_("number"), max_length=40)
    signed_date = models.DateField(_("signed date"))
    amount_change = models.DecimalField(
        _("amount change"), max_digits=16, decimal_places=2, default=Decimal("0.00")
    )
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("file"), upload_to="contracts/supplementary/", blank=True)

    class Meta:
        ordering = ["signed_date", "id"]
        verbose_name = _("supplementary agreement")
        verbose_name_plural = _("supplementary agreements")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="uniq_supplement_number")
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} / {self.number}"
