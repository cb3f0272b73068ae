import pytest

from core.errors import ValidationFailed
from orders import lifecycle
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent
from orders.services import order_submit

from .helpers import draft_order

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self, refuse: bool = False):
        self.calls = []
        self.refuse = refuse

    def on_transition(self, *, order, event, name, from_status, actor):
        self.calls.append((order.pk, event.pk, name, from_status, order.status, actor.pk))
        if self.refuse:
            raise ValidationFailed(fields={"non_field_errors": ["refused by a listener"]})


def test_listeners_hear_every_transition_inside_its_transaction(rep):
    recorder = Recorder()
    lifecycle.register(recorder)
    try:
        order = order_submit(order=draft_order(rep), actor=rep)
    finally:
        lifecycle.unregister(recorder)
    event = OrderEvent.objects.get(order=order, transition="submit")
    assert recorder.calls == [
        (order.pk, event.pk, "submit", OrderStatus.DRAFT, OrderStatus.SALES_REVIEW, rep.pk)
    ]


def test_a_listener_can_refuse_and_nothing_changes(rep):
    order = draft_order(rep)
    recorder = Recorder(refuse=True)
    lifecycle.register(recorder)
    try:
        with pytest.raises(ValidationFailed):
            order_submit(order=order, actor=rep)
    finally:
        lifecycle.unregister(recorder)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT
    assert not OrderEvent.objects.filter(order=order, transition="submit").exists()
