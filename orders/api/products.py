"""Products API (DESIGN §7): everyone signed in reads the catalogue; the administrator edits it
through orders.services.products."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.errors import PermissionDenied

from ..enums import SupplyMode
from ..models import Product, ProductCategory
from ..selectors import product_list
from ..services.products import (
    PRODUCT_FIELDS,
    may_manage_products,
    product_create,
    product_update,
)

ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad field")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied: only the administrator edits")),
    404: OpenApiResponse(description=_("not_found")),
}
READ_ERRORS = {k: v for k, v in ERRORS.items() if k in (401, 404)}


class ProductSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True, default="")
    supply_mode_display = serializers.CharField(source="get_supply_mode_display", read_only=True)
    vat_rate = serializers.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "spec",
            "unit",
            "category",
            "category_name",
            "list_price",
            "floor_price",
            "vat_rate",
            "supply_mode",
            "supply_mode_display",
            "production_cycle_days",
            "procurement_cycle_days",
            "is_active",
        ]
        read_only_fields = fields


class ProductInputSerializer(serializers.ModelSerializer):
    """Floor price ≤ list price, VAT rate 0.13/0.09/0.06/0.00 and a unique code are checked by
    orders.services.products, which reports each on its field."""

    vat_rate = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, help_text=_("0.13, 0.09, 0.06 or 0.00")
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=ProductCategory.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Product
        fields = list(PRODUCT_FIELDS)
        extra_kwargs = {"code": {"validators": []}}
        validators: list = []


class ProductFilter(django_filters.FilterSet):
    supply_mode = django_filters.ChoiceFilter(choices=SupplyMode.choices)

    class Meta:
        model = Product
        fields = ["category", "supply_mode", "is_active"]


@extend_schema_view(
    list=extend_schema(
        summary=_("Products"),
        responses={200: ProductSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(summary=_("Product"), responses={200: ProductSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary=_("Add a product (administrator)"),
        request=ProductInputSerializer,
        responses={201: ProductSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Edit a product (administrator)"),
        request=ProductInputSerializer,
        responses={200: ProductSerializer, **ERRORS},
    ),
)
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = ProductFilter
    search_fields = ["code", "name", "spec"]
    ordering_fields = ["code", "name", "list_price"]
    ordering = ["code"]

    def get_queryset(self):
        return product_list()

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return ProductInputSerializer
        return ProductSerializer

    def create(self, request, *args, **kwargs):
        if not may_manage_products(request.user):
            raise PermissionDenied(_("Only the administrator maintains products."))
        serializer = ProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = product_create(actor=request.user, **serializer.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        product = self.get_object()
        if not may_manage_products(request.user):
            raise PermissionDenied(_("Only the administrator maintains products."))
        serializer = ProductInputSerializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product = product_update(product=product, actor=request.user, **serializer.validated_data)
        return Response(ProductSerializer(product).data)
