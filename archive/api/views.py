"""Archive API (DESIGN §7): search, one record with its frozen snapshot, the download bundle and
the chain's verification — finance, the general manager and the administrator only."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.fields import enum_field, is_schema_view, parse
from core.errors import PermissionDenied
from orders.enums import OrderType

from ..hashing import snapshot_hash
from ..models import ArchiveRecord
from ..permissions import may_read_archive
from ..selectors import archive_get, archive_search
from ..services.verify import verify_chain

ERRORS = {
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied: not finance, GM or admin")),
}
LIST_ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad filter")),
    **ERRORS,
}
READ_ERRORS = {**ERRORS, 404: OpenApiResponse(description=_("not_found"))}


def _require_reader(user) -> None:
    """Refuse before parsing anything: a user without access learns nothing from a 400."""
    if not may_read_archive(user):
        raise PermissionDenied()


# --- input ----------------------------------------------------------------------------------------
class ArchiveFilterSerializer(serializers.Serializer):
    number = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("Order number, or part of it")
    )
    customer = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Customer name, or part of it"),
    )
    product = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=_("A product code or name in the frozen order lines"),
    )
    category = enum_field(OrderType, required=False, help_text=_("The order type"))
    date_from = serializers.DateField(required=False, help_text=_("Order date from (YYYY-MM-DD)"))
    date_to = serializers.DateField(required=False, help_text=_("Order date until (YYYY-MM-DD)"))
    archived_from = serializers.DateField(required=False, help_text=_("Archived on or after"))
    archived_to = serializers.DateField(required=False, help_text=_("Archived on or before"))
    amount_min = serializers.DecimalField(
        required=False, max_digits=16, decimal_places=2, min_value=0, help_text=_("Total at least")
    )
    amount_max = serializers.DecimalField(
        required=False, max_digits=16, decimal_places=2, min_value=0, help_text=_("Total at most")
    )

    def validate(self, attrs):
        errors = {}
        for low, high, message in (
            ("date_from", "date_to", _("The end date is before the start date.")),
            ("archived_from", "archived_to", _("The end date is before the start date.")),
            ("amount_min", "amount_max", _("The maximum is below the minimum.")),
        ):
            if None not in (attrs.get(low), attrs.get(high)) and attrs[low] > attrs[high]:
                errors[high] = [str(message)]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- output ---------------------------------------------------------------------------------------
class ArchiveRecordSerializer(serializers.ModelSerializer):
    category = serializers.CharField(
        help_text=_("The order type (regular, non_regular, urgent, export)")
    )
    archived_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("A user's id; null: the daily sweep")
    )
    purged = serializers.SerializerMethodField()

    class Meta:
        model = ArchiveRecord
        fields = [
            "id",
            "position",
            "order_number",
            "category",
            "customer_name",
            "order_date",
            "total",
            "archived_at",
            "archived_by",
            "retention_until",
            "purged_at",
            "purged",
        ]
        read_only_fields = fields

    def get_purged(self, record) -> bool:
        return record.purged_at is not None


class ArchiveRecordDetailSerializer(ArchiveRecordSerializer):
    order = serializers.IntegerField(source="order_id", help_text=_("The archived order's id"))
    archived_by_username = serializers.SerializerMethodField()
    snapshot = serializers.SerializerMethodField()
    snapshot_intact = serializers.SerializerMethodField()

    class Meta(ArchiveRecordSerializer.Meta):
        fields = [
            *ArchiveRecordSerializer.Meta.fields,
            "order",
            "archived_by_username",
            "snapshot",
            "snapshot_hash",
            "previous_hash",
            "record_hash",
            "snapshot_intact",
        ]
        read_only_fields = fields

    def get_archived_by_username(self, record) -> str:
        return record.archived_by.username if record.archived_by else ""

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_snapshot(self, record):
        return record.snapshot

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_snapshot_intact(self, record):
        """True when the stored snapshot still matches its hash; null once purged (the purge
        blanks personal data on purpose; the chain's hashes stay)."""
        if record.purged_at is not None:
            return None
        return snapshot_hash(record.snapshot) == record.snapshot_hash


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text=_("Records verified before the first broken one."))
    broken_position = serializers.IntegerField(allow_null=True)
    order_number = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


# --- views ----------------------------------------------------------------------------------------
class ArchiveListApi(generics.ListAPIView):
    """Search the archive: filed by category, archive date (newest first) and order number."""

    serializer_class = ArchiveRecordSerializer
    filter_backends: list = []

    def get_queryset(self):
        if is_schema_view(self):
            return ArchiveRecord.objects.none()
        _require_reader(self.request.user)
        filters = parse(ArchiveFilterSerializer, self.request.query_params)
        return archive_search(user=self.request.user, filters=filters)

    @extend_schema(
        parameters=[ArchiveFilterSerializer],
        responses={200: ArchiveRecordSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ArchiveRecordApi(APIView):
    """One archive record: everything frozen (the snapshot), its hashes and chain position, the
    retention date and, after the purge, when personal data was removed."""

    @extend_schema(responses={200: ArchiveRecordDetailSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        record = archive_get(user=request.user, record_id=pk)
        return Response(ArchiveRecordDetailSerializer(record).data)


class ArchiveBundleApi(APIView):
    """The record's download bundle: a zip with the snapshot JSON, the order confirmation
    letter (HTML), the attachments and signed receipts storage still holds, and a manifest."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **READ_ERRORS})
    def get(self, request, pk: int):
        from ..bundle import bundle_build, bundle_filename

        record = archive_get(user=request.user, record_id=pk)
        response = HttpResponse(bundle_build(record), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{bundle_filename(record)}"'
        return response


class ArchiveVerifyApi(APIView):
    """Verify the archive's hash chain and name the first broken record, if any."""

    @extend_schema(responses={200: VerificationSerializer, **ERRORS})
    def get(self, request):
        _require_reader(request.user)
        return Response(VerificationSerializer(verify_chain()).data)
