"""Duplicate keys under concurrency are field errors, never an IntegrityError (a 500)."""

import threading

import pytest
from django.db import connection

from contracts.models import Customer
from contracts.services import customer_create
from contracts.services import customers as customer_services
from core.errors import ValidationFailed
from tests.factories import CustomerFactory

CODE = "91350100M000100Y43"


@pytest.mark.django_db
def test_unique_clash_found_only_by_the_database_is_a_field_error(rep, monkeypatch):
    # Simulate the other transaction committing between our check and our insert.
    CustomerFactory(credit_code=CODE)
    monkeypatch.setattr(customer_services, "_check_credit_code", lambda customer, errors: None)

    with pytest.raises(ValidationFailed) as exc:
        customer_create(actor=rep, name="晚到公司", credit_code=CODE)

    assert exc.value.fields == {"credit_code": ["Another customer already has this credit code."]}
    assert Customer.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_reps_adding_the_same_credit_code_at_once(rep, other_rep):
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add(actor, name):
        try:
            barrier.wait(timeout=5)
            customer_create(actor=actor, name=name, credit_code=CODE)
            outcomes.append("created")
        except ValidationFailed as exc:
            outcomes.append(",".join(exc.fields))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=add, args=(rep, "甲公司")),
        threading.Thread(target=add, args=(other_rep, "乙公司")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["created", "credit_code"]
    assert Customer.objects.filter(credit_code=CODE).count() == 1
