"""Change, cancellation and hold/resume requests on approved orders (REQUIREMENTS §5)."""

import datetime
from decimal import Decimal

import pytest
from django.core.serializers import serialize
from django.db import IntegrityError, transaction

from approvals.models import ChangePolicyRule, Delegation
from core.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from core.models import Notification, OutboxMessage
from core.roles import Role
from orders.enums import (
    ChangeCategory,
    ChangeKind,
    ChangeRequestStatus,
    OrderEventType,
    OrderStatus,
)
from orders.models import ChangeRequest, ChangeRequestDecision, Order, OrderEvent, OrderRevision
from orders.services.change_requests import (
    change_request_create,
    change_request_decide,
    change_request_preview,
    change_request_withdraw,
    requestable_kinds,
)
from orders.services.transitions import order_ship
from tests.factories import ProductFactory, UserFactory

from .helpers import draft_order, force_status, shippable_customer

pytestmark = pytest.mark.django_db
S = OrderStatus
K = ChangeKind
C = ChangeCategory
CR = ChangeRequestStatus

SALES, FINANCE, GM = S.SALES_REVIEW.value, S.FINANCE_REVIEW.value, S.GM_REVIEW.value


@pytest.fixture
def order(rep):
    """An approved order: line 1 is 2 × ¥1,130, line 2 is 10 × ¥50 (total ¥2,760), for a
    monthly-settlement customer (the shipping gate is open)."""
    draft = draft_order(
        rep,
        customer=shippable_customer(rep),
        lines=[
            {"product": ProductFactory(), "quantity": Decimal("2"), "unit_price": Decimal("1130")},
            {"product": ProductFactory(), "quantity": Decimal("10"), "unit_price": Decimal("50")},
        ],
        order_date=datetime.date(2026, 11, 2),
        promised_date=datetime.date(2026, 12, 1),
    )
    return force_status(draft, S.APPROVED)


def lines_of(order) -> list:
    return list(order.lines.order_by("sequence"))


def keep(order, **changes) -> list[dict]:
    """The order's lines as a proposal, with {sequence: {field: value}} changes applied."""
    rows = []
    for line in lines_of(order):
        row = {"id": line.pk, "quantity": line.quantity, "unit_price": line.unit_price}
        row.update(changes.get(f"line{line.sequence}", {}))
        rows.append(row)
    return rows


def snapshot(order) -> str:
    """Every stored field of the order and its lines."""
    fresh = Order.objects.get(pk=order.pk)
    return serialize("json", [fresh, *fresh.lines.order_by("pk")])


def request_change(order, actor, **kwargs) -> ChangeRequest:
    kwargs.setdefault("reason", "客户要求变更")
    return change_request_create(order=order, actor=actor, **kwargs)


def decide(request, actor, approve=True, comment=""):
    request = ChangeRequest.objects.get(pk=request.pk)
    return change_request_decide(request=request, actor=actor, approve=approve, comment=comment)


# --- the diff and its category -----------------------------------------------------------------
def test_date_only_change_needs_the_sales_head_only(order, rep):
    preview = change_request_preview(
        order=order, actor=rep, header={"promised_date": datetime.date(2026, 12, 15)}
    )
    assert preview["category"] == C.DATE_ONLY
    assert preview["steps"] == [SALES]
    assert preview["diff"]["header"] == [
        {"field": "promised_date", "before": "2026-12-01", "after": "2026-12-15"}
    ]
    assert preview["diff"]["lines"] == {"added": [], "removed": [], "changed": []}
    assert preview["diff"]["totals"]["total"] == {"before": "2760.00", "after": "2760.00"}


def test_quantity_increase_goes_through_the_whole_chain(order, rep):
    preview = change_request_preview(
        order=order, actor=rep, lines=keep(order, line2={"quantity": Decimal("12")})
    )
    assert preview["category"] == C.INCREASE
    assert preview["steps"] == [SALES, FINANCE, GM]
    [changed] = preview["diff"]["lines"]["changed"]
    assert changed["sequence"] == 2
    assert changed["fields"] == ["quantity"]
    assert changed["quantity"] == {"before": "10.000", "after": "12.000"}
    assert changed["amount"] == {"before": "500.00", "after": "600.00"}
    assert preview["diff"]["totals"]["total"] == {"before": "2760.00", "after": "2860.00"}


def test_price_increase_with_a_lower_total_is_still_an_increase(order, rep):
    lines = keep(
        order,
        line1={"quantity": Decimal("1")},
        line2={"unit_price": Decimal("55")},
    )
    preview = change_request_preview(order=order, actor=rep, lines=lines)
    assert preview["diff"]["totals"]["total"] == {"before": "2760.00", "after": "1680.00"}
    assert preview["category"] == C.INCREASE


def test_freight_increase_raises_the_total(order, rep):
    preview = change_request_preview(order=order, actor=rep, header={"freight": Decimal("80")})
    assert preview["category"] == C.INCREASE
    assert preview["diff"]["totals"]["total"]["after"] == "2840.00"


def test_decrease_and_removed_line_need_the_sales_head(order, rep):
    line1, line2 = lines_of(order)
    preview = change_request_preview(
        order=order, actor=rep, lines=[{"id": line1.pk, "quantity": Decimal("1")}]
    )
    assert preview["category"] == C.OTHER
    assert preview["steps"] == [SALES]
    [removed] = preview["diff"]["lines"]["removed"]
    assert (removed["id"], removed["amount"]) == (line2.pk, "500.00")
    assert preview["diff"]["lines"]["changed"][0]["quantity"] == {
        "before": "2.000",
        "after": "1.000",
    }
    assert preview["diff"]["totals"]["total"] == {"before": "2760.00", "after": "1130.00"}


def test_added_line_is_an_increase_priced_like_a_new_order(order, rep):
    product = ProductFactory(list_price=Decimal("99.5"))
    lines = keep(order) + [{"product": product, "quantity": Decimal("3")}]
    preview = change_request_preview(order=order, actor=rep, lines=lines)
    assert preview["category"] == C.INCREASE
    [added] = preview["diff"]["lines"]["added"]
    assert (added["product_code"], added["unit_price"], added["amount"]) == (
        product.code,
        "99.5000",
        "298.50",
    )


def test_terms_change_is_other(order, rep):
    preview = change_request_preview(
        order=order,
        actor=rep,
        header={"payment_terms": "月结60天", "promised_date": datetime.date(2026, 12, 3)},
    )
    assert preview["category"] == C.OTHER


def test_a_proposal_that_changes_nothing_is_refused(order, rep):
    with pytest.raises(ValidationFailed) as exc:
        change_request_preview(order=order, actor=rep, lines=keep(order))
    assert "non_field_errors" in exc.value.fields


def test_bad_lines_name_their_fields(order, rep):
    lines = keep(order, line1={"quantity": Decimal("0")}) + [{"id": 999999, "quantity": 1}]
    with pytest.raises(ValidationFailed) as exc:
        change_request_preview(order=order, actor=rep, lines=lines)
    assert set(exc.value.fields) >= {"lines.0.quantity", "lines.2.id"}


def test_change_policy_rule_decides_the_steps(order, rep):
    ChangePolicyRule.objects.filter(category=C.DATE_ONLY).update(steps=[SALES, GM])
    preview = change_request_preview(
        order=order, actor=rep, header={"required_date": datetime.date(2026, 12, 20)}
    )
    assert preview["steps"] == [SALES, GM]


def test_without_a_rule_the_defaults_apply(order, rep):
    ChangePolicyRule.objects.all().delete()
    created = request_change(order, rep, kind=K.CANCEL)
    assert created.steps == [SALES, GM]


# --- the full flow -------------------------------------------------------------------------------
def test_increase_is_applied_as_revision_1_after_the_whole_chain(
    order, rep, sales_head, finance, gm, django_capture_on_commit_callbacks
):
    line1, line2 = lines_of(order)
    product = ProductFactory(list_price=Decimal("10"))
    lines = [
        {"id": line1.pk, "quantity": Decimal("3")},
        {"id": line2.pk, "unit_price": Decimal("40")},
        {"product": product, "quantity": Decimal("5")},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = request_change(order, rep, lines=lines, header={"payment_terms": "款到发货"})
    assert (created.number[:2], created.category, created.current_step) == ("CR", C.INCREASE, SALES)
    assert Order.objects.get(pk=order.pk).total == Decimal("2760.00")
    assert Notification.objects.filter(recipient=sales_head).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        decide(created, sales_head)
        decide(created, finance)
    assert Order.objects.get(pk=order.pk).revision == 0  # not before the last step
    with django_capture_on_commit_callbacks(execute=True):
        decided = decide(created, gm, comment="同意")

    assert (decided.status, decided.current_step, decided.revision) == (CR.APPROVED, "", 1)
    changed = Order.objects.get(pk=order.pk)
    assert (changed.status, changed.revision, changed.payment_terms) == (S.APPROVED, 1, "款到发货")
    assert (changed.lines_total, changed.total) == (Decimal("3840.00"), Decimal("3840.00"))
    rows = [(ln.pk, ln.sequence, ln.quantity, ln.unit_price, ln.amount) for ln in lines_of(changed)]
    new_line = changed.lines.get(product=product)
    assert rows == [
        (line1.pk, 1, Decimal("3.000"), Decimal("1130.0000"), Decimal("3390.00")),
        (line2.pk, 2, Decimal("10.000"), Decimal("40.0000"), Decimal("400.00")),
        (new_line.pk, 3, Decimal("5.000"), Decimal("10.0000"), Decimal("50.00")),
    ]
    revision = OrderRevision.objects.get(order=order)
    assert (revision.number, revision.change_request_id) == (1, created.pk)
    assert revision.before["header"]["total"] == "2760.00"
    assert revision.after["header"]["total"] == "3840.00"
    assert [line["quantity"] for line in revision.before["lines"]] == ["2.000", "10.000"]
    assert len(revision.after["lines"]) == 3
    assert list(
        ChangeRequestDecision.objects.filter(request=created).values_list("step", "actor")
    ) == [(SALES, sales_head.pk), (FINANCE, finance.pk), (GM, gm.pk)]
    events = list(
        OrderEvent.objects.filter(order=order).order_by("id").values_list("event_type", flat=True)
    )
    assert events[-5:] == [
        OrderEventType.CHANGE_REQUESTED,
        OrderEventType.CHANGE_DECIDED,
        OrderEventType.CHANGE_DECIDED,
        OrderEventType.CHANGE_DECIDED,
        OrderEventType.REVISED,
    ]
    subjects = list(Notification.objects.filter(recipient=rep).values_list("subject", flat=True))
    assert any("revision 1" in s for s in subjects)


def test_date_change_applied_after_the_sales_head(order, rep, sales_head):
    created = request_change(order, rep, header={"promised_date": datetime.date(2026, 12, 20)})
    decide(created, sales_head)
    changed = Order.objects.get(pk=order.pk)
    assert (changed.promised_date, changed.revision) == (datetime.date(2026, 12, 20), 1)
    assert changed.total == Decimal("2760.00")


def test_removed_line_is_deleted_and_numbers_stay(order, rep, sales_head):
    line1, line2 = lines_of(order)
    created = request_change(order, rep, lines=[{"id": line2.pk}])
    decide(created, sales_head)
    [kept] = lines_of(Order.objects.get(pk=order.pk))
    assert (kept.pk, kept.sequence) == (line2.pk, 2)
    assert Order.objects.get(pk=order.pk).total == Decimal("500.00")


def test_rejection_leaves_the_order_byte_for_byte(order, rep, sales_head, finance):
    before = snapshot(order)
    created = request_change(order, rep, lines=keep(order, line1={"quantity": Decimal("9")}))
    decide(created, sales_head)
    decided = decide(created, finance, approve=False, comment="额度不足")
    assert (decided.status, decided.current_step) == (CR.REJECTED, "")
    assert snapshot(order) == before
    assert not OrderRevision.objects.exists()


def test_reject_needs_a_reason(order, rep, sales_head):
    created = request_change(order, rep, header={"remarks": "加急"})
    with pytest.raises(ValidationFailed) as exc:
        decide(created, sales_head, approve=False)
    assert "comment" in exc.value.fields
    assert ChangeRequest.objects.get(pk=created.pk).status == CR.PENDING


def test_withdrawn_request_changes_nothing(order, rep, sales_head):
    before = snapshot(order)
    created = request_change(order, rep, header={"remarks": "加急"})
    withdrawn = change_request_withdraw(request=created, actor=rep)
    assert withdrawn.status == CR.WITHDRAWN
    assert snapshot(order) == before
    with pytest.raises(InvalidTransition):
        decide(created, sales_head)


def test_only_the_requester_withdraws(order, rep, sales_head):
    created = request_change(order, rep, header={"remarks": "加急"})
    with pytest.raises(PermissionDenied):
        change_request_withdraw(request=created, actor=sales_head)


# --- shipped quantities ---------------------------------------------------------------------------
@pytest.fixture
def part_shipped(order, warehouse):
    line1, _line2 = lines_of(order)
    ready = force_status(order, S.READY_TO_SHIP)
    return order_ship(order=ready, actor=warehouse, quantities={line1.pk: Decimal("1")})


def test_quantity_below_shipped_is_refused(part_shipped, rep):
    assert part_shipped.status == S.PARTIALLY_SHIPPED
    lines = keep(part_shipped, line1={"quantity": Decimal("0.5")})
    with pytest.raises(ValidationFailed) as exc:
        request_change(part_shipped, rep, lines=lines)
    assert "lines.0.quantity" in exc.value.fields
    assert not ChangeRequest.objects.exists()


def test_a_line_with_shipments_cannot_be_removed(part_shipped, rep):
    _line1, line2 = lines_of(part_shipped)
    with pytest.raises(ValidationFailed) as exc:
        request_change(part_shipped, rep, lines=[{"id": line2.pk}])
    assert "lines" in exc.value.fields


def test_reducing_to_the_shipped_quantity_closes_the_line(part_shipped, rep, sales_head):
    created = request_change(part_shipped, rep, lines=keep(part_shipped, line1={"quantity": 1}))
    decide(created, sales_head)
    line1, line2 = lines_of(Order.objects.get(pk=part_shipped.pk))
    assert (line1.quantity, line1.shipped_quantity, line1.is_closed) == (
        Decimal("1.000"),
        Decimal("1.000"),
        True,
    )
    assert not line2.is_closed


def test_nothing_left_to_ship_is_refused(part_shipped, rep):
    line1, _line2 = lines_of(part_shipped)
    with pytest.raises(ValidationFailed):
        request_change(part_shipped, rep, lines=[{"id": line1.pk, "quantity": 1}])


# --- who may ask and decide -----------------------------------------------------------------------
def test_one_pending_request_per_order(order, rep):
    first = request_change(order, rep, header={"remarks": "a"})
    with pytest.raises(InvalidTransition) as exc:
        request_change(order, rep, kind=K.HOLD)
    assert exc.value.extra["pending_request"] == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        ChangeRequest.objects.create(
            order=order,
            number="CR-dup",
            kind=K.HOLD,
            category=C.HOLD,
            requested_by=rep,
            reason="x",
        )


def test_reason_is_required(order, rep):
    with pytest.raises(ValidationFailed) as exc:
        request_change(order, rep, reason="  ", kind=K.HOLD)
    assert "reason" in exc.value.fields


def test_other_rep_and_wrong_roles_cannot_request(order, other_rep, finance):
    for user in (other_rep, finance):
        with pytest.raises(PermissionDenied):
            request_change(order, user, kind=K.HOLD)
        assert requestable_kinds(user, order) == []


def test_sales_head_may_request_on_a_reps_order(order, sales_head):
    created = request_change(order, sales_head, header={"remarks": "x"})
    assert created.requested_by == sales_head


@pytest.mark.parametrize("status", [S.DRAFT, S.SALES_REVIEW, S.SHIPPED, S.CANCELLED, S.ARCHIVED])
def test_no_request_outside_the_execution_states(order, rep, status):
    moved = force_status(order, status)
    events = OrderEvent.objects.count()
    for kind in K.values:
        with pytest.raises(InvalidTransition):
            request_change(moved, rep, kind=kind, header={"remarks": "x"})
    assert not ChangeRequest.objects.exists()
    assert OrderEvent.objects.count() == events
    assert not OutboxMessage.objects.filter(task_name="orders.change_request_changed").exists()


def test_requestable_kinds_follow_the_status(order, rep):
    assert requestable_kinds(rep, order) == [K.CHANGE, K.CANCEL, K.HOLD]
    shipped = force_status(order, S.PARTIALLY_SHIPPED)
    assert requestable_kinds(rep, shipped) == [K.CHANGE, K.HOLD]
    held = force_status(order, S.ON_HOLD)
    assert requestable_kinds(rep, held) == [K.RESUME]


def test_requester_cannot_approve(order, sales_head, rep):
    owned_by_head = force_status(draft_order(sales_head), S.APPROVED)
    created = request_change(owned_by_head, sales_head, kind=K.HOLD)
    with pytest.raises(PermissionDenied):
        decide(created, sales_head)


def test_wrong_role_gets_403_and_nothing_happens(order, rep, finance, other_rep):
    created = request_change(order, rep, header={"remarks": "x"})
    for user in (finance, other_rep, rep):
        with pytest.raises(PermissionDenied):
            decide(created, user)
    assert not ChangeRequestDecision.objects.exists()


def test_same_person_does_not_approve_two_steps(order, rep):
    both = UserFactory(username="both", roles=[Role.SALES_HEAD, Role.FINANCE])
    created = request_change(order, rep, lines=keep(order, line1={"quantity": Decimal("3")}))
    decide(created, both)
    with pytest.raises(PermissionDenied):
        decide(created, both)


def test_stale_decision_is_a_conflict(order, rep, sales_head):
    other_head = UserFactory(username="head2", roles=[Role.SALES_HEAD])
    created = request_change(order, rep, lines=keep(order, line1={"quantity": Decimal("3")}))
    seen = ChangeRequest.objects.get(pk=created.pk)
    decide(created, sales_head)
    with pytest.raises(InvalidTransition):
        change_request_decide(request=seen, actor=other_head, approve=True)
    # Someone who never had a say gets a refusal, not a conflict.
    with pytest.raises(PermissionDenied):
        change_request_decide(request=seen, actor=UserFactory(username="nobody"), approve=True)
    assert ChangeRequestDecision.objects.count() == 1


def test_step_moved_on_under_the_caller_is_a_conflict(order, rep, sales_head, finance):
    created = request_change(order, rep, lines=keep(order, line1={"quantity": Decimal("3")}))
    seen = ChangeRequest.objects.get(pk=created.pk)
    decide(created, sales_head)
    decide(created, finance, approve=False, comment="no")
    with pytest.raises(InvalidTransition):
        change_request_decide(request=seen, actor=finance, approve=True)


def test_delegate_decides_on_behalf_of_the_sales_head(order, rep, sales_head):
    stand_in = UserFactory(username="standin", roles=[Role.FINANCE])
    Delegation.objects.create(
        approver=sales_head,
        delegate=stand_in,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 1, 1),
    )
    created = request_change(order, rep, header={"promised_date": datetime.date(2026, 12, 9)})
    decide(created, stand_in)
    decision = ChangeRequestDecision.objects.get(request=created)
    assert (decision.actor, decision.on_behalf_of) == (stand_in, sales_head)
    assert Order.objects.get(pk=order.pk).revision == 1


# --- cancellation, hold and resume --------------------------------------------------------------
def test_cancel_only_after_the_last_approval(order, rep, sales_head, gm):
    created = request_change(order, rep, kind=K.CANCEL, reason="客户取消")
    assert (created.category, created.steps) == (C.CANCEL, [SALES, GM])
    decide(created, sales_head)
    assert Order.objects.get(pk=order.pk).status == S.APPROVED
    decide(created, gm)
    cancelled = Order.objects.get(pk=order.pk)
    assert cancelled.status == S.CANCELLED and cancelled.closed_at is not None
    event = OrderEvent.objects.filter(order=order, transition="cancel_approved").get()
    assert (event.actor, event.payload["change_request"]) == (gm, created.pk)
    assert cancelled.revision == 0


def test_hold_and_resume_requests(order, rep, sales_head):
    held = request_change(order, rep, kind=K.HOLD, reason="客户暂停")
    decide(held, sales_head)
    on_hold = Order.objects.get(pk=order.pk)
    assert (on_hold.status, on_hold.status_before_hold) == (S.ON_HOLD, S.APPROVED)
    resumed = request_change(on_hold, rep, kind=K.RESUME, reason="恢复")
    assert resumed.steps == [SALES]
    decide(resumed, sales_head)
    assert Order.objects.get(pk=order.pk).status == S.APPROVED


def test_approval_is_refused_when_the_order_moved_out_of_reach(order, rep, sales_head, gm):
    created = request_change(order, rep, kind=K.CANCEL)
    decide(created, sales_head)
    force_status(order, S.PARTIALLY_SHIPPED)
    with pytest.raises(InvalidTransition):
        decide(created, gm)
    assert ChangeRequest.objects.get(pk=created.pk).status == CR.PENDING


def test_notifications_are_queued_only_on_commit(order, rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        request_change(order, rep, kind=K.HOLD)
        assert OutboxMessage.objects.filter(task_name="orders.change_request_changed").exists()
        assert not Notification.objects.exists()
    assert len(callbacks) == 1


def test_departments_and_the_rep_are_told_when_a_change_is_applied(
    order, rep, sales_head, production, warehouse, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = request_change(order, rep, header={"promised_date": datetime.date(2026, 12, 9)})
    with django_capture_on_commit_callbacks(execute=True):
        decide(created, sales_head)
    for user in (rep, production, warehouse):
        subjects = list(
            Notification.objects.filter(recipient=user).values_list("subject", flat=True)
        )
        assert subjects == [f"Order {order.number} changed: revision 1 ({created.number})"], (
            user.username
        )
    assert (
        not Notification.objects.filter(recipient=sales_head)
        .exclude(subject__contains="waits for you")
        .exists()
    )


def test_rejection_tells_the_requester(order, rep, sales_head, django_capture_on_commit_callbacks):
    created = request_change(order, rep, kind=K.HOLD)
    with django_capture_on_commit_callbacks(execute=True):
        decide(created, sales_head, approve=False, comment="不同意")
    [notification] = Notification.objects.filter(recipient=rep)
    assert "was rejected at Sales head review" in notification.subject
    assert "不同意" in notification.body
    assert Order.objects.get(pk=order.pk).status == S.APPROVED
