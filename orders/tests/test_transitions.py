"""Every transition from every state: allowed sources succeed with an event and a queued side
effect; every other source is refused with invalid_transition and changes nothing."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import ApprovalPolicy
from core.errors import (
    ConcurrentModification,
    ErrorCode,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from core.models import Notification, OutboxMessage
from core.roles import Role
from finance.services import invoice_issue, receipt_record
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add
from orders import services
from orders.enums import REVIEW_STATES, OrderStatus, OrderTransition, SupplyMode
from orders.models import Order, OrderEvent
from tests.factories import ProductFactory, UserFactory

from .helpers import draft_order, force_status, shippable_customer

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition

# transition → {source: expected target}
MACHINE = {
    T.SUBMIT: {S.DRAFT: S.SALES_REVIEW, S.REJECTED: S.SALES_REVIEW},
    T.APPROVE: {
        S.SALES_REVIEW: S.FINANCE_REVIEW,
        S.TECHNICAL_REVIEW: S.FINANCE_REVIEW,  # the plain chain resumes after a technical step
        S.FINANCE_REVIEW: S.GM_REVIEW,
        S.GM_REVIEW: S.APPROVED,
    },
    T.REJECT: dict.fromkeys(REVIEW_STATES, S.REJECTED),
    T.CANCEL: dict.fromkeys((S.DRAFT, S.REJECTED, *REVIEW_STATES), S.CANCELLED),
    T.CANCEL_APPROVED: dict.fromkeys((S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP), S.CANCELLED),
    T.HOLD: dict.fromkeys(
        (S.APPROVED, S.IN_PRODUCTION, S.READY_TO_SHIP, S.PARTIALLY_SHIPPED), S.ON_HOLD
    ),
    T.RESUME: {S.ON_HOLD: S.APPROVED},
    T.START_PRODUCTION: {S.APPROVED: S.IN_PRODUCTION},
    T.FINISH_PRODUCTION: {S.IN_PRODUCTION: S.READY_TO_SHIP},
    T.MARK_READY: {S.APPROVED: S.READY_TO_SHIP},
    T.SHIP: {S.READY_TO_SHIP: S.SHIPPED, S.PARTIALLY_SHIPPED: S.SHIPPED},
    T.CONFIRM_DELIVERY: {S.SHIPPED: S.DELIVERED},
    T.SETTLE: {S.DELIVERED: S.SETTLED},
    T.ARCHIVE: {S.SETTLED: S.ARCHIVED},
}
SERVICE = {
    **services.TRANSITION_SERVICES,
    T.CANCEL_APPROVED: services.order_cancel_approved,
    T.HOLD: services.order_hold,
    T.RESUME: services.order_resume,
    T.START_PRODUCTION: services.order_start_production,
    T.FINISH_PRODUCTION: services.order_finish_production,
}
ACTOR_ROLE = {
    T.HOLD: Role.SALES_HEAD,
    T.RESUME: Role.SALES_HEAD,
    T.CANCEL_APPROVED: Role.GM,
    T.START_PRODUCTION: Role.PRODUCTION,
    T.FINISH_PRODUCTION: Role.PRODUCTION,
    T.MARK_READY: Role.WAREHOUSE,
    T.SHIP: Role.WAREHOUSE,
    T.CONFIRM_DELIVERY: Role.WAREHOUSE,
    T.SETTLE: Role.FINANCE,
    T.ARCHIVE: Role.FINANCE,
}
STEP_ROLE = {
    S.SALES_REVIEW: Role.SALES_HEAD,
    S.TECHNICAL_REVIEW: Role.PRODUCTION,
    S.FINANCE_REVIEW: Role.FINANCE,
    S.GM_REVIEW: Role.GM,
}


def actor_for(name, source, owner):
    if name in (T.SUBMIT, T.CANCEL):
        return owner
    role = STEP_ROLE[source] if name in (T.APPROVE, T.REJECT) else ACTOR_ROLE[name]
    return UserFactory(roles=[role])


CASES = [(name, source) for name in MACHINE for source in S.values]


@pytest.mark.parametrize(("name", "source"), CASES)
def test_transition_from_every_state(rep, name, source, django_capture_on_commit_callbacks):
    # a monthly-settlement customer: the shipping gate lets the order ship; settling by hand
    # without invoices is allowed only for a difference within the tolerance (finance)
    lines = None
    if name == T.SETTLE:
        lines = [{"product": ProductFactory(), "quantity": 1, "unit_price": Decimal("50")}]
    order = force_status(draft_order(rep, customer=shippable_customer(rep), lines=lines), source)
    events_before = OrderEvent.objects.count()
    outbox_before = OutboxMessage.objects.count()
    expected = MACHINE[name].get(source)
    if expected is None:
        superuser = UserFactory(roles=list(Role.values), is_superuser=True)
        with (
            django_capture_on_commit_callbacks() as callbacks,
            pytest.raises(InvalidTransition) as exc,
        ):
            SERVICE[name](order=order, actor=superuser, comment="reason")
        assert callbacks == []
        assert exc.value.code == ErrorCode.INVALID_TRANSITION
        assert Order.objects.get(pk=order.pk).status == source
        assert OrderEvent.objects.count() == events_before
        assert OutboxMessage.objects.count() == outbox_before
        return
    actor = actor_for(name, source, rep)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = SERVICE[name](order=order, actor=actor, comment="reason")
    assert len(callbacks) == 1
    assert result.status == expected
    assert Order.objects.get(pk=order.pk).status == expected
    event = OrderEvent.objects.latest("id")
    assert (event.transition, event.from_status, event.to_status, event.actor) == (
        name,
        source,
        expected,
        actor,
    )
    assert event.comment == "reason"
    message = OutboxMessage.objects.latest("id")
    assert message.task_name == "orders.order_status_changed"
    assert message.kwargs == {"order_id": order.pk, "event_id": event.pk}
    assert message.last_error == ""
    assert message.sent_at is not None  # eager in tests: the task ran after commit


def test_full_lifecycle_with_partial_shipment(rep, sales_head, finance, gm, warehouse):
    product = ProductFactory(list_price=Decimal("100"))
    stock_receive(product=product, quantity=Decimal("10"), actor=warehouse)
    order = draft_order(
        rep,
        customer=shippable_customer(rep),
        lines=[{"product": product, "quantity": Decimal("10")}],
    )
    order = services.order_submit(order=order, actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    order = services.order_approve(order=order, actor=finance)
    order = services.order_approve(order=order, actor=gm, comment="同意")
    # the stock covers the order: the approval reserved it and marked the order ready by itself
    assert order.status == S.READY_TO_SHIP and order.approved_at is not None
    assert order.events.latest("id").transition == T.MARK_READY
    line = order.lines.get()
    order = services.order_ship(order=order, actor=warehouse, quantities={line.pk: "4"})
    assert order.status == S.PARTIALLY_SHIPPED
    line.refresh_from_db()
    assert (line.shipped_quantity, line.is_closed) == (Decimal("4.000"), False)
    with pytest.raises(ValidationFailed) as exc:
        services.order_ship(order=order, actor=warehouse, quantities={line.pk: "7"})
    assert "Only 6 台" in exc.value.fields[f"lines.{line.pk}"][0]
    order = services.order_ship(order=order, actor=warehouse, quantities={line.pk: "6"})
    assert order.status == S.SHIPPED
    # delivered once every shipment's signed receipt is in, not before
    with pytest.raises(ValidationFailed):
        services.order_confirm_delivery(order=order, actor=rep)
    for shipment in order.shipments.order_by("pk"):
        delivery_receipt_add(
            shipment=shipment,
            actor=rep,
            file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 signed"),
            signer="王经理",
            signed_on=shipment.shipped_on,
        )
    order = Order.objects.get(pk=order.pk)
    assert order.status == S.DELIVERED
    # finance settles by hand only a difference within the tolerance; invoiced and paid in
    # full, the order settles by itself
    with pytest.raises(ValidationFailed):
        services.order_settle(order=order, actor=finance)
    invoice = invoice_issue(order=order, actor=finance, fapiao_number="12345678")
    receipt_record(
        customer=order.customer,
        actor=finance,
        amount=invoice.total,
        allocations=[{"order": order, "invoice": invoice, "amount": invoice.total}],
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == S.SETTLED
    order = services.order_archive(order=order, actor=finance)
    assert order.status == S.ARCHIVED
    # the transitions (invoice and payment events have no status of their own)
    transitions = order.events.exclude(transition="")
    assert list(transitions.values_list("to_status", flat=True)) == [
        S.SALES_REVIEW,
        S.FINANCE_REVIEW,
        S.GM_REVIEW,
        S.APPROVED,
        S.READY_TO_SHIP,
        S.PARTIALLY_SHIPPED,
        S.SHIPPED,
        S.DELIVERED,
        S.SETTLED,
        S.ARCHIVED,
    ]


def test_approvers_are_notified_and_the_rep_hears_of_a_rejection(
    rep, sales_head, finance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_submit(order=draft_order(rep), actor=rep)
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["head"]
    with django_capture_on_commit_callbacks(execute=True):
        services.order_reject(order=order, actor=sales_head, comment="请补充合同")
    assert Notification.objects.filter(recipient=rep, subject__contains=order.number).count() == 1


@pytest.mark.parametrize("name", [T.REJECT, T.CANCEL, T.HOLD])
def test_reason_is_required(rep, sales_head, name):
    order = draft_order(rep)
    order = services.order_submit(order=order, actor=rep)
    if name == T.HOLD:
        order = force_status(order, S.APPROVED)
    with pytest.raises(ValidationFailed) as exc:
        SERVICE[name](order=order, actor=sales_head if name != T.CANCEL else rep, comment="  ")
    assert "comment" in exc.value.fields
    assert Order.objects.get(pk=order.pk).status == order.status


def test_requester_never_approves_own_order(sales_head):
    order = services.order_submit(order=draft_order(sales_head), actor=sales_head)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=sales_head)
    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW


def test_same_person_does_not_approve_two_steps(rep, settings):
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=both)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=both)
    # A policy without the rule applies to orders submitted afterwards.
    ApprovalPolicy.objects.filter(is_active=True).update(distinct_approvers=False)
    order = services.order_reject(
        order=order, actor=UserFactory(roles=[Role.FINANCE]), comment="重新提交"
    )
    order = services.order_submit(order=order, actor=rep)
    order = services.order_approve(order=order, actor=both)
    assert services.order_approve(order=order, actor=both).status == S.GM_REVIEW


def test_new_round_after_rejection_forgets_earlier_approvals(rep, finance, gm):
    both = UserFactory(roles=[Role.SALES_HEAD, Role.FINANCE])
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=both)
    order = services.order_reject(order=order, actor=finance, comment="信用不足")
    order = services.order_submit(order=order, actor=rep)
    assert services.order_approve(order=order, actor=both).status == S.FINANCE_REVIEW


def test_wrong_step_role_is_refused(rep, finance):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=finance)


def test_stale_view_of_the_order_is_a_conflict(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    stale = Order.objects.get(pk=order.pk)
    services.order_approve(order=order, actor=sales_head)
    other_head = UserFactory(roles=[Role.SALES_HEAD])
    with pytest.raises(ConcurrentModification):
        services.order_approve(order=stale, actor=other_head)
    assert OrderEvent.objects.filter(transition=T.APPROVE).count() == 1


def test_hold_and_resume_return_to_the_state_left(rep, sales_head):
    order = force_status(draft_order(rep), S.READY_TO_SHIP)
    order = services.order_hold(order=order, actor=sales_head, comment="客户要求暂停发货")
    assert (order.status, order.status_before_hold) == (S.ON_HOLD, S.READY_TO_SHIP)
    order = services.order_resume(order=order, actor=sales_head)
    assert (order.status, order.status_before_hold) == (S.READY_TO_SHIP, "")


def test_make_to_order_lines_must_go_through_production(rep, warehouse):
    product = ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER)
    order = draft_order(rep, lines=[{"product": product, "quantity": Decimal("1")}])
    order = force_status(order, S.APPROVED)
    with pytest.raises(ValidationFailed):
        services.order_mark_ready(order=order, actor=warehouse)
    assert Order.objects.get(pk=order.pk).status == S.APPROVED


def test_delivery_needs_every_line_closed(rep, warehouse):
    order = force_status(draft_order(rep), S.SHIPPED)
    order.lines.update(is_closed=False)
    with pytest.raises(ValidationFailed):
        services.order_confirm_delivery(order=order, actor=warehouse)


def test_late_approver_of_a_decided_step_gets_a_conflict_not_a_refusal(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    other_head = UserFactory(roles=[Role.SALES_HEAD])
    with pytest.raises(InvalidTransition):
        services.order_approve(order=order, actor=other_head)
    # finance's step comes later: a finance user at the sales step is simply refused
    order = force_status(order, S.SALES_REVIEW)
    with pytest.raises(PermissionDenied):
        services.order_approve(order=order, actor=UserFactory(roles=[Role.FINANCE]))
