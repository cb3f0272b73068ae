"""Input and output shapes of the customers and contracts API. Validation of business rules
(credit code, one primary contact, who may set what) lives in contracts.services."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..enums import AttachmentKind
from ..models import (
    Contract,
    ContractAttachment,
    Customer,
    CustomerAddress,
    CustomerContact,
    SupplementaryAgreement,
)
from ..services.contracts import CONTRACT_FIELDS
from ..services.customers import ADDRESS_FIELDS, CUSTOMER_FIELDS

User = get_user_model()


class _VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer id among those the requesting user may see; others read as "does not exist"."""

    def get_queryset(self):
        from ..selectors import customer_list

        request = self.context.get("request")
        if request is None:
            return Customer.objects.none()
        return customer_list(user=request.user)


# --- customers: output ------------------------------------------------------------------------


class CustomerContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerContact
        fields = ["id", "name", "title", "phone", "email", "is_primary"]


class CustomerAddressSerializer(serializers.ModelSerializer):
    full_address = serializers.CharField(read_only=True)

    class Meta:
        model = CustomerAddress
        fields = ["id", *ADDRESS_FIELDS, "full_address"]


class CustomerListSerializer(serializers.ModelSerializer):
    settlement_method_display = serializers.CharField(
        source="get_settlement_method_display", read_only=True
    )
    credit_grade_display = serializers.CharField(source="get_credit_grade_display", read_only=True)
    trade_type_display = serializers.CharField(source="get_trade_type_display", read_only=True)
    account_manager_name = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "short_name",
            "credit_code",
            "region",
            "province",
            "settlement_method",
            "settlement_method_display",
            "credit_days",
            "credit_limit",
            "credit_grade",
            "credit_grade_display",
            "trade_type",
            "trade_type_display",
            "is_key_customer",
            "is_active",
            "account_manager",
            "account_manager_name",
        ]
        read_only_fields = fields

    def get_account_manager_name(self, obj: Customer) -> str:
        manager = obj.account_manager
        if manager is None:
            return ""
        return manager.get_full_name() or manager.get_username()


class CustomerDetailSerializer(CustomerListSerializer):
    contacts = CustomerContactSerializer(many=True, read_only=True)
    addresses = CustomerAddressSerializer(many=True, read_only=True)

    class Meta(CustomerListSerializer.Meta):
        fields = [
            *CustomerListSerializer.Meta.fields,
            "customer_class",
            "invoice_title",
            "tax_number",
            "invoice_address_phone",
            "bank_name",
            "bank_account",
            "notes",
            "contacts",
            "addresses",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- customers: input -------------------------------------------------------------------------


class CustomerContactInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False,
        help_text=_("Id of an existing contact to keep and update; leave out to add a contact."),
    )

    class Meta:
        model = CustomerContact
        fields = ["id", "name", "title", "phone", "email", "is_primary"]


class CustomerAddressInputSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        required=False,
        help_text=_("Id of an existing address to keep and update; leave out to add an address."),
    )

    class Meta:
        model = CustomerAddress
        fields = [
            "id",
            "label",
            "province",
            "city",
            "district",
            "detail",
            "postcode",
            "consignee",
            "phone",
            "is_default",
        ]


class CustomerInputSerializer(serializers.ModelSerializer):
    """Customer fields a client may send. `contacts` and `addresses`, when sent, are the whole
    new list (replace-list): items with an `id` update that row, others are added, rows not
    listed are removed."""

    # The service normalises and checks the code (GB 32100-2015) and its uniqueness, so the
    # model's length and unique validators are not repeated here.
    credit_code = serializers.CharField(
        max_length=40, help_text=_("Unified social credit code, 18 characters.")
    )
    account_manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    contacts = CustomerContactInputSerializer(many=True, required=False)
    addresses = CustomerAddressInputSerializer(many=True, required=False)

    class Meta:
        model = Customer
        fields = [*CUSTOMER_FIELDS, "contacts", "addresses"]


# --- contracts --------------------------------------------------------------------------------


class ContractAttachmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ContractAttachment
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "file",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
        ]
        read_only_fields = fields

    def get_uploaded_by_name(self, obj: ContractAttachment) -> str:
        user = obj.uploaded_by
        return "" if user is None else (user.get_full_name() or user.get_username())


class ContractAttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("The document; size and type are limited."))
    kind = serializers.ChoiceField(choices=AttachmentKind.choices, default=AttachmentKind.OTHER)


class SupplementaryAgreementSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplementaryAgreement
        fields = ["id", "number", "signed_date", "amount_change", "description", "file"]
        read_only_fields = fields


class SupplementaryAgreementInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplementaryAgreement
        fields = ["number", "signed_date", "amount_change", "description", "file"]
        # The unique (contract, number) pair is checked by the service, which knows the contract.
        validators: list = []


class ContractLedgerSerializer(serializers.Serializer):
    """合同台账: the amount ordered in the contract's batches against the contract amount."""

    contract_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    supplementary_change = serializers.DecimalField(max_digits=16, decimal_places=2)
    effective_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    ordered_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    batches = serializers.IntegerField()
    remaining_amount = serializers.DecimalField(max_digits=16, decimal_places=2)


class ContractListSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "title",
            "customer",
            "customer_name",
            "signed_date",
            "start_date",
            "end_date",
            "amount",
            "status",
            "status_display",
            "owner",
        ]
        read_only_fields = fields


class ContractDetailSerializer(ContractListSerializer):
    attachments = ContractAttachmentSerializer(many=True, read_only=True)
    supplementary_agreements = SupplementaryAgreementSerializer(many=True, read_only=True)
    ledger = ContractLedgerSerializer(read_only=True)

    class Meta(ContractListSerializer.Meta):
        fields = [
            *ContractListSerializer.Meta.fields,
            "payment_terms",
            "penalty_clause",
            "installation_service",
            "notes",
            "attachments",
            "supplementary_agreements",
            "ledger",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContractInputSerializer(serializers.ModelSerializer):
    customer = _VisibleCustomerField(queryset=Customer.objects.all())

    class Meta:
        model = Contract
        fields = list(CONTRACT_FIELDS)
        # Number uniqueness is checked (with a clearer message) by the service.
        extra_kwargs = {"number": {"validators": []}}
        validators: list = []


class ContractOrderSerializer(serializers.Serializer):
    """One order (delivery batch) placed against the contract."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    order_date = serializers.DateField(read_only=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
