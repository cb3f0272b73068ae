from celery import shared_task

from . import notifications, outbox


@shared_task(name="core.outbox_flush")
def outbox_flush() -> int:
    return outbox.flush()


@shared_task(name="core.notifications_retry")
def notifications_retry() -> int:
    return notifications.retry_unsent_emails()
