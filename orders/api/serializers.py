from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Contract, Customer, CustomerAddress

from ..enums import OrderTransition
from ..models import Order, OrderEvent, OrderLine, Product
from ..services.orders import HEADER_FIELDS
from ..services.transitions import TRANSITION_SERVICES


class OrderLineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text=_("Tax-inclusive; defaults to the product's list price."),
    )
    tax_rate = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("0.13, 0.09, 0.06 or 0.00; defaults to the product's VAT rate."),
    )
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True)


class OrderWriteSerializer(serializers.ModelSerializer):
    """Input for create and partial update; the service does the business validation."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    contract = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(), required=False, allow_null=True
    )
    ship_to = serializers.PrimaryKeyRelatedField(
        queryset=CustomerAddress.objects.all(), required=False, allow_null=True
    )
    lines = OrderLineInputSerializer(many=True, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, write_only=True)

    class Meta:
        model = Order
        fields = ["customer", "contract", "ship_to", *HEADER_FIELDS, "lines", "comment"]
        extra_kwargs = {"order_date": {"required": False}}


class OrderLineSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    open_quantity = serializers.DecimalField(max_digits=14, decimal_places=3, read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sequence",
            "product",
            "product_code",
            "product_name",
            "spec",
            "unit",
            "quantity",
            "unit_price",
            "unit_price_excl",
            "tax_rate",
            "amount",
            "amount_excl",
            "tax_amount",
            "shipped_quantity",
            "open_quantity",
            "last_ship_date",
            "is_closed",
            "close_reason",
            "remarks",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.get_username", read_only=True)
    contract_number = serializers.CharField(source="contract.number", read_only=True, default=None)
    total_in_words = serializers.CharField(read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "revision",
            "customer",
            "customer_name",
            "contract",
            "contract_number",
            "ship_to",
            "owner",
            "owner_name",
            *HEADER_FIELDS,
            "currency",
            "lines_total",
            "tax_total",
            "total",
            "total_in_words",
            "lines",
            "available_transitions",
            "submitted_at",
            "approved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=OrderTransition.choices))
    )
    def get_available_transitions(self, order: Order) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [
            t.name
            for t in order.get_available_user_status_transitions(request.user)
            if t.name in TRANSITION_SERVICES
        ]


class ShipLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class TransitionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    expected_status = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("The status the caller saw; a different current status answers 409."),
    )
    lines = ShipLineSerializer(
        many=True,
        required=False,
        help_text=_("ship only: quantities per line; omitted ships everything still open."),
    )
    shipped_on = serializers.DateField(required=False, help_text=_("ship only"))


class OrderEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.get_username", read_only=True, default=None)
    on_behalf_of_name = serializers.CharField(
        source="on_behalf_of.get_username", read_only=True, default=None
    )

    class Meta:
        model = OrderEvent
        fields = [
            "id",
            "event_type",
            "transition",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "on_behalf_of",
            "on_behalf_of_name",
            "comment",
            "payload",
            "created_at",
        ]
        read_only_fields = fields
