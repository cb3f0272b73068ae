"""What the finance API modules share: who may call them, documented error responses, enum
fields kept inline in the schema, input parsing."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response

from core.api.fields import enum_field as core_enum_field
from core.api.fields import inline_enum, is_schema_view, parse  # noqa: F401 (used by the api modules)
from core.templatetags.ui import person

from ..permissions import may_read_finance, may_write_finance

ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad field")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(
        description=_("permission_denied: finance pages are not open to this role")
    ),
    404: OpenApiResponse(description=_("not_found, also for records the user may not see")),
}
CONFLICT = {
    409: OpenApiResponse(
        description=_(
            "invalid_transition or concurrent_modification: the order or record is no longer in "
            "a state that allows this"
        )
    )
}
WRITE_ERRORS = {**ERRORS, **CONFLICT}
READ_ERRORS = {401: ERRORS[401], 403: ERRORS[403], 404: ERRORS[404]}
LIST_ERRORS = {400: ERRORS[400], 401: ERRORS[401], 403: ERRORS[403]}


class FinanceAccess(permissions.BasePermission):
    """Reading: finance, admin, GM, sales head, and sales reps (scoped to their own customers by
    the selectors); production and the warehouse have no finance figures. Writing: finance and
    admin. The services check again; this answers 403 before any input is looked at."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return may_read_finance(request.user)
        return may_write_finance(request.user)


def enum_field(choices_class, **kwargs) -> serializers.ChoiceField:
    return core_enum_field(choices_class, name_prefix="Finance", **kwargs)


class PersonField(serializers.CharField):
    """A user's display name (张伟 / "Wei Zhang"), null when nobody."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return person(value) if value is not None else None


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


def quantity_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True, **kwargs)


class PeriodFilterSerializer(serializers.Serializer):
    """Filters with date_from and date_to: the end may not be before the start."""

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise serializers.ValidationError(
                {"date_to": [gettext("The end date is before the start date.")]}
            )
        return data


def answer(request, serializer_class, instance, code=status.HTTP_200_OK) -> Response:
    """The record as the API shows it (links built for this request)."""
    return Response(serializer_class(instance, context={"request": request}).data, status=code)


class FinanceListApi(generics.ListAPIView):
    """A list scoped to what the user may see: the query string is checked by
    `filter_serializer` and handed to the selector `select(user=..., filters=...)`. Subclasses
    document the GET with `list_schema`."""

    permission_classes = [FinanceAccess]
    filter_backends: list = []
    filter_serializer: type[serializers.Serializer]
    model: type  # its empty queryset while the schema is generated

    def get_queryset(self):
        if is_schema_view(self):
            return self.model.objects.none()
        filters = parse(self.filter_serializer, self.request.query_params)
        return self.select(user=self.request.user, filters=filters)

    def select(self, *, user, filters):
        raise NotImplementedError


def list_schema(filter_serializer, serializer):
    """The GET of a FinanceListApi: its filters as parameters, the rows or a list error."""
    return extend_schema_view(
        get=extend_schema(
            parameters=[filter_serializer],
            responses={200: serializer(many=True), **LIST_ERRORS},
        )
    )
