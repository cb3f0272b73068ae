"""Receivables API (应收, REQUIREMENTS §7): per customer open amounts with their ageing by days
past the due date, the totals with DSO, and one order's balance (deliverable, invoiced, paid).
A sales rep sees their own customers (and orders) only."""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.money import ZERO

from .. import selectors as finance_selectors
from ..balances import order_balance
from . import selectors
from .common import LIST_ERRORS, READ_ERRORS, FinanceAccess, is_schema_view, parse
from .serializers import (
    OrderBalanceSerializer,
    ReceivableSerializer,
    ReceivablesSummarySerializer,
    buckets_of,
)


class ReceivableFilterSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        help_text=gettext_lazy("Age the receivables as of this day (default today)."),
    )
    region = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("The customers' region")
    )
    customer = serializers.IntegerField(required=False, help_text=gettext_lazy("A customer's id"))


def _filters(query_params) -> tuple:
    data = dict(parse(ReceivableFilterSerializer, query_params))
    as_of = data.pop("as_of", None) or timezone.localdate()
    return as_of, {key: value for key, value in data.items() if value}


class ReceivableListApi(generics.GenericAPIView):
    """Per customer with something open: the open amount, the ageing buckets (not due, 1–30,
    31–60, 61–90, over 90 days past due), the overdue total and the money received but not
    allocated; largest open amount first."""

    permission_classes = [FinanceAccess]
    serializer_class = ReceivableSerializer
    filter_backends: list = []

    def get_queryset(self):
        if is_schema_view(self):
            return []
        as_of, filters = _filters(self.request.query_params)
        return finance_selectors.receivables_queryset(
            user=self.request.user, as_of=as_of, filters=filters
        )

    @extend_schema(
        parameters=[ReceivableFilterSerializer],
        responses={200: ReceivableSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        left = selectors.unallocated_by_customer(row["customer"] for row in page)
        rows = [
            {
                "customer": row["customer"],
                "customer_name": row["customer__name"],
                "customer_short_name": row["customer__short_name"],
                "open_amount": row["open_amount"],
                "overdue": finance_selectors.with_overdue(row)["overdue"],
                "buckets": buckets_of(row),
                "unallocated": left.get(row["customer"], ZERO),
            }
            for row in page
        ]
        return self.get_paginated_response(ReceivableSerializer(rows, many=True).data)


class ReceivablesSummaryApi(APIView):
    """Totals over the customers the user may see: open, overdue, the ageing buckets, net
    invoiced over the last 90 days and DSO."""

    permission_classes = [FinanceAccess]

    @extend_schema(
        parameters=[ReceivableFilterSerializer],
        responses={200: ReceivablesSummarySerializer, **LIST_ERRORS},
    )
    def get(self, request):
        as_of, filters = _filters(request.query_params)
        totals = finance_selectors.receivables_summary(
            user=request.user, as_of=as_of, filters=filters
        )
        body = {
            "as_of": as_of,
            "open_amount": totals["open_amount"],
            "overdue": totals["overdue"],
            "buckets": buckets_of(totals),
            "sales_90_days": totals["sales_90_days"],
            "dso": totals["dso"],
        }
        return Response(ReceivablesSummarySerializer(body).data)


class OrderBalanceApi(APIView):
    """What the order is worth so far (deliverable), what of it is invoiced and what is paid."""

    permission_classes = [FinanceAccess]

    @extend_schema(responses={200: OrderBalanceSerializer, **READ_ERRORS})
    def get(self, request, order_id: int):
        order = selectors.visible_order(user=request.user, order_id=order_id)
        balance = order_balance(order)
        body = {
            "order": order.pk,
            "order_number": order.number,
            "status": order.status,
            "total": order.total,
            "deliverable": balance.deliverable,
            "invoiced": balance.invoiced,
            "paid": balance.paid,
            "uninvoiced": balance.uninvoiced,
            "unpaid": balance.unpaid,
            "outstanding": balance.outstanding,
        }
        return Response(OrderBalanceSerializer(body).data)
