"""Races on real PostgreSQL connections (DESIGN §2, §3)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from core.roles import Role
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent
from orders.services import order_create, order_submit
from tests.factories import CustomerFactory, ProductFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(functions):
    """Start every function at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(index, fn):
        try:
            barrier.wait()
            results[index] = fn()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_fifty_parallel_creations_get_fifty_distinct_numbers():
    rep = UserFactory(roles=[Role.SALES_REP])
    customer = CustomerFactory(account_manager=rep)
    product = ProductFactory()
    day = datetime.date(2026, 11, 22)

    def create():
        order = order_create(
            actor=rep,
            customer=customer,
            order_date=day,
            lines=[{"product": product, "quantity": Decimal("1")}],
        )
        return order.number

    results = run_in_threads([create] * 50)
    assert all(isinstance(r, str) for r in results), results
    assert sorted(results) == [f"SO20261122{i:03d}" for i in range(1, 51)]
    assert Order.objects.count() == 50


def test_two_approvers_at_once_one_wins_the_other_gets_409():
    rep = UserFactory(roles=[Role.SALES_REP])
    heads = [UserFactory(roles=[Role.SALES_HEAD]) for _ in range(2)]
    order = order_create(
        actor=rep,
        customer=CustomerFactory(account_manager=rep),
        lines=[{"product": ProductFactory(), "quantity": Decimal("1")}],
    )
    order = order_submit(order=order, actor=rep)

    def approve(user):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(
                f"/api/v1/orders/{order.pk}/transitions/approve/", {}, format="json"
            )
            return response.status_code, response.json()[
                "code"
            ] if response.status_code != 200 else response.json()["status"]

        return call

    results = run_in_threads([approve(heads[0]), approve(heads[1])])
    # The loser either read the order before the winner committed (its locked re-read differs)
    # or after (the step it decides has passed): a conflict either way, never a 403.
    assert sorted(results)[0] == (200, "finance_review")
    assert sorted(results)[1] in [(409, "concurrent_modification"), (409, "invalid_transition")]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.FINANCE_REVIEW
    assert OrderEvent.objects.filter(order=order, transition="approve").count() == 1
