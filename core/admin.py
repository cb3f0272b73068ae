from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .calendar import calendar_warning
from .models import CalendarDay, CalendarYear, Notification, OutboxMessage


class CalendarWarningMixin:
    """Warn on the changelist while this or next year falls back to Monday–Friday."""

    def changelist_view(self, request, extra_context=None):
        warning = calendar_warning()
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "date"
    search_fields = ["name"]
    ordering = ["date"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["year", "day_count", "source", "note"]
    list_filter = ["source"]

    def get_queryset(self, request):
        days = (
            CalendarDay.objects.annotate(year=ExtractYear("date"))
            .filter(year=OuterRef("year"))
            .order_by()
            .values("year")
            .annotate(count=Count("id"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(day_count=Subquery(days, output_field=IntegerField()))
        )

    @admin.display(description=_("calendar days"), ordering="day_count")
    def day_count(self, obj: CalendarYear) -> int:
        return obj.day_count or 0


class NoWritesMixin:
    """Nobody adds, changes or deletes these in the admin: the services write them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    """Records written by the system: viewable, never edited by hand."""


class OutboxStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", _("pending")), ("sent", _("sent"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "task_name", "status", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [OutboxStatusFilter, "task_name"]
    search_fields = ["task_name"]
    date_hierarchy = "created_at"
    actions = ["send_now"]

    @admin.display(description=_("status"), ordering="sent_at")
    def status(self, obj: OutboxMessage) -> str:
        return _("sent") if obj.sent_at else _("pending")

    def has_send_permission(self, request) -> bool:
        return request.user.has_perm("core.change_outboxmessage")

    @admin.action(description=_("Send now"), permissions=["send"])
    def send_now(self, request, queryset):
        pending = queryset.filter(sent_at__isnull=True).values_list("id", flat=True)
        results = [outbox.dispatch(message_id) for message_id in pending]
        sent, failed = results.count(True), results.count(False)
        if sent:
            self.message_user(
                request,
                ngettext("%(count)d message sent.", "%(count)d messages sent.", sent)
                % {"count": sent},
                messages.SUCCESS,
            )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message not sent: see its last error.",
                    "%(count)d messages not sent: see their last error.",
                    failed,
                )
                % {"count": failed},
                messages.ERROR,
            )
        if not results:
            self.message_user(request, _("Nothing to send."), messages.INFO)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["subject", "recipient", "created_at", "read_at", "emailed_at"]
    list_filter = [
        ("read_at", admin.EmptyFieldListFilter),
        ("emailed_at", admin.EmptyFieldListFilter),
        "created_at",
    ]
    list_select_related = ["recipient"]
    search_fields = ["subject", "recipient__username"]
    date_hierarchy = "created_at"
