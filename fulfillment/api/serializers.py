"""Representations of the fulfillment API (DESIGN §7). Output only: each view module keeps the
input serializers it parses; the rules live in fulfillment.services."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.roles import Role, has_role
from core.templatetags.ui import person
from orders.enums import DeliveryMethod
from orders.models.decisions import StepDecision

from ..enums import (
    CycleKey,
    DeviationCategory,
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
    GateReason,
    ProductionReason,
    ProductionStatus,
    RiskRequestStatus,
    ShipmentStatus,
)
from ..models import (
    DeliveryReceipt,
    Deviation,
    ProductionInstruction,
    ProductionInstructionLine,
    ProductionReport,
    RiskShipmentDecision,
    RiskShipmentRequest,
    Shipment,
    ShipmentLine,
)
from ..services.risk import may_decide_risk
from .common import enum_field, inline_enum
from .selectors import MILESTONE_LABELS

QTY = {"max_digits": 14, "decimal_places": 3}


class PersonField(serializers.CharField):
    """A user's display name (张伟 / "Wei Zhang"), null when nobody."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return person(value) if value is not None else None


class _OrderMixin(serializers.Serializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer_name = serializers.CharField(source="order.customer.name", read_only=True)


# --- production -----------------------------------------------------------------------------------
class ProductionInstructionLineSerializer(serializers.ModelSerializer):
    sequence = serializers.IntegerField(source="order_line.sequence", read_only=True, default=None)
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    unit = serializers.CharField(source="product.unit", read_only=True)
    reason = enum_field(ProductionReason, read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)

    class Meta:
        model = ProductionInstructionLine
        fields = [
            "id",
            "order_line",
            "sequence",
            "product",
            "product_code",
            "product_name",
            "unit",
            "quantity",
            "reason",
            "reason_display",
        ]
        read_only_fields = fields


class ProductionReportSerializer(serializers.ModelSerializer):
    actor_name = PersonField(source="actor")

    class Meta:
        model = ProductionReport
        fields = ["id", "progress", "note", "actor", "actor_name", "at"]
        read_only_fields = fields


class ProductionInstructionSerializer(_OrderMixin, serializers.ModelSerializer):
    status = enum_field(ProductionStatus, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField(
        help_text=_("Still open after the planned finish date.")
    )
    issued_by_name = PersonField(source="issued_by")
    started_by_name = PersonField(source="started_by")
    finished_by_name = PersonField(source="finished_by")
    lines = ProductionInstructionLineSerializer(many=True, read_only=True)

    class Meta:
        model = ProductionInstruction
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "customer_name",
            "status",
            "status_display",
            "planned_start",
            "planned_finish",
            "overdue",
            "progress",
            "qc_passed",
            "qc_note",
            "remarks",
            "issued_at",
            "issued_by",
            "issued_by_name",
            "started_at",
            "started_by",
            "started_by_name",
            "finished_at",
            "finished_by",
            "finished_by_name",
            "lines",
        ]
        read_only_fields = fields

    def get_overdue(self, instruction: ProductionInstruction) -> bool:
        return instruction.is_open and instruction.planned_finish < timezone.localdate()


class ProductionInstructionDetailSerializer(ProductionInstructionSerializer):
    reports = ProductionReportSerializer(many=True, read_only=True)

    class Meta(ProductionInstructionSerializer.Meta):
        fields = [*ProductionInstructionSerializer.Meta.fields, "reports"]
        read_only_fields = fields


# --- shipments and receipts -----------------------------------------------------------------------
class ShipmentLineSerializer(serializers.ModelSerializer):
    sequence = serializers.IntegerField(source="order_line.sequence", read_only=True)
    product = serializers.IntegerField(source="order_line.product_id", read_only=True)
    product_code = serializers.CharField(source="order_line.product.code", read_only=True)
    product_name = serializers.CharField(source="order_line.product.name", read_only=True)
    unit = serializers.CharField(source="order_line.unit", read_only=True)

    class Meta:
        model = ShipmentLine
        fields = [
            "id",
            "order_line",
            "sequence",
            "product",
            "product_code",
            "product_name",
            "unit",
            "quantity",
        ]
        read_only_fields = fields


class DeliveryReceiptSerializer(serializers.ModelSerializer):
    shipment_number = serializers.CharField(source="shipment.number", read_only=True)
    all_ok = serializers.BooleanField(read_only=True)
    uploaded_by_name = PersonField(source="uploaded_by")
    download_url = serializers.SerializerMethodField(
        help_text=_("Where the signed receipt's file is downloaded (same visibility rules).")
    )

    class Meta:
        model = DeliveryReceipt
        fields = [
            "id",
            "shipment",
            "shipment_number",
            "name",
            "size",
            "sha256",
            "signer",
            "signed_on",
            "quantity_ok",
            "appearance_ok",
            "packing_ok",
            "all_ok",
            "remarks",
            "uploaded_by",
            "uploaded_by_name",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, receipt: DeliveryReceipt) -> str:
        path = reverse("api:shipment-receipt-file", args=[receipt.shipment_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ShipmentSerializer(_OrderMixin, serializers.ModelSerializer):
    status = enum_field(ShipmentStatus, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    transport_mode = enum_field(DeliveryMethod, read_only=True, allow_blank=True)
    transport_mode_display = serializers.CharField(
        source="get_transport_mode_display", read_only=True
    )
    follow_up_owner_name = PersonField(source="follow_up_owner")
    created_by_name = PersonField(source="created_by")
    lines = ShipmentLineSerializer(many=True, read_only=True)
    receipt = serializers.SerializerMethodField(
        help_text=_("The signed receipt (签收单); null until it is uploaded.")
    )

    class Meta:
        model = Shipment
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "customer_name",
            "status",
            "status_display",
            "shipped_on",
            "carrier",
            "transport_mode",
            "transport_mode_display",
            "tracking_number",
            "customer_consent",
            "follow_up_owner",
            "follow_up_owner_name",
            "remarks",
            "created_by",
            "created_by_name",
            "created_at",
            "lines",
            "receipt",
        ]
        read_only_fields = fields

    @extend_schema_field(DeliveryReceiptSerializer(allow_null=True))
    def get_receipt(self, shipment: Shipment):
        try:
            receipt = shipment.receipt
        except DeliveryReceipt.DoesNotExist:
            return None
        receipt.shipment = shipment
        return DeliveryReceiptSerializer(receipt, context=self.context).data


# --- shipping gate --------------------------------------------------------------------------------
class GateReasonSerializer(serializers.Serializer):
    code = enum_field(GateReason)
    message = serializers.CharField()


class ShippingGateSerializer(serializers.Serializer):
    blocked = serializers.BooleanField(
        help_text=_("True when a reason blocks shipping and no risk shipment is approved.")
    )
    reasons = GateReasonSerializer(many=True)
    risk_approved = serializers.BooleanField(
        help_text=_("A risk-shipment request (风险发货申请) for the order is approved.")
    )
    exposure = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text=_("The customer's credit exposure: approved, unsettled orders and receivables."),
    )
    credit_limit = serializers.DecimalField(max_digits=16, decimal_places=2)


# --- risk-shipment requests -----------------------------------------------------------------------
class RiskShipmentDecisionSerializer(serializers.ModelSerializer):
    step = serializers.CharField(read_only=True)
    decision = enum_field(StepDecision.Decision, read_only=True)
    actor_name = PersonField(source="actor")
    on_behalf_of_name = PersonField(source="on_behalf_of")

    class Meta:
        model = RiskShipmentDecision
        fields = [
            "step",
            "decision",
            "actor",
            "actor_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "comment",
            "decided_at",
        ]
        read_only_fields = fields


class RiskShipmentRequestSerializer(_OrderMixin, serializers.ModelSerializer):
    status = enum_field(RiskRequestStatus, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    gate_reasons = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=_("What blocked the order when the request was made: prepayment, credit."),
    )
    requested_by_name = PersonField(source="requested_by")
    decisions = RiskShipmentDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = RiskShipmentRequest
        fields = [
            "id",
            "order",
            "order_number",
            "customer_name",
            "status",
            "status_display",
            "reason",
            "gate_reasons",
            "exposure",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "closed_at",
            "decisions",
        ]
        read_only_fields = fields


class RiskShipmentRequestDetailSerializer(RiskShipmentRequestSerializer):
    may_decide = serializers.SerializerMethodField(
        help_text=_("The signed-in user decides the request's current step.")
    )
    may_withdraw = serializers.SerializerMethodField()

    class Meta(RiskShipmentRequestSerializer.Meta):
        fields = [*RiskShipmentRequestSerializer.Meta.fields, "may_decide", "may_withdraw"]
        read_only_fields = fields

    def _user(self):
        return getattr(self.context.get("request"), "user", None)

    def get_may_decide(self, request: RiskShipmentRequest) -> bool:
        user = self._user()
        return user is not None and may_decide_risk(user, request)

    def get_may_withdraw(self, request: RiskShipmentRequest) -> bool:
        user = self._user()
        return (
            user is not None
            and request.is_open
            and (request.requested_by_id == user.pk or has_role(user, Role.ADMIN))
        )


# --- deviations -----------------------------------------------------------------------------------
class DeviationSerializer(_OrderMixin, serializers.ModelSerializer):
    kind = enum_field(DeviationKind, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    category = enum_field(DeviationCategory, read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    severity = enum_field(DeviationSeverity, read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    status = enum_field(DeviationStatus, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner_name = PersonField(source="owner")
    raised_by_name = PersonField(source="raised_by")
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Deviation
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "customer_name",
            "kind",
            "kind_display",
            "category",
            "category_display",
            "severity",
            "severity_display",
            "title",
            "description",
            "cause",
            "resolution",
            "status",
            "status_display",
            "is_open",
            "owner",
            "owner_name",
            "raised_by",
            "raised_by_name",
            "raised_at",
            "resolved_at",
        ]
        read_only_fields = fields


# --- execution plan -------------------------------------------------------------------------------
@extend_schema_field(inline_enum(list(MILESTONE_LABELS.items())))
class MilestoneField(serializers.CharField):
    pass


class MilestoneSerializer(serializers.Serializer):
    milestone = MilestoneField()
    label = serializers.CharField()
    planned = serializers.DateField(allow_null=True)
    actual = serializers.DateField(allow_null=True)
    manual = serializers.BooleanField(
        help_text=_("Recorded by hand (survey, installation, acceptance); the rest by the system.")
    )
    late = serializers.BooleanField(
        help_text=_("The actual date (or today, while there is none) is after the planned one.")
    )


class ExecutionPlanSerializer(serializers.Serializer):
    order = serializers.IntegerField()
    stored = serializers.BooleanField(
        help_text=_("False before approval: the plan is computed from the order's dates only.")
    )
    computed_at = serializers.DateTimeField(allow_null=True)
    milestones = MilestoneSerializer(many=True)


class StandardCycleSerializer(serializers.Serializer):
    key = enum_field(CycleKey)
    label = serializers.CharField()
    working_days = serializers.IntegerField()
