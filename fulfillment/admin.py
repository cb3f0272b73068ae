from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from .models import StockItem, StockMovement, StockReservation, Warehouse
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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
