"""Archive API (DESIGN §7): the chain's verification."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import PermissionDenied

from ..permissions import may_read_archive
from ..services.verify import verify_chain


class VerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField(help_text=_("Records verified before the first broken one."))
    broken_position = serializers.IntegerField(allow_null=True)
    order_number = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class ArchiveVerifyApi(APIView):
    """Verify the archive's hash chain and name the first broken record, if any."""

    @extend_schema(responses=VerificationSerializer)
    def get(self, request):
        if not may_read_archive(request.user):
            raise PermissionDenied()
        return Response(VerificationSerializer(verify_chain()).data)
