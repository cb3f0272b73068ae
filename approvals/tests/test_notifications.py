"""Notifications of the approval chain (issue 4 item 7): the next approvers (and their delegates)
on submit and on each approval, the owner on every decision, never the person who acted; sent
by a task queued only after commit; a mail failure is retried and never undoes the decision."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone, translation

from approvals.models import ApprovalDecision
from core.models import Notification, OutboxMessage
from core.roles import Role
from core.tasks import notifications_retry
from orders import services
from orders.enums import OrderStatus
from orders.models import Order, OrderEvent
from orders.tasks import order_status_changed
from orders.tests.helpers import draft_order
from tests.factories import ProductFactory, UserFactory

from .factories import DelegationFactory

pytestmark = pytest.mark.django_db
S = OrderStatus


class BrokenMailBackend(BaseEmailBackend):
    """The mail server is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service as if its transaction committed: the outbox then hands the task over."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def received(**filters) -> dict[str, list[str]]:
    """{username: [subjects]} of the notifications so far."""
    out: dict[str, list[str]] = {}
    for username, subject in (
        Notification.objects.filter(**filters)
        .order_by("recipient__username", "id")
        .values_list("recipient__username", "subject")
    ):
        out.setdefault(username, []).append(subject)
    return out


def today():
    return timezone.localdate()


@pytest.fixture
def submitted(rep, sales_head, committed):
    order = committed(services.order_submit, order=draft_order(rep), actor=rep)
    Notification.objects.all().delete()
    mail.outbox.clear()
    return order


# --- who hears ----------------------------------------------------------------------------------


def test_submission_asks_the_sales_heads_and_their_delegates_never_the_rep(
    rep, sales_head, other_rep, committed
):
    second_head = UserFactory(username="head2", roles=[Role.SALES_HEAD])
    stand_in = UserFactory(username="standin")
    DelegationFactory(approver=sales_head, delegate=other_rep)  # today: told
    DelegationFactory(  # over: not told
        approver=second_head,
        delegate=stand_in,
        start_date=today() - dt.timedelta(days=9),
        end_date=today() - dt.timedelta(days=2),
    )
    DelegationFactory(  # revoked: not told
        approver=second_head, delegate=UserFactory(username="revoked"), revoked_at=timezone.now()
    )
    UserFactory(username="finance", roles=[Role.FINANCE])

    order = committed(services.order_submit, order=draft_order(rep), actor=rep)

    assert set(received()) == {"head", "head2", "rep2"}
    note = Notification.objects.get(recipient=sales_head)
    assert note.subject == f"Order {order.number} waits for your approval: Sales head review"
    assert note.link == f"/orders/{order.pk}/"
    assert note.body.splitlines() == [
        f"Order: {order.number}",
        f"Customer: {order.customer.name}",
        "Total: ¥2,260.00",
        "Step: Sales head review",
        "Submitted by: rep",
    ]


def test_a_sales_head_submitting_their_own_order_is_not_asked_to_approve_it(sales_head, committed):
    UserFactory(username="head2", roles=[Role.SALES_HEAD])
    committed(services.order_submit, order=draft_order(sales_head), actor=sales_head)
    assert set(received()) == {"head2"}


def test_an_approval_tells_the_owner_and_the_next_approvers_not_the_actor(
    submitted, rep, sales_head, finance, gm, committed
):
    UserFactory(username="head2", roles=[Role.SALES_HEAD])

    committed(services.order_approve, order=submitted, actor=sales_head, comment="同意")

    number = submitted.number
    assert received() == {
        "finance": [f"Order {number} waits for your approval: Finance review"],
        "rep": [f"Order {number} passed Sales head review"],
    }
    owner_note = Notification.objects.get(recipient=rep)
    assert owner_note.body.splitlines()[3:] == [
        "Step: Sales head review",
        "Decided by: head",
        "Status now: Finance review",
        "Comment: 同意",
    ]
    approver_note = Notification.objects.get(recipient=finance)
    assert approver_note.body.splitlines()[3:] == [
        "Step: Finance review",
        "Sales head review approved by head",
        "Comment: 同意",
    ]


def test_the_next_steps_delegate_is_asked_too(submitted, sales_head, finance, other_rep, committed):
    DelegationFactory(approver=finance, delegate=other_rep)
    committed(services.order_approve, order=submitted, actor=sales_head)
    assert set(received()) == {"rep", "finance", "rep2"}


def test_a_delegates_decision_reads_on_behalf_of_the_approver(
    submitted, rep, sales_head, other_rep, committed
):
    DelegationFactory(approver=sales_head, delegate=other_rep)
    delegate = get_user_model().objects.get(pk=other_rep.pk)  # delegations are cached per object
    committed(services.order_approve, order=submitted, actor=delegate)
    owner_note = Notification.objects.get(recipient=rep)
    assert "Decided by: rep2 on behalf of head" in owner_note.body.splitlines()
    assert not Notification.objects.filter(recipient=other_rep).exists()


def test_who_approved_an_earlier_step_is_not_asked_for_the_next(submitted, committed):
    both = UserFactory(username="both", roles=[Role.SALES_HEAD, Role.FINANCE])
    UserFactory(username="finance", roles=[Role.FINANCE])
    committed(services.order_approve, order=submitted, actor=both)
    assert set(received()) == {"rep", "finance"}


def test_an_override_reason_is_in_the_notification(rep, sales_head, committed):
    order = draft_order(
        rep,
        lines=[{"product": ProductFactory(), "quantity": Decimal("1"), "unit_price": Decimal("1")}],
    )
    order = committed(services.order_submit, order=order, actor=rep)
    committed(
        services.order_approve, order=order, actor=sales_head, override_reason="样品, 同意低价"
    )
    assert "Override reason: 样品, 同意低价" in Notification.objects.get(recipient=rep).body


def test_a_rejection_tells_the_owner_with_the_reason_and_nobody_else(
    submitted, rep, sales_head, finance, committed
):
    committed(services.order_reject, order=submitted, actor=sales_head, comment="价格不对")
    assert received() == {"rep": [f"Order {submitted.number} was rejected at Sales head review"]}
    assert "Comment: 价格不对" in Notification.objects.get(recipient=rep).body


def test_final_approval_tells_the_owner_and_the_production_and_warehouse_crews(
    submitted, rep, sales_head, finance, gm, production, warehouse, committed
):
    order = committed(services.order_approve, order=submitted, actor=sales_head)
    order = committed(services.order_approve, order=order, actor=finance)
    Notification.objects.all().delete()

    committed(services.order_approve, order=order, actor=gm, comment="可以")

    subject = f"Order {order.number} is approved"
    assert received() == {"production": [subject], "rep": [subject], "warehouse": [subject]}


def test_cancellation_by_an_approver_tells_the_owner(submitted, rep, sales_head, committed):
    committed(services.order_cancel, order=submitted, actor=sales_head, comment="客户取消")
    assert received() == {"rep": [f"Order {submitted.number} was cancelled"]}
    assert "Comment: 客户取消" in Notification.objects.get(recipient=rep).body


def test_the_owner_cancelling_tells_nobody(submitted, rep, committed):
    committed(services.order_cancel, order=submitted, actor=rep, comment="重复下单")
    assert received() == {}


def test_the_texts_are_written_in_the_sites_language(rep, sales_head, committed, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    committed(services.order_submit, order=draft_order(rep), actor=rep)
    with translation.override("zh-hans"):
        step = str(S.SALES_REVIEW.label)
    assert step != "Sales head review"  # translated
    assert step in Notification.objects.get(recipient=sales_head).body


# --- after commit only ----------------------------------------------------------------------------


def test_a_rolled_back_decision_queues_and_creates_nothing(
    rep, sales_head, django_capture_on_commit_callbacks
):
    order = draft_order(rep)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.order_submit(order=order, actor=rep)
        raise RuntimeError("the request failed later")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()
    assert Order.objects.get(pk=order.pk).status == S.DRAFT


def test_the_task_runs_only_when_the_transaction_commits(
    rep, sales_head, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        order = services.order_submit(order=draft_order(rep), actor=rep)
        assert not Notification.objects.exists()
    message = OutboxMessage.objects.get(task_name="orders.order_status_changed")
    assert message.sent_at is None
    assert len(callbacks) == 1
    assert not Notification.objects.exists()

    callbacks[0]()  # the commit

    message.refresh_from_db()
    assert message.sent_at is not None
    assert received() == {
        "head": [f"Order {order.number} waits for your approval: Sales head review"]
    }


def test_a_task_run_again_creates_and_mails_nothing_twice(
    submitted, sales_head, finance, committed
):
    committed(services.order_approve, order=submitted, actor=sales_head)
    event = OrderEvent.objects.get(order=submitted, transition="approve")
    count, mails = Notification.objects.count(), len(mail.outbox)
    assert count == 2 and mails == 2

    result = order_status_changed.apply(kwargs={"order_id": submitted.pk, "event_id": event.pk})

    assert result.get() == 0
    assert (Notification.objects.count(), len(mail.outbox)) == (count, mails)


def test_a_late_task_does_not_ask_for_a_step_already_decided(
    rep, sales_head, finance, committed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as submit_callbacks:
        order = services.order_submit(order=draft_order(rep), actor=rep)
    committed(services.order_approve, order=order, actor=sales_head)

    for callback in submit_callbacks:  # the submission's task arrives only now
        callback()

    assert set(received()) == {"rep", "finance"}
    assert not Notification.objects.filter(recipient=sales_head).exists()


# --- mail -----------------------------------------------------------------------------------------


def test_each_notification_is_mailed(submitted, sales_head, finance, committed):
    committed(services.order_approve, order=submitted, actor=sales_head)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        (n.recipient.email, n.subject) for n in Notification.objects.select_related("recipient")
    )
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_mail_failure_keeps_the_decision_and_is_retried(
    api, submitted, rep, sales_head, finance, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "approvals.tests.test_notifications.BrokenMailBackend"
    api.force_authenticate(sales_head)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/approvals/decisions/",
            {"order": submitted.pk, "decision": "approve", "comment": "同意"},
            format="json",
        )

    assert response.status_code == 201
    assert Order.objects.get(pk=submitted.pk).status == S.FINANCE_REVIEW
    assert ApprovalDecision.objects.filter(order=submitted).count() == 1
    assert set(received()) == {"rep", "finance"}
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2
    assert mail.outbox == []
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_retry.apply().get() == 2

    assert sorted(m.to[0] for m in mail.outbox) == ["finance@example.com", "rep@example.com"]
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert notifications_retry.apply().get() == 0  # nothing is sent twice


def test_the_retry_gives_up_on_old_notifications(rep, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old = Notification.objects.create(recipient=rep, subject="old")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    Notification.objects.create(recipient=rep, subject="new")
    assert notifications_retry.apply().get() == 1
    assert [m.subject for m in mail.outbox] == ["new"]
