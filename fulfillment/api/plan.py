"""Execution plan API (执行计划, REQUIREMENTS §6, 000 D21): planned next to actual dates for
each milestone of an order, recording the actual survey, installation and acceptance dates,
and the standard cycles the plan is computed from (edited in the admin)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.selectors import order_get

from ..services.plan import MANUAL_MILESTONES, plan_record_actual
from .common import ERRORS, READ_ERRORS, inline_enum, parse
from .selectors import MILESTONE_LABELS, execution_plan_get, standard_cycle_rows
from .serializers import ExecutionPlanSerializer, StandardCycleSerializer


@extend_schema_field(inline_enum([(m, MILESTONE_LABELS[m]) for m in MANUAL_MILESTONES]))
class ManualMilestoneField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(MANUAL_MILESTONES), **kwargs)


class PlanActualInputSerializer(serializers.Serializer):
    milestone = ManualMilestoneField(
        help_text=_("The other milestones are recorded by the system as they happen.")
    )
    day = serializers.DateField(help_text=_("The actual date; not in the future."))


class OrderExecutionPlanApi(APIView):
    """Planned and actual date of each milestone; `late` when the actual date (or today,
    while there is none) is after the planned one."""

    @extend_schema(responses={200: ExecutionPlanSerializer, **READ_ERRORS})
    def get(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        return Response(ExecutionPlanSerializer(execution_plan_get(order=order)).data)


class OrderExecutionPlanActualApi(APIView):
    """Record the actual site survey, installation or acceptance date (the order's rep, the
    warehouse, production, the sales head); later plan dates follow it."""

    @extend_schema(
        request=PlanActualInputSerializer,
        responses={200: ExecutionPlanSerializer, **ERRORS},
    )
    def post(self, request, order_id: int):
        order = order_get(user=request.user, order_id=order_id)
        data = parse(PlanActualInputSerializer, request.data)
        plan_record_actual(
            order=order, actor=request.user, milestone=data["milestone"], day=data["day"]
        )
        return Response(ExecutionPlanSerializer(execution_plan_get(order=order)).data)


class StandardCycleListApi(APIView):
    """The standard execution cycles in working days (标准执行周期), read-only; the
    administrator edits them in the admin."""

    @extend_schema(responses={200: StandardCycleSerializer(many=True), 401: READ_ERRORS[401]})
    def get(self, request):
        return Response(StandardCycleSerializer(standard_cycle_rows(), many=True).data)
