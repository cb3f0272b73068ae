"""Deadline alerts API (DESIGN §7, ISSUE 7): the alerts (same filters and visibility as the
page), acknowledgement, an order's customer feedback and the deadline rules (read-only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from core.templatetags.ui import person
from fulfillment.api.common import CONFLICT, ERRORS, READ_ERRORS, enum_field, parse
from orders.selectors import order_get

from .enums import AlertStatus, FeedbackRating, OffsetUnit, RuleCode
from .models import Alert, CustomerFeedback, DeadlineRule
from .services.alerts import (
    STATUS_FILTERS,
    alert_acknowledge,
    alert_get,
    alert_list,
    alerts_prepare,
    rule_summary,
)
from .services.feedback import feedback_record


class AlertSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer = serializers.CharField(source="order.customer.name", read_only=True)
    owner = serializers.SerializerMethodField()
    rule = enum_field(RuleCode, source="rule.code", read_only=True)
    rule_label = serializers.CharField(source="rule.get_code_display", read_only=True)
    status = enum_field(AlertStatus, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    acknowledged_by = serializers.SerializerMethodField()
    late_working_hours = serializers.FloatField(
        source="late_hours",
        read_only=True,
        allow_null=True,
        help_text=_("Working hours past due (open alerts); null once resolved."),
    )
    may_acknowledge = serializers.BooleanField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "order",
            "order_number",
            "customer",
            "owner",
            "rule",
            "rule_label",
            "key",
            "due_at",
            "status",
            "status_label",
            "late_working_hours",
            "raised_at",
            "notified_at",
            "escalated_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "may_acknowledge",
        ]
        read_only_fields = fields

    def get_owner(self, alert) -> str:
        return person(alert.order.owner)

    def get_acknowledged_by(self, alert) -> str | None:
        return person(alert.acknowledged_by) if alert.acknowledged_by_id else None


class AlertFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUS_FILTERS, required=False, default="open")
    rule = serializers.ChoiceField(choices=RuleCode.values, required=False, allow_blank=True)
    order = serializers.IntegerField(required=False, min_value=1)
    overdue_hours = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    mine = serializers.BooleanField(required=False, default=False)
    escalated = serializers.BooleanField(required=False, default=False)


class AlertListApi(GenericAPIView):
    """Alerts the user sees (reps: their own orders'), open ones by default, oldest due first."""

    serializer_class = AlertSerializer
    filter_backends: list = []

    def get_queryset(self):  # for the schema; get() reads through the selector
        return Alert.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(STATUS_FILTERS),
                description=_("open (default: open or acknowledged), unacknowledged, ..."),
            ),
            OpenApiParameter("rule", OpenApiTypes.STR, enum=list(RuleCode.values)),
            OpenApiParameter("order", OpenApiTypes.INT, description=_("Order id")),
            OpenApiParameter(
                "overdue_hours",
                OpenApiTypes.INT,
                description=_("Overdue by at least this many working hours"),
            ),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description=_("Addressed to me")),
            OpenApiParameter("escalated", OpenApiTypes.BOOL, description=_("Escalated only")),
        ],
        responses={200: AlertSerializer(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        filters = parse(AlertFilterSerializer, request.query_params)
        page = self.paginate_queryset(alert_list(user=request.user, filters=filters))
        alerts = alerts_prepare(request.user, page)
        return self.get_paginated_response(AlertSerializer(alerts, many=True).data)


class AlertDetailApi(GenericAPIView):
    serializer_class = AlertSerializer

    @extend_schema(responses={200: AlertSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        alert = alert_get(user=request.user, alert_id=pk)
        alerts_prepare(request.user, [alert])
        return Response(AlertSerializer(alert).data)


class AlertAcknowledgeApi(GenericAPIView):
    """Someone the rule alerts or escalates to is on it: no escalation; the alert still
    resolves by itself when its condition clears."""

    serializer_class = AlertSerializer

    @extend_schema(
        request=None,
        responses={
            200: AlertSerializer,
            401: ERRORS[401],
            403: OpenApiResponse(
                description=_("permission_denied: the rule does not address this user")
            ),
            404: ERRORS[404],
            **CONFLICT,
        },
    )
    def post(self, request, pk: int):
        alert = alert_get(user=request.user, alert_id=pk)
        alert = alert_acknowledge(alert=alert, actor=request.user)
        alert = alert_get(user=request.user, alert_id=pk)
        alerts_prepare(request.user, [alert])
        return Response(AlertSerializer(alert).data)


class FeedbackSerializer(serializers.ModelSerializer):
    rating = enum_field(FeedbackRating, read_only=True)
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = CustomerFeedback
        fields = [
            "id",
            "order",
            "rating",
            "rating_label",
            "contact",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_recorded_by(self, feedback) -> str:
        return person(feedback.recorded_by)


class FeedbackInputSerializer(serializers.Serializer):
    """Checked by the service (the same messages as the order page)."""

    rating = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("satisfied, neutral or dissatisfied"),
    )
    contact = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Who gave the feedback")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OrderFeedbackApi(GenericAPIView):
    """The customer's feedback on a delivered order: read by anyone who sees the order;
    recorded once by its rep, a sales head or an administrator."""

    serializer_class = FeedbackSerializer
    queryset = CustomerFeedback.objects.none()  # for the schema (the order_id parameter)

    @extend_schema(responses={200: FeedbackSerializer(many=True), **READ_ERRORS})
    def get(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        feedback = CustomerFeedback.objects.filter(order=order).select_related("recorded_by")
        return Response(FeedbackSerializer(feedback, many=True).data)

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={
            201: FeedbackSerializer,
            **ERRORS,
            409: OpenApiResponse(
                description=_("invalid_transition: not delivered, or feedback already recorded")
            ),
        },
    )
    def post(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        data = parse(FeedbackInputSerializer, request.data)
        feedback = feedback_record(order=order, actor=request.user, **data)
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class DeadlineRuleSerializer(serializers.ModelSerializer):
    code = enum_field(RuleCode, read_only=True)
    label = serializers.CharField(source="get_code_display", read_only=True)
    offset_unit = enum_field(OffsetUnit, read_only=True)
    alert_roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    escalate_roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = DeadlineRule
        fields = [
            "id",
            "code",
            "label",
            "is_active",
            "offset",
            "offset_unit",
            "alert_roles",
            "escalate_roles",
            "escalate_after",
            "description",
            "summary",
        ]
        read_only_fields = fields

    def get_summary(self, rule) -> str:
        return rule_summary(rule)


class DeadlineRuleListApi(ListAPIView):
    """The deadline rules (edited in the admin): what each watches, when it is due, who is
    alerted and who is escalated to after how many working hours."""

    serializer_class = DeadlineRuleSerializer
    filter_backends: list = []
    queryset = DeadlineRule.objects.order_by("code")

    @extend_schema(responses={200: DeadlineRuleSerializer(many=True), 401: ERRORS[401]})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
