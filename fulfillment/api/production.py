"""Production instructions API (生产指令, REQUIREMENTS §6): the list and one instruction for
everyone who may see the order; start, progress reports and finish (after QC) for production.

Views parse input, call one service of fulfillment.services.production and answer with the
instruction as it is now stored.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..enums import ProductionStatus
from ..services.production import production_finish, production_report, production_start
from .common import (
    READ_ERRORS,
    WRITE_ERRORS,
    FilteredListApi,
    enum_field,
    parse,
)
from .selectors import production_instruction_get, production_instruction_list
from .serializers import ProductionInstructionDetailSerializer, ProductionInstructionSerializer


# --- input ----------------------------------------------------------------------------------------
class ProductionFilterSerializer(serializers.Serializer):
    status = enum_field(ProductionStatus, required=False)
    order = serializers.IntegerField(required=False, help_text=_("An order's id"))
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true: open and past the planned finish; false: the others"),
    )


class ProductionStartInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ProductionProgressInputSerializer(serializers.Serializer):
    progress = serializers.IntegerField(help_text=_("Percent done, 0–99 (100 is the finish)."))
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ProductionFinishInputSerializer(serializers.Serializer):
    qc_passed = serializers.BooleanField(
        help_text=_("Must be true: goods go into stock only after they pass QC.")
    )
    qc_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


def _instruction_response(request, instruction_id) -> Response:
    instruction = production_instruction_get(user=request.user, instruction_id=instruction_id)
    return Response(
        ProductionInstructionDetailSerializer(instruction, context={"request": request}).data
    )


# --- views ----------------------------------------------------------------------------------------
class ProductionInstructionListApi(FilteredListApi):
    """Production instructions of the orders the user may see, earliest planned finish first."""

    serializer_class = ProductionInstructionSerializer
    filter_serializer_class = ProductionFilterSerializer
    selector = staticmethod(production_instruction_list)


class ProductionInstructionDetailApi(APIView):
    """One instruction with its lines and progress reports."""

    @extend_schema(responses={200: ProductionInstructionDetailSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        return _instruction_response(request, pk)


class ProductionStartApi(APIView):
    """Production starts an issued instruction; the order goes in production (production and
    the administrator; 409 when the instruction is no longer issued)."""

    @extend_schema(
        request=ProductionStartInputSerializer,
        responses={200: ProductionInstructionDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        instruction = production_instruction_get(user=request.user, instruction_id=pk)
        data = parse(ProductionStartInputSerializer, request.data)
        production_start(instruction=instruction, actor=request.user, note=data["note"])
        return _instruction_response(request, pk)


class ProductionProgressApi(APIView):
    """A progress report on a running instruction (0–99 %, with a note)."""

    @extend_schema(
        request=ProductionProgressInputSerializer,
        responses={200: ProductionInstructionDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        instruction = production_instruction_get(user=request.user, instruction_id=pk)
        data = parse(ProductionProgressInputSerializer, request.data)
        production_report(
            instruction=instruction,
            actor=request.user,
            progress=data["progress"],
            note=data["note"],
        )
        return _instruction_response(request, pk)


class ProductionFinishApi(APIView):
    """Finished and QC passed (入库): the goods go into stock reserved for the order, which is
    then ready to ship. `qc_passed` must be true."""

    @extend_schema(
        request=ProductionFinishInputSerializer,
        responses={200: ProductionInstructionDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        instruction = production_instruction_get(user=request.user, instruction_id=pk)
        data = parse(ProductionFinishInputSerializer, request.data)
        production_finish(
            instruction=instruction,
            actor=request.user,
            qc_passed=data["qc_passed"],
            qc_note=data["qc_note"],
        )
        return _instruction_response(request, pk)
