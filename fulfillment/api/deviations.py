"""Deviation reports (偏差处理报告) and complaints (投诉) API, REQUIREMENTS §6: raised on an order,
worked on by the person responsible, resolved with the resolution written down. Views parse
input and call fulfillment.services.deviations."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.selectors import order_get

from ..enums import DeviationCategory, DeviationKind, DeviationSeverity, DeviationStatus
from ..services.deviations import deviation_create, deviation_update
from .common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FilteredListApi,
    OrderListApi,
    enum_field,
    parse,
)
from .selectors import deviation_get, deviation_list
from .serializers import DeviationSerializer


# --- input ----------------------------------------------------------------------------------------
class DeviationFilterSerializer(serializers.Serializer):
    kind = enum_field(DeviationKind, required=False)
    status = enum_field(DeviationStatus, required=False)
    open = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true: open or in progress; false: resolved or closed"),
    )
    order = serializers.IntegerField(required=False, help_text=_("An order's id"))


class DeviationCreateInputSerializer(serializers.Serializer):
    kind = enum_field(DeviationKind)
    category = enum_field(DeviationCategory, help_text=_("The cause category"))
    severity = enum_field(
        DeviationSeverity,
        required=False,
        default=DeviationSeverity.NORMAL,
        help_text=_("Serious ones are reported to the general managers."),
    )
    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(allow_blank=True, trim_whitespace=False)
    cause = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    owner = serializers.IntegerField(help_text=_("The user responsible for resolving it"))


class DeviationUpdateInputSerializer(serializers.Serializer):
    """Leave out what stays as it is."""

    status = enum_field(
        DeviationStatus,
        required=False,
        help_text=_(
            "open → in_progress or resolved; in_progress → resolved; resolved → closed or "
            "back to in_progress. Resolving and closing need the resolution."
        ),
    )
    cause = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    resolution = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    owner = serializers.IntegerField(required=False, help_text=_("Hand it to another user"))


def _deviation_response(request, deviation_id, code=status.HTTP_200_OK) -> Response:
    deviation = deviation_get(user=request.user, deviation_id=deviation_id)
    return Response(DeviationSerializer(deviation, context={"request": request}).data, status=code)


# --- views ----------------------------------------------------------------------------------------
class DeviationListApi(FilteredListApi):
    """Deviation reports and complaints on the orders the user may see, newest first."""

    serializer_class = DeviationSerializer
    filter_serializer_class = DeviationFilterSerializer
    selector = staticmethod(deviation_list)


class OrderDeviationListCreateApi(OrderListApi):
    """GET: the order's deviation reports and complaints, newest first. POST: raise one (the
    order's rep and the warehouse, production, finance and management roles)."""

    serializer_class = DeviationSerializer
    selector = staticmethod(deviation_list)

    @extend_schema(
        request=DeviationCreateInputSerializer,
        responses={201: DeviationSerializer, **WRITE_ERRORS},
    )
    def post(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        data = parse(DeviationCreateInputSerializer, request.data)
        deviation = deviation_create(order=order, actor=request.user, **data)
        return _deviation_response(request, deviation.pk, status.HTTP_201_CREATED)


class DeviationDetailApi(APIView):
    """GET: one report. PATCH: move its status on, write the cause and resolution, hand it to
    someone else (whoever raised it, the person responsible and the managers; a closed report
    answers 409)."""

    @extend_schema(responses={200: DeviationSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _deviation_response(request, pk)

    @extend_schema(
        request=DeviationUpdateInputSerializer,
        responses={200: DeviationSerializer, **WRITE_ERRORS},
    )
    def patch(self, request, pk: int):
        deviation = deviation_get(user=request.user, deviation_id=pk)
        data = parse(DeviationUpdateInputSerializer, request.data)
        deviation_update(deviation=deviation, actor=request.user, **data)
        return _deviation_response(request, pk)
