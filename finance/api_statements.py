"""Customer statements API (对账单, ISSUE 6 items 5 and 7): list and issue statements, read one
with its frozen contents, record the customer's confirmation or dispute, download the xlsx.

Reading: finance, admin, GM, sales head; reps the statements of their own customers. Issuing
and recording responses: finance and admin. Production and warehouse: 403.
"""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.models import Customer

from .api.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FinanceAccess,
    FinanceListApi,
    enum_field,
    list_schema,
    parse,
)
from .enums import StatementStatus
from .exports.jobs import XLSX_TYPE
from .exports.statement_xlsx import write_statement_workbook
from .models import Statement
from .services.statements import statement_issue, statement_respond
from .statements import balance_in_words, statement_get, statement_list


class StatementSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    status = enum_field(StatementStatus, read_only=True)
    closing_in_words = serializers.SerializerMethodField(
        help_text=gettext_lazy("The closing balance in Chinese capitals; 预收… when negative")
    )
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "date_from",
            "date_to",
            "opening_balance",
            "invoiced",
            "received",
            "closing_balance",
            "closing_in_words",
            "status",
            "response_note",
            "responded_at",
            "created_at",
            "xlsx_url",
        ]
        read_only_fields = fields

    def get_closing_in_words(self, obj) -> str:
        return balance_in_words(obj.closing_balance)

    def get_xlsx_url(self, obj) -> str:
        return reverse("api:statement-xlsx", args=[obj.pk])


class StatementDetailSerializer(StatementSerializer):
    contents = serializers.JSONField(
        source="snapshot",
        read_only=True,
        help_text=gettext_lazy(
            "The statement as issued: opening and closing balance, orders, shipments, invoices "
            "and credit notes, receipts and the ledger with its running balance (amounts as "
            "strings)"
        ),
    )

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "contents"]
        read_only_fields = fields


class StatementFilterSerializer(serializers.Serializer):
    customer = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = enum_field(StatementStatus, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class StatementCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class StatementResponseSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[StatementStatus.CONFIRMED, StatementStatus.DISPUTED],
        help_text=gettext_lazy("confirmed or disputed"),
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text=gettext_lazy("Required for a dispute: what the customer disagrees with"),
    )


def _detail(request, statement_id, code=status.HTTP_200_OK) -> Response:
    statement = statement_get(user=request.user, statement_id=statement_id)
    return Response(StatementDetailSerializer(statement).data, status=code)


@list_schema(StatementFilterSerializer, StatementSerializer)
class StatementListCreateApi(FinanceListApi):
    """Statements visible to the user, newest period first; POST issues one (finance)."""

    serializer_class = StatementSerializer
    filter_serializer = StatementFilterSerializer
    model = Statement
    select = staticmethod(statement_list)

    @extend_schema(
        request=StatementCreateSerializer,
        responses={201: StatementDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request):
        data = parse(StatementCreateSerializer, request.data)
        statement = statement_issue(actor=request.user, **data)
        return _detail(request, statement.pk, status.HTTP_201_CREATED)


class StatementDetailApi(APIView):
    permission_classes = [FinanceAccess]

    @extend_schema(responses={200: StatementDetailSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _detail(request, pk)


class StatementResponseApi(APIView):
    """Record the customer's confirmation, or dispute with a note (once)."""

    permission_classes = [FinanceAccess]

    @extend_schema(
        request=StatementResponseSerializer,
        responses={200: StatementDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        statement = statement_get(user=request.user, statement_id=pk)
        data = parse(StatementResponseSerializer, request.data)
        statement_respond(statement=statement, actor=request.user, **data)
        return _detail(request, pk)


class StatementXlsxApi(APIView):
    permission_classes = [FinanceAccess]

    @extend_schema(
        responses={
            (200, XLSX_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description=gettext_lazy("The statement as an xlsx file")
            ),
            **READ_ERRORS,
        },
    )
    def get(self, request, pk: int):
        statement = statement_get(user=request.user, statement_id=pk)
        target = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
        write_statement_workbook(
            target, statement=statement, language=translation.get_language() or "zh-hans"
        )
        target.seek(0)
        return FileResponse(
            target,
            as_attachment=True,
            filename=f"{statement.number}.xlsx",
            content_type=XLSX_TYPE,
        )
