"""Settlement export API (ISSUE 6 items 6 and 7).

GET /api/v1/exports/settlement/?date_from=&date_to=&customer=&region=&salesperson=&status=
answers the xlsx at once (200) when it has at most EXPORT_SYNC_MAX_ROWS detail rows, else 202
with the job queued: {id, status, total_rows, status_url, download_url}; poll
/api/v1/exports/jobs/{id}/ until "done", then GET its /download/. `status` may be repeated or
comma-separated. Finance, admin, GM and sales head export everything; a rep their own orders;
production and warehouse get 403.
"""

from __future__ import annotations

import os

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidTransition, ValidationFailed

from .api.common import LIST_ERRORS, READ_ERRORS, FinanceAccess, enum_field
from .enums import ExportStatus
from .exports.forms import SettlementFilterForm
from .exports.jobs import XLSX_TYPE, export_job_get, settlement_export
from .models import ExportJob


class ExportJobSerializer(serializers.ModelSerializer):
    status = enum_field(ExportStatus, read_only=True)
    percent = serializers.IntegerField(read_only=True)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("Set once the job is done")
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "status",
            "total_rows",
            "done_rows",
            "percent",
            "error",
            "requested_at",
            "finished_at",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def get_status_url(self, obj) -> str:
        return reverse("api:export-job-detail", args=[obj.pk])

    def get_download_url(self, obj) -> str | None:
        if obj.status == ExportStatus.DONE and obj.file:
            return reverse("api:export-job-download", args=[obj.pk])
        return None


def _filter_data(query_params):
    """The query string for SettlementFilterForm; `status` repeated or comma-separated."""
    data = query_params.copy()
    statuses = [s.strip() for raw in query_params.getlist("status") for s in raw.split(",")]
    data.setlist("status", [s for s in statuses if s])
    return data


def _form_errors(form) -> dict:
    return {
        ("non_field_errors" if key == "__all__" else key): [str(m) for m in messages]
        for key, messages in form.errors.items()
    }


def _file_response(handle, filename: str) -> FileResponse:
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


XLSX_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY, description=gettext_lazy("The settlement workbook (xlsx)")
)


class SettlementExportApi(APIView):
    permission_classes = [FinanceAccess]

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, description=_("Order date from")),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description=_("Order date to")),
            OpenApiParameter("customer", OpenApiTypes.INT),
            OpenApiParameter("region", OpenApiTypes.STR, description=_("The customer's region")),
            OpenApiParameter("salesperson", OpenApiTypes.INT, description=_("The order owner")),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                many=True,
                description=_("Order statuses, repeated or comma-separated"),
            ),
        ],
        responses={
            (200, XLSX_TYPE): XLSX_RESPONSE,
            202: ExportJobSerializer,
            **LIST_ERRORS,
        },
    )
    def get(self, request):
        form = SettlementFilterForm(_filter_data(request.query_params), user=request.user)
        if not form.is_valid():
            raise ValidationFailed(fields=_form_errors(form))
        result = settlement_export(
            user=request.user, filters=form.filters(), description=form.describe()
        )
        if result.file is not None:
            return _file_response(result.file, result.filename)
        data = ExportJobSerializer(result.job).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )


class ExportJobDetailApi(APIView):
    """One of the user's export jobs: status and progress."""

    permission_classes = [FinanceAccess]

    @extend_schema(responses={200: ExportJobSerializer, **READ_ERRORS})
    def get(self, request, pk: int):
        job = export_job_get(user=request.user, job_id=pk)
        return Response(ExportJobSerializer(job).data)


class ExportJobDownloadApi(APIView):
    permission_classes = [FinanceAccess]

    @extend_schema(
        responses={
            (200, XLSX_TYPE): XLSX_RESPONSE,
            409: OpenApiResponse(description=gettext_lazy("invalid_transition: not done yet")),
            **READ_ERRORS,
        }
    )
    def get(self, request, pk: int):
        job = export_job_get(user=request.user, job_id=pk)
        if job.status != ExportStatus.DONE or not job.file:
            raise InvalidTransition(
                _("The export is not ready: it is “%(status)s”.")
                % {"status": job.get_status_display()},
                extra={"status": job.status},
            )
        return _file_response(job.file.open("rb"), os.path.basename(job.file.name))
