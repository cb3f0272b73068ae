from django.urls import path

from . import notifications

urlpatterns = [
    path("notifications/", notifications.NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/read-all/",
        notifications.NotificationReadAllApi.as_view(),
        name="notification-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadApi.as_view(),
        name="notification-read",
    ),
]
