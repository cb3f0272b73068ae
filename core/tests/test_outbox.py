from unittest import mock

import pytest
from django.db import transaction

from config.celery import app
from core import outbox
from core.models import OutboxMessage


@pytest.mark.django_db(transaction=True)
def test_message_sent_after_commit_when_broker_is_up():
    app.conf.task_always_eager = False
    with mock.patch.object(app, "send_task") as send:
        with transaction.atomic():
            message = outbox.enqueue("core.outbox_flush", limit=1)
            send.assert_not_called()  # nothing leaves before commit
        send.assert_called_once_with("core.outbox_flush", kwargs={"limit": 1}, retry=False)
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_broker_down_keeps_the_message_and_flush_sends_it_later():
    app.conf.task_always_eager = False
    down = mock.patch.object(app, "send_task", side_effect=ConnectionRefusedError("down"))
    with down, transaction.atomic():
        message = outbox.enqueue("core.notifications_retry")
    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "down" in message.last_error
    with mock.patch.object(app, "send_task") as send:
        assert outbox.flush() == 1
        assert outbox.flush() == 0  # already sent: not sent twice
    send.assert_called_once()
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_sends_nothing():
    app.conf.task_always_eager = False
    with (
        mock.patch.object(app, "send_task") as send,
        pytest.raises(ValueError),
        transaction.atomic(),
    ):
        outbox.enqueue("core.outbox_flush")
        raise ValueError
    send.assert_not_called()
    assert OutboxMessage.objects.count() == 0
