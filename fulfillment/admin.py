"""Fulfillment in the admin: stock, production instructions, shipments and receipts, risk-shipment
requests, deviations, execution plans and the standard cycles.

Read-mostly: numbers, statuses and quantities are written by the services only (stock ledger,
order transitions, numbering), so they are read-only here and nothing numbered is added by hand.
The standard cycles (标准执行周期) are the configuration kept here: their working days are
edited in the list.
"""

from django.contrib import admin, messages
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import NoWritesMixin, ReadOnlyAdmin
from core.errors import ApplicationError

from .enums import CycleKey
from .models import (
    DeliveryReceipt,
    Deviation,
    ExecutionPlan,
    ProductionInstruction,
    ProductionInstructionLine,
    ProductionReport,
    RiskShipmentDecision,
    RiskShipmentRequest,
    Shipment,
    ShipmentLine,
    StandardCycle,
    StockItem,
    StockMovement,
    StockReservation,
    Warehouse,
)
from .services import stock_adjust


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_default"]
    search_fields = ["code", "name"]


@admin.action(description=_("Write off unreserved stock (stock count adjustment)"))
def zero_on_hand(modeladmin, request, queryset):
    for item in queryset:
        change = item.reserved - item.on_hand
        if not change:
            continue
        try:
            stock_adjust(
                product=item.product,
                warehouse=item.warehouse,
                quantity=change,
                actor=request.user,
                reason=str(_("Stock count in admin")),
            )
        except ApplicationError as exc:
            modeladmin.message_user(request, str(exc.message), messages.ERROR)


@admin.register(StockItem)
class StockItemAdmin(admin.ModelAdmin):
    """On hand changes only through receipts and adjustments (services, ledger); reserved only
    through reservations."""

    list_display = ["product", "warehouse", "on_hand", "reserved"]
    list_filter = ["warehouse"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product", "warehouse"]
    readonly_fields = ["on_hand", "reserved"]
    autocomplete_fields = ["product"]
    actions = [zero_on_hand]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "product", "warehouse"] if obj else self.readonly_fields


@admin.register(StockReservation)
class StockReservationAdmin(ReadOnlyAdmin):
    list_display = ["order", "line", "stock_item", "quantity", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["order", "stock_item__product", "stock_item__warehouse"]
    search_fields = ["order__number"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["at", "stock_item", "kind", "quantity", "reference", "actor"]
    list_filter = ["kind"]
    list_select_related = ["stock_item__product", "stock_item__warehouse", "actor"]
    search_fields = ["reference", "stock_item__product__code"]


class ReadOnlyInline(NoWritesMixin, admin.TabularInline):
    """Rows written by the services, shown with their parent."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class NoAddAdmin(admin.ModelAdmin):
    """Created by the services (numbered, tied to an order transition): changed here only in
    the fields a service does not own, never added or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- production ----------------------------------------------------------------------------------
def order_line_label(line) -> str:
    """“2. BP-CDL4-10 不锈钢立式多级离心泵” rather than the row's ids."""
    if line is None:
        return "—"
    return f"{line.sequence}. {line.product}"


class ProductionInstructionLineInline(ReadOnlyInline):
    model = ProductionInstructionLine
    fields = ["line", "product", "quantity", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line__product", "product")

    @admin.display(description=_("order line"))
    def line(self, obj: ProductionInstructionLine) -> str:
        return order_line_label(obj.order_line)


class ProductionReportInline(ReadOnlyInline):
    model = ProductionReport
    fields = ["at", "progress", "note", "actor"]


@admin.register(ProductionInstruction)
class ProductionInstructionAdmin(NoAddAdmin):
    """Status, progress and QC move through the production services; the plan dates and the
    remarks may be corrected here."""

    list_display = [
        "number",
        "order",
        "status",
        "planned_start",
        "planned_finish",
        "progress",
        "qc_passed",
        "issued_at",
    ]
    list_filter = ["status", "qc_passed"]
    search_fields = ["number", "order__number", "order__customer__name"]
    list_select_related = ["order"]
    date_hierarchy = "planned_finish"
    fields = [
        "number",
        "order",
        "status",
        "planned_start",
        "planned_finish",
        "progress",
        "qc_passed",
        "qc_note",
        "remarks",
        "issued_at",
        "issued_by",
        "started_at",
        "started_by",
        "finished_at",
        "finished_by",
    ]
    readonly_fields = [f for f in fields if f not in ("planned_start", "planned_finish", "remarks")]
    inlines = [ProductionInstructionLineInline, ProductionReportInline]


def receipt_link(receipt: DeliveryReceipt) -> str:
    """The file through the download view, which checks who may see it (never the bare
    media URL)."""
    if receipt is None or not receipt.pk:
        return "—"
    href = reverse("fulfillment:receipt_download", args=[receipt.shipment_id])
    return format_html('<a href="{}">{}</a>', href, receipt.name)


# --- shipping ------------------------------------------------------------------------------------
class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["line", "quantity", "unit"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line__product")

    @admin.display(description=_("order line"))
    def line(self, obj: ShipmentLine) -> str:
        return order_line_label(obj.order_line)

    @admin.display(description=_("unit"))
    def unit(self, obj: ShipmentLine) -> str:
        return obj.order_line.unit


class DeliveryReceiptInline(NoWritesMixin, admin.StackedInline):
    model = DeliveryReceipt
    extra = 0
    can_delete = False
    fields = [
        "download",
        "name",
        "size",
        "sha256",
        "signer",
        "signed_on",
        "quantity_ok",
        "appearance_ok",
        "packing_ok",
        "remarks",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("signed receipt"))
    def download(self, obj: DeliveryReceipt) -> str:
        return receipt_link(obj)


@admin.register(Shipment)
class ShipmentAdmin(NoAddAdmin):
    """Quantities, the ship date and the status come from the ship transition and the signed
    receipt; the carrier's details and the follow-up owner may be corrected here."""

    list_display = [
        "number",
        "order",
        "shipped_on",
        "carrier",
        "transport_mode",
        "tracking_number",
        "status",
        "created_by",
    ]
    list_filter = ["status", "transport_mode"]
    search_fields = ["number", "order__number", "tracking_number", "carrier"]
    list_select_related = ["order", "created_by"]
    date_hierarchy = "shipped_on"
    fields = [
        "number",
        "order",
        "status",
        "shipped_on",
        "carrier",
        "transport_mode",
        "tracking_number",
        "customer_consent",
        "follow_up_owner",
        "remarks",
        "created_by",
        "created_at",
    ]
    readonly_fields = [
        "number",
        "order",
        "status",
        "shipped_on",
        "transport_mode",
        "customer_consent",
        "created_by",
        "created_at",
    ]
    raw_id_fields = ["follow_up_owner"]
    inlines = [ShipmentLineInline, DeliveryReceiptInline]


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ReadOnlyAdmin):
    """The customer's signed receipt is proof of delivery: never edited."""

    list_display = [
        "shipment",
        "order_number",
        "signer",
        "signed_on",
        "quantity_ok",
        "appearance_ok",
        "packing_ok",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["quantity_ok", "appearance_ok", "packing_ok"]
    search_fields = ["shipment__number", "shipment__order__number", "signer"]
    list_select_related = ["shipment__order", "uploaded_by"]
    date_hierarchy = "signed_on"
    exclude = ["file"]
    readonly_fields = ["download"]

    @admin.display(description=_("signed receipt"))
    def download(self, obj: DeliveryReceipt) -> str:
        return receipt_link(obj)

    @admin.display(description=_("order"), ordering="shipment__order__number")
    def order_number(self, obj: DeliveryReceipt) -> str:
        return obj.shipment.order.number


# --- risk shipment requests ----------------------------------------------------------------------
class RiskShipmentDecisionInline(ReadOnlyInline):
    model = RiskShipmentDecision
    fields = ["decided_at", "step", "decision", "actor", "on_behalf_of", "comment"]


@admin.register(RiskShipmentRequest)
class RiskShipmentRequestAdmin(ReadOnlyAdmin):
    """Requested, decided and withdrawn through the risk services only."""

    list_display = [
        "order",
        "status",
        "exposure",
        "requested_by",
        "requested_at",
        "closed_at",
    ]
    list_filter = ["status"]
    search_fields = ["order__number", "order__customer__name", "reason"]
    list_select_related = ["order", "requested_by"]
    inlines = [RiskShipmentDecisionInline]


# --- deviations ----------------------------------------------------------------------------------
@admin.register(Deviation)
class DeviationAdmin(NoAddAdmin):
    """Raised and moved on through the deviation services (which notify); the wording may be
    corrected here."""

    list_display = [
        "number",
        "order",
        "kind",
        "category",
        "severity",
        "status",
        "owner",
        "raised_at",
    ]
    list_filter = ["kind", "category", "severity", "status"]
    search_fields = ["number", "title", "order__number", "order__customer__name"]
    list_select_related = ["order", "owner"]
    fields = [
        "number",
        "order",
        "kind",
        "category",
        "severity",
        "status",
        "title",
        "description",
        "cause",
        "resolution",
        "owner",
        "raised_by",
        "raised_at",
        "resolved_at",
    ]
    readonly_fields = [
        "number",
        "order",
        "kind",
        "severity",
        "status",
        "owner",
        "raised_by",
        "raised_at",
        "resolved_at",
    ]


# --- execution plan ------------------------------------------------------------------------------
@admin.register(ExecutionPlan)
class ExecutionPlanAdmin(ReadOnlyAdmin):
    """Computed from the required arrival date and the standard cycles (plan services)."""

    list_display = [
        "order",
        "planned_ship",
        "actual_ship",
        "planned_arrival",
        "actual_arrival",
        "planned_acceptance",
        "computed_at",
    ]
    search_fields = ["order__number", "order__customer__name"]
    list_select_related = ["order"]
    date_hierarchy = "planned_ship"


@admin.register(StandardCycle)
class StandardCycleAdmin(admin.ModelAdmin):
    """标准执行周期: the working days each planning step takes. Changes apply to plans computed
    afterwards (an approval, a moved arrival date, a recorded milestone)."""

    list_display = ["key", "working_days"]
    list_editable = ["working_days"]
    list_display_links = None

    def get_queryset(self, request):
        # in the order the plan uses them: survey, transport, installation, acceptance
        position = Case(
            *(When(key=key, then=Value(index)) for index, key in enumerate(CycleKey.values)),
            default=Value(len(CycleKey.values)),
        )
        return StandardCycle.objects.annotate(position=position).order_by("position")

    def get_ordering(self, request):
        return ["position"]

    def get_readonly_fields(self, request, obj=None):
        return ["key"] if obj else []

    def has_add_permission(self, request):
        # one row per cycle: added only when the migration's row for a cycle is missing
        return StandardCycle.objects.count() < len(CycleKey.values)

    def has_delete_permission(self, request, obj=None):
        return False
