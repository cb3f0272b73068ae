"""feedback_record: the order's rep, a sales head or an administrator records the customer's
feedback on a delivered or settled order, once; bad input and refusals change nothing."""

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from orders.enums import OrderEventType
from orders.enums import OrderStatus as S
from orders.models import OrderEvent
from orders.tests.helpers import draft_order, force_status
from reports.enums import AlertStatus, FeedbackRating, RuleCode
from reports.models import Alert, CustomerFeedback, DeadlineRule
from reports.services.feedback import feedback_record

from .alert_helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    return force_status(draft_order(rep), S.DELIVERED)


def nothing_recorded(order):
    assert not CustomerFeedback.objects.exists()
    assert not OrderEvent.objects.filter(order=order, event_type=OrderEventType.COMMENT).exists()


def test_the_rep_records_feedback_once_with_an_event_in_the_history(rep, delivered):
    feedback = feedback_record(
        order=delivered,
        actor=rep,
        rating=" satisfied ",
        contact=" 王经理 ",
        note=" 安装顺利，按时到货 ",
    )
    feedback.refresh_from_db()
    assert (feedback.rating, feedback.contact, feedback.note, feedback.recorded_by) == (
        FeedbackRating.SATISFIED,
        "王经理",
        "安装顺利，按时到货",
        rep,
    )
    event = OrderEvent.objects.get(order=delivered, event_type=OrderEventType.COMMENT)
    assert event.actor == rep
    assert event.comment == "Customer feedback: Satisfied (given by 王经理).\n安装顺利，按时到货"
    assert event.payload == {
        "action": "customer_feedback",
        "feedback": feedback.pk,
        "rating": "satisfied",
    }
    with pytest.raises(InvalidTransition, match="already recorded"):
        feedback_record(order=delivered, actor=rep, rating="neutral", contact="张工")
    assert CustomerFeedback.objects.count() == 1


@pytest.mark.parametrize("who", ["sales_head", "admin_user"])
def test_a_sales_head_or_an_administrator_may_record_it(who, request, delivered):
    actor = request.getfixturevalue(who)
    feedback_record(order=delivered, actor=actor, rating="neutral", contact="张工")
    assert CustomerFeedback.objects.get().recorded_by == actor


@pytest.mark.parametrize("who", ["other_rep", "finance", "warehouse", "gm", "production"])
def test_others_are_refused(who, request, delivered):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        feedback_record(order=delivered, actor=actor, rating="neutral", contact="张工")
    nothing_recorded(delivered)


def test_a_settled_order_may_still_get_feedback(rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = force_status(draft_order(rep), S.SETTLED)
    feedback_record(order=order, actor=rep, rating="dissatisfied", contact="李总", note="太慢")
    assert CustomerFeedback.objects.get().order == order


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.APPROVED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.ARCHIVED, S.CANCELLED]
)
def test_not_before_delivery_nor_after_archiving(status, rep, time_machine):
    time_machine.move_to(at(2026, 11, 5, 10, 0), tick=False)
    order = force_status(draft_order(rep), status)
    with pytest.raises(InvalidTransition) as exc:
        feedback_record(order=order, actor=rep, rating="neutral", contact="张工")
    assert exc.value.extra == {"status": status}
    assert "once the order is delivered" in str(exc.value.message)
    nothing_recorded(order)


@pytest.mark.parametrize(
    "values, fields",
    [
        ({"rating": "", "contact": "张工"}, {"rating"}),
        ({"rating": "great", "contact": "张工"}, {"rating"}),
        ({"rating": None, "contact": None}, {"rating", "contact"}),
        ({"rating": "neutral", "contact": "   "}, {"contact"}),
        ({"rating": "neutral", "contact": "张" * 61}, {"contact"}),
        ({"rating": "neutral", "contact": "张工", "note": "x" * 2001}, {"note"}),
        ({"rating": ["neutral"], "contact": 5}, {"rating", "contact"}),
    ],
)
def test_bad_input_names_the_fields_and_records_nothing(values, fields, rep, delivered):
    with pytest.raises(ValidationFailed) as exc:
        feedback_record(order=delivered, actor=rep, **values)
    assert set(exc.value.fields) == fields
    nothing_recorded(delivered)


def test_recording_resolves_the_open_feedback_alert_of_the_order_only(rep, delivered):
    rule = DeadlineRule.objects.get(code=RuleCode.CUSTOMER_FEEDBACK)
    other = force_status(draft_order(rep), S.DELIVERED)
    mine = Alert.objects.create(rule=rule, order=delivered, due_at=at(2026, 11, 6, 10, 0))
    theirs = Alert.objects.create(rule=rule, order=other, due_at=at(2026, 11, 6, 10, 0))
    step = Alert.objects.create(
        rule=DeadlineRule.objects.get(code=RuleCode.RECEIPT_MISSING),
        order=delivered,
        key="sh1",
        due_at=at(2026, 11, 6, 10, 0),
    )
    feedback_record(order=delivered, actor=rep, rating="satisfied", contact="王经理")
    statuses = dict(Alert.objects.values_list("pk", "status"))
    assert statuses == {
        mine.pk: AlertStatus.RESOLVED,
        theirs.pk: AlertStatus.OPEN,
        step.pk: AlertStatus.OPEN,
    }
