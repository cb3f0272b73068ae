from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ArchiveRecord


@admin.register(ArchiveRecord)
class ArchiveRecordAdmin(ReadOnlyAdmin):
    """Archive records are written only by the archiving service and never change."""

    list_display = [
        "position",
        "order_number",
        "customer_name",
        "category",
        "order_date",
        "total",
        "archived_at",
        "retention_until",
    ]
    list_filter = ["category", "archived_at"]
    search_fields = ["order_number", "customer_name"]
    date_hierarchy = "archived_at"
