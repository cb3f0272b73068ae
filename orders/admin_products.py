"""Products and categories in the admin (master data). Imported by orders/admin.py.

The model validates floor price ≤ list price and the VAT rate choices on every form; only the
admin role may change products, as in orders.services.products.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Product, ProductCategory
from .services.products import may_manage_products


class ProductAdminWritesMixin:
    def has_add_permission(self, request, *args):
        return may_manage_products(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return may_manage_products(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return may_manage_products(request.user) and super().has_delete_permission(request, obj)


@admin.register(ProductCategory)
class ProductCategoryAdmin(ProductAdminWritesMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Product)
class ProductAdmin(ProductAdminWritesMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "spec",
        "unit",
        "category",
        "list_price",
        "floor_price",
        "vat_rate",
        "supply_mode",
        "is_active",
    ]
    list_filter = ["category", "supply_mode", "vat_rate", "is_active"]
    search_fields = ["code", "name", "spec"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "spec", ("unit", "category"), "is_active"]}),
        (_("Prices"), {"fields": [("list_price", "floor_price", "vat_rate")]}),
        (
            _("Supply"),
            {"fields": ["supply_mode", ("production_cycle_days", "procurement_cycle_days")]},
        ),
        (None, {"fields": [("created_at", "updated_at")]}),
    ]
