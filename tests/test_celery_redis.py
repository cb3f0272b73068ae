"""A real Celery worker on the real Redis broker runs the side effects of a transition."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from core.models import Notification, OutboxMessage
from orders.services import order_submit
from orders.tests.helpers import draft_order

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_submission_reaches_the_approver_through_redis_and_a_worker(rep, sales_head):
    assert app.conf.broker_url.startswith("redis://")
    app.conf.task_always_eager = False
    app.loader.import_default_modules()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        order = order_submit(order=draft_order(rep), actor=rep)
        message = OutboxMessage.objects.get(task_name="orders.order_status_changed")
        assert message.sent_at is not None  # handed to Redis after commit
        assert wait_for(lambda: Notification.objects.filter(recipient=sales_head).exists())
    notification = Notification.objects.get(recipient=sales_head)
    assert order.number in notification.subject
    assert notification.link == f"/orders/{order.pk}/"
