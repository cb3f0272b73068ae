"""Fulfillment notifications (fulfillment.tasks), run directly as a worker would, and once
only per event (a retried task notifies nobody twice)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import Notification
from core.roles import Role
from fulfillment.services.risk import (
    risk_request_create,
    risk_request_decide,
    risk_request_withdraw,
)
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.tasks import deviation_changed, receipt_with_remarks, risk_request_changed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "老客户, 本周付款"


@pytest.fixture
def prepaid(ready_order, rep, mts):
    return ready_order(rep, (mts, "2"), settlement_method="prepayment")


@pytest.fixture
def people(finance, gm, warehouse, sales_head):
    """Everyone who might hear of something. The approvers approve_fully made for the order
    (users named userN) are retired, as is another finance user: inactive users hear nothing.
    Request this fixture after the order's."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username__startswith="user").update(is_active=False)
    UserFactory(roles=[Role.FINANCE], username="finance_gone", is_active=False)
    return {"finance": finance, "gm": gm, "warehouse": warehouse, "head": sales_head}


def told():
    return sorted(Notification.objects.values_list("recipient__username", "subject"))


# --- risk-shipment requests -------------------------------------------------------------------
def test_a_new_request_waits_for_finance(prepaid, sales_head, people):
    request = risk_request_create(order=prepaid, actor=sales_head, reason=REASON)

    assert risk_request_changed(request_id=request.pk) == 1

    subject = f"Risk shipment of order {prepaid.number} waits for your decision"
    assert told() == [("finance", subject)]
    note = Notification.objects.get()
    assert note.link == f"/fulfillment/risk/{request.pk}/"
    assert note.body == "\n".join(
        [
            f"Order: {prepaid.number}",
            f"Customer: {prepaid.customer.name}",
            "Requested by: head",
            f"Reason: {REASON}",
        ]
    )
    assert note.dedup_key == f"risk-{request.pk}-finance"

    assert risk_request_changed(request_id=request.pk) == 0  # again: nobody twice
    assert Notification.objects.count() == 1


def test_the_requester_and_the_orders_rep_are_never_asked_to_decide(prepaid, rep, people):
    # The rep also holds the finance role; they are the order's owner and the requester.
    from django.contrib.auth.models import Group

    rep.groups.add(Group.objects.get(name=Role.FINANCE))
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    risk_request_changed(request_id=request.pk)
    assert [who for who, _subject in told()] == ["finance"]


def test_after_finance_the_gm_is_asked(prepaid, rep, finance, people):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=finance, decision="approve")

    assert risk_request_changed(request_id=request.pk) == 1

    assert told() == [("gm", f"Risk shipment of order {prepaid.number} waits for your decision")]


def test_an_approval_tells_the_requester_the_rep_and_the_warehouse(
    prepaid, rep, sales_head, finance, gm, people
):
    request = risk_request_create(order=prepaid, actor=sales_head, reason=REASON)
    request = risk_request_decide(request=request, actor=finance, decision="approve")
    request = risk_request_decide(request=request, actor=gm, decision="approve")

    assert risk_request_changed(request_id=request.pk) == 3

    subject = f"Risk shipment of order {prepaid.number} approved: it may ship"
    assert told() == [("head", subject), ("rep", subject), ("warehouse", subject)]
    assert risk_request_changed(request_id=request.pk) == 0


def test_a_rejection_tells_the_requester_and_the_rep(prepaid, rep, finance, people):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    request = risk_request_decide(request=request, actor=finance, decision="reject", comment="否")

    assert risk_request_changed(request_id=request.pk) == 1

    assert told() == [("rep", f"Risk shipment of order {prepaid.number} rejected")]


def test_a_withdrawn_request_tells_nobody(prepaid, rep, people):
    request = risk_request_create(order=prepaid, actor=rep, reason=REASON)
    risk_request_withdraw(request=request, actor=rep)
    assert risk_request_changed(request_id=request.pk) == 0
    assert not Notification.objects.exists()


def test_a_missing_request_tells_nobody():
    assert risk_request_changed(request_id=999999) == 0


def test_the_outbox_runs_the_task_after_commit(
    prepaid, rep, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        risk_request_create(order=prepaid, actor=rep, reason=REASON)
    assert [who for who, _subject in told()] == ["finance"]


# --- delivery receipts with remarks ------------------------------------------------------------
@pytest.fixture
def signed_with_remarks(ready_order, rep, warehouse, mts, media_root):
    order = ready_order(rep, (mts, "2"))
    shipment = shipment_create(order=order, actor=warehouse, carrier="德邦", transport_mode="road")
    receipt = delivery_receipt_add(
        shipment=shipment,
        actor=warehouse,
        file=SimpleUploadedFile("r.pdf", b"%PDF-1.4", content_type="application/pdf"),
        signer="张三",
        signed_on=timezone.localdate(),
        packing_ok=False,
        remarks="外箱破损",
    )
    return order, shipment, receipt


def test_a_receipt_with_remarks_tells_the_rep_and_the_sales_heads(signed_with_remarks, people):
    order, shipment, receipt = signed_with_remarks
    other_head = UserFactory(roles=[Role.SALES_HEAD], username="head2")

    assert receipt_with_remarks(receipt_id=receipt.pk) == 3

    subject = f"Shipment {shipment.number} was signed for with remarks"
    assert told() == [("head", subject), (other_head.username, subject), ("rep", subject)]
    note = Notification.objects.get(recipient__username="rep")
    assert (note.body, note.link) == ("外箱破损", f"/orders/{order.pk}/#shipments")
    assert receipt_with_remarks(receipt_id=receipt.pk) == 0
    assert Notification.objects.count() == 3


def test_a_missing_receipt_tells_nobody():
    assert receipt_with_remarks(receipt_id=999999) == 0


def test_a_database_hiccup_is_retried_and_writes_nothing(signed_with_remarks, monkeypatch):
    _order, _shipment, receipt = signed_with_remarks

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("fulfillment.tasks.notify", broken)
    with pytest.raises(RuntimeError):  # called directly, Celery's retry re-raises the cause
        receipt_with_remarks(receipt_id=receipt.pk)
    assert not Notification.objects.exists()


# --- deviations ----------------------------------------------------------------------------------
def test_a_handed_over_report_tells_the_new_owner_once(rep, mts, warehouse, sales_head):
    from fulfillment.services.deviations import deviation_create, deviation_update

    from .conftest import order_of

    order = order_of(rep, (mts, "1"))
    deviation = deviation_create(
        order=order,
        actor=warehouse,
        kind="deviation",
        category="delay",
        title="延期两天",
        description="物流延误",
        owner=warehouse,
    )
    assert deviation_changed(deviation_id=deviation.pk) == 1  # the rep
    deviation = deviation_update(deviation=deviation, actor=warehouse, owner=sales_head)

    assert deviation_changed(deviation_id=deviation.pk) == 2  # the new owner, and the rep again
    assert deviation_changed(deviation_id=deviation.pk) == 0
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [
        "head",
        "rep",
        "rep",
    ]
