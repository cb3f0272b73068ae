"""In-app notifications, mailed to users who have an address. Called from Celery tasks."""

import logging

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def users_with_roles(*roles: str):
    User = get_user_model()
    return User.objects.filter(is_active=True, groups__name__in=roles).distinct()


def notify(*, user_ids, subject: str, body: str = "", link: str = "", dedup_key: str = "") -> int:
    """Create one notification per user (once per dedup_key) and mail it; returns how many new.

    A mail failure leaves `emailed_at` empty so the retry task can send it again.
    """
    created = []
    for user_id in set(user_ids):
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
            continue  # already notified for this key
    for notification in created:
        send_notification_email(notification)
    return len(created)


def send_notification_email(notification: Notification) -> bool:
    email = notification.recipient.email
    if not email:
        return False
    try:
        send_mail(
            notification.subject,
            f"{notification.body}\n\n{notification.link}".strip(),
            None,
            [email],
        )
    except Exception as exc:  # mail server down: retried by core.notifications_retry
        logger.warning("mail to %s failed: %s", email, exc)
        return False
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def retry_unsent_emails(limit: int = 200) -> int:
    pending = (
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("id")[:limit]
    )
    return sum(send_notification_email(n) for n in pending)
