"""Tracking reports API (DESIGN §7): the stored reports, their data and xlsx, and "generate
now". Same rules as the pages: sales head, GM, production, warehouse, finance and
administrators read; the sales head, the GM and administrators generate; only administrators
replace a stored report (force)."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.templatetags.ui import person

from .enums import ReportKind
from .models import TrackingReport
from .services.generate import report_generate
from .tracking.selectors import (
    attachment_name,
    tracking_report_file_open,
    tracking_report_get,
    tracking_report_list,
)

ERRORS = {
    401: OpenApiResponse(description=_("Not signed in")),
    403: OpenApiResponse(description=_("permission_denied: reports are not for this role")),
    404: OpenApiResponse(description=_("not_found")),
}


class ReportSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    generated_by = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = TrackingReport
        fields = [
            "id",
            "kind",
            "kind_label",
            "period_start",
            "period_end",
            "generated_at",
            "generated_by",
            "emailed_at",
            "links",
        ]
        read_only_fields = fields

    def get_generated_by(self, report) -> str | None:
        return person(report.generated_by) if report.generated_by_id else None

    def get_links(self, report) -> dict[str, str]:
        request = self.context.get("request")

        def url(name: str) -> str:
            path = reverse(name, args=[report.pk])
            return request.build_absolute_uri(path) if request else path

        return {
            "self": url("api:report-detail"),
            "xlsx": url("api:report-xlsx"),
            "page": url("reports:tracking_detail"),
            "html": url("reports:tracking_html"),
        }


class ReportDetailSerializer(ReportSerializer):
    data = serializers.JSONField(read_only=True)

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "data"]
        read_only_fields = fields


class ReportFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, required=False)


class ReportListApi(ListAPIView):
    """Stored tracking reports, newest period first."""

    serializer_class = ReportSerializer
    filter_backends: list = []

    def get_queryset(self):
        filters = ReportFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return tracking_report_list(user=self.request.user, filters=filters.validated_data)

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=ReportKind.values)],
        responses={200: ReportSerializer(many=True), 400: OpenApiResponse(), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReportDetailApi(APIView):
    """One report: its data (Decimals as strings, dates ISO, codes not labels) and links."""

    @extend_schema(responses={200: ReportDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        report = tracking_report_get(user=request.user, report_id=pk)
        return Response(ReportDetailSerializer(report, context={"request": request}).data)


class ReportXlsxApi(APIView):
    """The report's xlsx file."""

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiTypes.BINARY,
            **ERRORS,
        }
    )
    def get(self, request, pk: int):
        report = tracking_report_get(user=request.user, report_id=pk)
        handle = tracking_report_file_open(report=report)
        return FileResponse(handle, as_attachment=True, filename=attachment_name(report, "xlsx"))


class ReportGenerateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ReportKind.choices,
        error_messages={"invalid_choice": _("Choose the weekly or the monthly report.")},
    )
    date = serializers.DateField(
        input_formats=["iso-8601"],
        help_text=_("Any day of the period"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    force = serializers.BooleanField(
        required=False, default=False, help_text=_("Replace the stored report (administrators)")
    )


class ReportGenerateApi(APIView):
    """ "Generate now" for the period containing `date`: 201 with the new report, 200 with the
    stored one when it already exists (or was replaced, with force)."""

    @extend_schema(
        request=ReportGenerateInputSerializer,
        responses={
            200: ReportDetailSerializer,
            201: ReportDetailSerializer,
            400: OpenApiResponse(description=_("validation_error")),
            **ERRORS,
        },
    )
    def post(self, request):
        data = ReportGenerateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = report_generate(
            kind=data.validated_data["kind"],
            period_start=data.validated_data["date"],
            actor=request.user,
            force=data.validated_data["force"],
        )
        created = report.generated_now and not report.replaced
        return Response(
            ReportDetailSerializer(report, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
