"""Twenty approvers decide one step at the same moment through the approvals API, each on its
own PostgreSQL connection (issue 4 item 9, DESIGN §2): exactly one wins, the others get a
conflict, and exactly one decision and one approve event exist."""

import pytest
from rest_framework.test import APIClient

from approvals.models import ApprovalDecision
from core.models import Notification, OutboxMessage
from core.roles import Role
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent
from orders.services import order_submit
from orders.tests.helpers import draft_order
from tests.factories import UserFactory
from tests.test_concurrency import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_approvals_of_one_step_one_wins():
    rep = UserFactory(roles=[Role.SALES_REP])
    heads = [UserFactory(roles=[Role.SALES_HEAD]) for _ in range(20)]
    order = order_submit(order=draft_order(rep), actor=rep)

    def approve(user):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(
                "/api/v1/approvals/decisions/",
                {"order": order.pk, "decision": "approve", "comment": user.username},
                format="json",
            )
            return response.status_code, response.json()

        return call

    results = run_in_threads([approve(head) for head in heads])

    assert not [r for r in results if isinstance(r, Exception)], results
    codes = sorted(status for status, _ in results)
    assert codes == [201] + [409] * 19, results
    assert {body["code"] for status, body in results if status == 409} <= {
        "concurrent_modification",
        "invalid_transition",
    }
    [winner] = [body for status, body in results if status == 201]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FINANCE_REVIEW
    decision = ApprovalDecision.objects.get(order=order)
    assert (decision.pk, decision.actor_id, decision.step) == (
        winner["id"],
        winner["actor"],
        OrderStatus.SALES_REVIEW,
    )
    event = OrderEvent.objects.get(order=order, transition="approve")
    assert (event.actor_id, event.comment) == (winner["actor"], decision.comment)
    # one side effect queued for the one decision, and the owner told once
    assert OutboxMessage.objects.filter(kwargs__event_id=event.pk).count() == 1
    assert (
        Notification.objects.filter(recipient=rep, dedup_key=f"order-event-{event.pk}").count() == 1
    )
