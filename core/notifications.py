"""In-app notifications, mailed to users who have an address (REQUIREMENTS §4, DESIGN §5).

`notify` is called from Celery tasks, which are queued only after the change that caused them
has committed; a mail failure never undoes anything: the notification stays with `emailed_at`
empty and the beat task core.notifications_retry sends it later.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from .errors import NotFound
from .models import Notification

logger = logging.getLogger(__name__)

# A mail still failing after this long is given up (the in-app notification remains).
EMAIL_RETRY_WINDOW = dt.timedelta(days=3)


def users_with_roles(*roles: str):
    User = get_user_model()
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct()


# --- writing ------------------------------------------------------------------------------------


def notify(*, user_ids, subject: str, body: str = "", link: str = "", dedup_key: str = "") -> int:
    """Create one notification per user (once per dedup_key) and mail it; returns how many new.

    A mail failure leaves `emailed_at` empty so the retry task can send it again.
    """
    created = []
    for user_id in sorted(set(user_ids)):
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient_id=user_id,
                        subject=subject[:200],
                        body=body,
                        link=link,
                        dedup_key=dedup_key,
                    )
                )
        except IntegrityError:
            continue  # already notified for this key (a retried task)
    for notification in created:
        send_notification_email(notification)
    return len(created)


def absolute_link(link: str) -> str:
    """Mail needs the site's address in front of an in-app path (settings.SITE_URL, optional)."""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{link}" if base and link.startswith("/") else link


def send_notification_email(notification: Notification) -> bool:
    email = notification.recipient.email
    if not email:
        return False
    try:
        send_mail(
            notification.subject,
            f"{notification.body}\n\n{absolute_link(notification.link)}".strip(),
            None,
            [email],
        )
    except Exception as exc:  # mail server down: retried by core.notifications_retry
        logger.warning("mail for notification #%s failed: %s", notification.pk, exc)
        return False
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def retry_unsent_emails(limit: int = 200) -> int:
    """Mail what could not be mailed before (beat: core.notifications_retry)."""
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=timezone.now() - EMAIL_RETRY_WINDOW,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("id")[:limit]
    )
    return sum(send_notification_email(n) for n in pending)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    """The recipient opened it; someone else's notification is not found."""
    notification = notification_get(user=user, notification_id=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- reading ------------------------------------------------------------------------------------


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    queryset = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notification_get(*, user, notification_id) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotFound()
    return notification


def unread_count(*, user) -> int:
    """One COUNT query: the bell on every page."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
