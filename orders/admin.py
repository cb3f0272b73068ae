"""Orders in the admin: read-mostly. Status and totals are never editable here; changes to
orders go through the services (DESIGN §2), so the admin offers no add/delete for orders."""

import contextlib

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Order, OrderAttachment, OrderEvent, OrderLine

with contextlib.suppress(ImportError):  # product admin classes live in their own module
    from . import admin_products  # noqa: F401


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = [
        "sequence",
        "product",
        "spec",
        "unit",
        "quantity",
        "unit_price",
        "tax_rate",
        "amount",
        "shipped_quantity",
        "is_closed",
        "close_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "event_type",
        "transition",
        "from_status",
        "to_status",
        "actor",
        "on_behalf_of",
        "comment",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderAttachmentInline(admin.TabularInline):
    model = OrderAttachment
    extra = 0
    can_delete = False
    fields = ["name", "file", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "owner",
        "status",
        "order_date",
        "promised_date",
        "total",
        "priority",
    ]
    list_filter = [
        "status",
        "order_type",
        "priority",
        "invoice_type",
        "delivery_method",
        ("order_date", admin.DateFieldListFilter),
    ]
    search_fields = ["number", "customer__name", "customer__credit_code", "lines__product__code"]
    date_hierarchy = "order_date"
    list_select_related = ["customer", "owner"]
    show_full_result_count = False
    inlines = [OrderLineInline, OrderAttachmentInline, OrderEventInline]
    readonly_fields = [f.name for f in Order._meta.fields] + ["total_in_words"]

    @admin.display(description=_("total in words"))
    def total_in_words(self, obj):
        return obj.total_in_words

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "order",
        "event_type",
        "transition",
        "from_status",
        "to_status",
        "actor",
    ]
    list_filter = ["event_type", "transition"]
    search_fields = ["order__number", "comment"]
    list_select_related = ["order", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
