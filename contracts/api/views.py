"""Customers and contracts API (DESIGN §7). Views parse input, call one service, render."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.errors import PermissionDenied
from orders.selectors import order_list

from .. import permissions as perms
from ..enums import ContractStatus, CreditGrade, SettlementMethod, TradeType
from ..models import Contract, Customer
from ..selectors import contract_ledger, contract_list, customer_list
from ..services import (
    contract_attachment_add,
    contract_create,
    contract_update,
    customer_create,
    customer_update,
    supplementary_agreement_add,
)
from . import serializers as s

ERRORS = {
    400: OpenApiResponse(description=_("validation_error: extra.fields names each bad field")),
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied")),
    404: OpenApiResponse(description=_("not_found, also for records of other reps")),
}
READ_ERRORS = {k: v for k, v in ERRORS.items() if k in (401, 404)}


# --- customers --------------------------------------------------------------------------------


class CustomerFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("region"))
    settlement_method = django_filters.ChoiceFilter(choices=SettlementMethod.choices)
    credit_grade = django_filters.ChoiceFilter(choices=CreditGrade.choices)
    trade_type = django_filters.ChoiceFilter(choices=TradeType.choices)

    class Meta:
        model = Customer
        fields = [
            "region",
            "settlement_method",
            "credit_grade",
            "trade_type",
            "is_key_customer",
            "is_active",
            "account_manager",
        ]


@extend_schema_view(
    list=extend_schema(
        summary=_("Customers"),
        description=_("A sales rep sees the customers they manage; other roles see all."),
        responses={200: s.CustomerListSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("Customer with contacts and ship-to addresses"),
        responses={200: s.CustomerDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary=_("Add a customer"),
        request=s.CustomerInputSerializer,
        responses={201: s.CustomerDetailSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Edit a customer"),
        description=_(
            "Only the fields sent change. `contacts` / `addresses`, when sent, replace the "
            "whole list. A sales rep may not change credit limit, credit grade or account "
            "manager (403 permission_denied naming the fields); finance may change only those "
            "credit fields, settlement method and credit term."
        ),
        request=s.CustomerInputSerializer,
        responses={200: s.CustomerDetailSerializer, **ERRORS},
    ),
)
class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = CustomerFilter
    search_fields = ["name", "short_name", "credit_code", "tax_number"]
    ordering_fields = ["name", "region", "credit_limit", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer.objects.none()
        qs = customer_list(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("contacts", "addresses")  # primary / default first
        return qs

    def get_serializer_class(self):
        if self.action == "list":
            return s.CustomerListSerializer
        if self.action in ("create", "partial_update"):
            return s.CustomerInputSerializer
        return s.CustomerDetailSerializer

    def _detail(self, customer: Customer, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=customer.pk)
        return Response(
            s.CustomerDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        if not perms.may_create_customer(request.user):
            raise PermissionDenied(_("You may not add customers."))
        serializer = s.CustomerInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        customer = customer_create(actor=request.user, **serializer.validated_data)
        return self._detail(customer, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        customer = self.get_object()
        if not perms.may_edit_customer(request.user, customer):
            raise PermissionDenied(_("You may not edit this customer."))
        serializer = s.CustomerInputSerializer(
            customer, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        customer = customer_update(
            customer=customer, actor=request.user, **serializer.validated_data
        )
        return self._detail(customer)


# --- contracts --------------------------------------------------------------------------------


class ContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ContractStatus.choices)
    signed_from = django_filters.DateFilter(field_name="signed_date", lookup_expr="gte")
    signed_to = django_filters.DateFilter(field_name="signed_date", lookup_expr="lte")

    class Meta:
        model = Contract
        fields = ["customer", "status", "owner"]


@extend_schema_view(
    list=extend_schema(
        summary=_("Contracts"),
        description=_("A sales rep sees the contracts of their customers and those they own."),
        responses={200: s.ContractListSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary=_("Contract with attachments, supplementary agreements and ledger"),
        responses={200: s.ContractDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary=_("Register a contract"),
        request=s.ContractInputSerializer,
        responses={201: s.ContractDetailSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary=_("Edit a contract"),
        request=s.ContractInputSerializer,
        responses={200: s.ContractDetailSerializer, **ERRORS},
    ),
)
class ContractViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = ContractFilter
    search_fields = ["number", "title", "customer__name"]
    ordering_fields = ["signed_date", "number", "amount", "created_at"]
    ordering = ["-signed_date", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contract.objects.none()
        qs = contract_list(user=self.request.user)
        if self.action not in ("list", "orders"):
            qs = qs.prefetch_related("attachments__uploaded_by", "supplementary_agreements")
        return qs

    def get_serializer_class(self):
        if self.action == "list":
            return s.ContractListSerializer
        if self.action in ("create", "partial_update"):
            return s.ContractInputSerializer
        if self.action == "attachments":
            return s.ContractAttachmentInputSerializer
        if self.action == "supplementary_agreements":
            return s.SupplementaryAgreementInputSerializer
        if self.action == "orders":
            return s.ContractOrderSerializer
        return s.ContractDetailSerializer

    def _detail(self, contract: Contract, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=contract.pk)
        fresh.ledger = contract_ledger(contract=fresh)
        data = s.ContractDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def create(self, request, *args, **kwargs):
        if not perms.may_create_contract(request.user):
            raise PermissionDenied(_("Only sales staff can register contracts."))
        serializer = s.ContractInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        contract = contract_create(actor=request.user, **serializer.validated_data)
        return self._detail(contract, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        contract = self.get_object()
        if not perms.may_edit_contract(request.user, contract):
            raise PermissionDenied(_("You may not edit this contract."))
        serializer = s.ContractInputSerializer(
            contract, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        contract = contract_update(
            contract=contract, actor=request.user, **serializer.validated_data
        )
        return self._detail(contract)

    @extend_schema(
        summary=_("Orders placed against the contract"),
        description=_("The contract's delivery batches this user may see, newest first."),
        responses={200: s.ContractOrderSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def orders(self, request, pk=None):
        contract = self.get_object()
        qs = order_list(user=request.user).filter(contract=contract).order_by("-order_date", "-id")
        page = self.paginate_queryset(qs)
        serializer = s.ContractOrderSerializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary=_("Attach a document to the contract"),
        request={"multipart/form-data": s.ContractAttachmentInputSerializer},
        responses={201: s.ContractAttachmentSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        contract = self.get_object()
        if not perms.may_edit_contract(request.user, contract):
            raise PermissionDenied(_("You may not change this contract's documents."))
        serializer = s.ContractAttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = contract_attachment_add(
            contract=contract, actor=request.user, **serializer.validated_data
        )
        data = s.ContractAttachmentSerializer(
            attachment, context=self.get_serializer_context()
        ).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Record a supplementary agreement"),
        request={
            "application/json": s.SupplementaryAgreementInputSerializer,
            "multipart/form-data": s.SupplementaryAgreementInputSerializer,
        },
        responses={201: s.SupplementaryAgreementSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="supplementary-agreements",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def supplementary_agreements(self, request, pk=None):
        contract = self.get_object()
        if not perms.may_edit_contract(request.user, contract):
            raise PermissionDenied(_("You may not change this contract's documents."))
        serializer = s.SupplementaryAgreementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = supplementary_agreement_add(
            contract=contract, actor=request.user, **serializer.validated_data
        )
        data = s.SupplementaryAgreementSerializer(
            agreement, context=self.get_serializer_context()
        ).data
        return Response(data, status=status.HTTP_201_CREATED)
