import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.roles import Role

from .enums import EXECUTION_STATES, OrderStatus
from .models import Order, OrderLine


class IdFilter(django_filters.Filter):
    """A database id: a whole number within the id column's range (a bad one is a clear form
    error, not a database overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    customer = IdFilter(field_name="customer_id")
    customer_name = django_filters.CharFilter(
        field_name="customer__name", lookup_expr="icontains", label=_("customer")
    )
    owner = django_filters.ModelChoiceFilter(
        field_name="owner",
        queryset=get_user_model()
        .objects.filter(groups__name__in=[Role.SALES_REP, Role.SALES_HEAD])
        .distinct()
        .order_by("username"),
        label=_("owner"),
        widget=forms.Select(attrs={"class": "form-select", "id": "f-owner"}),
    )
    contract = IdFilter(field_name="contract_id")
    date_from = django_filters.DateFilter(field_name="order_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="order_date", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))
    q = django_filters.CharFilter(method="filter_q", label=_("number, customer or product"))

    class Meta:
        model = Order
        fields = ["status", "customer", "owner", "contract", "order_type", "priority"]

    def filter_overdue(self, queryset, name, value):
        late = Q(status__in=EXECUTION_STATES, promised_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_q(self, queryset, name, value):
        term = value.strip()
        if not term:
            return queryset
        product_match = OrderLine.objects.filter(order=OuterRef("pk")).filter(
            Q(product__code__icontains=term) | Q(product__name__icontains=term)
        )
        return queryset.filter(
            Q(number__icontains=term) | Q(customer__name__icontains=term) | Exists(product_match)
        )
