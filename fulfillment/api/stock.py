"""Stock API (DESIGN §7): stock levels, receipts and an order's reservations."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import PermissionDenied
from orders.models import Product
from orders.selectors import order_get

from ..models import StockItem, Warehouse
from ..selectors import may_view_stock, order_line_reservations, stock_list
from ..services import stock_receive
from .common import ERRORS


class StockItemSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    unit = serializers.CharField(source="product.unit", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    available = serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True)

    class Meta:
        model = StockItem
        fields = [
            "id",
            "product",
            "product_code",
            "product_name",
            "unit",
            "warehouse",
            "warehouse_code",
            "on_hand",
            "reserved",
            "available",
        ]
        read_only_fields = fields


class StockFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True)
    product = serializers.IntegerField(required=False)
    warehouse = serializers.IntegerField(required=False)
    short = serializers.BooleanField(required=False, allow_null=True, default=None)


class StockListApi(ListAPIView):
    serializer_class = StockItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        if not may_view_stock(self.request.user):
            raise PermissionDenied()
        filters = StockFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return stock_list(filters=filters.validated_data)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description=_("Product code or name")),
            OpenApiParameter("product", OpenApiTypes.INT),
            OpenApiParameter("warehouse", OpenApiTypes.INT),
            OpenApiParameter("short", OpenApiTypes.BOOL, description=_("Nothing available")),
        ],
        responses={200: StockItemSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StockReceiptInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    warehouse = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), required=False, allow_null=True, default=None
    )
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class StockReceiptApi(APIView):
    @extend_schema(
        request=StockReceiptInputSerializer,
        responses={201: StockItemSerializer, **ERRORS},
    )
    def post(self, request):
        data = StockReceiptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = stock_receive(actor=request.user, **data.validated_data)
        item = stock_list().get(pk=item.pk)
        return Response(StockItemSerializer(item).data, status=status.HTTP_201_CREATED)


class LineReservationSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    sequence = serializers.IntegerField()
    product = serializers.IntegerField()
    product_code = serializers.CharField()
    supply_mode = serializers.CharField()
    open_quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    reserved = serializers.DecimalField(max_digits=14, decimal_places=3)
    short = serializers.DecimalField(max_digits=14, decimal_places=3)


class OrderReservationsApi(APIView):
    """Per line: open quantity, reserved (已锁定) and short. Anyone who may see the order."""

    @extend_schema(responses={200: LineReservationSerializer(many=True), **ERRORS})
    def get(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        rows = order_line_reservations(order=order)
        return Response(LineReservationSerializer(rows, many=True).data)
