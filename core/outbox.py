"""Transactional outbox for Celery tasks (DESIGN §5): a side effect is stored with the change
that caused it and sent after commit. A down broker leaves it pending; `outbox_flush` (beat)
sends it later. Tasks must therefore be idempotent.
"""

import logging

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task_name: str, **kwargs) -> OutboxMessage:
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: dispatch(message.pk))
    return message


def dispatch(message_id: int) -> bool:
    """Send one pending message to the broker; True when it was sent (or already had been)."""
    from config.celery import app

    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.sent_at is not None:
            return True
        message.attempts += 1
        try:
            if app.conf.task_always_eager:
                # Tests and one-process runs: execute in place (send_task ignores eager mode).
                app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
                app.tasks[message.task_name].apply(kwargs=message.kwargs, throw=True)
            else:
                app.send_task(message.task_name, kwargs=message.kwargs, retry=False)
        except Exception as exc:  # broker down, connection refused, timeout...
            logger.warning("outbox: %s #%s not sent: %s", message.task_name, message.pk, exc)
            message.last_error = str(exc)[:2000]
            message.save(update_fields=["attempts", "last_error"])
            return False
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def flush(limit: int = 500) -> int:
    """Retry pending messages, oldest first; returns how many were sent."""
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("id")
    sent = 0
    for message_id in pending.values_list("id", flat=True)[:limit]:
        sent += dispatch(message_id)
    return sent
