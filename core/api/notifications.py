"""The signed-in user's notifications (DESIGN §7): list, mark one read, mark all read."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Notification
from core.notifications import (
    notification_list,
    notification_mark_all_read,
    notification_mark_read,
    unread_count,
)


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "link", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text=_("Only unread"))


class NotificationListApi(generics.ListAPIView):
    """The user's notifications, newest first."""

    serializer_class = NotificationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        filters = NotificationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return notification_list(
            user=self.request.user, unread_only=filters.validated_data["unread"]
        )

    @extend_schema(parameters=[NotificationFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    """Mark one of the user's notifications read (another user's is not found)."""

    @extend_schema(
        request=None,
        responses={
            200: NotificationSerializer,
            401: OpenApiResponse(description=_("Not signed in")),
            404: OpenApiResponse(description=_("not_found")),
        },
    )
    def post(self, request, pk: int):
        notification = notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark every unread notification of the user read."""

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "NotificationsMarkedRead",
            {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()},
        ),
    )
    def post(self, request):
        marked = notification_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": unread_count(user=request.user)})
