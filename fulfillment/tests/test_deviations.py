"""Deviation reports (偏差处理报告) and complaints (投诉), REQUIREMENTS §6: raised on an order,
worked on, resolved with the resolution written down, closed; serious ones reach the GMs."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.models import Notification, OutboxMessage
from core.roles import Role
from fulfillment.enums import DeviationStatus as D
from fulfillment.models import Deviation
from fulfillment.services.deviations import deviation_create, deviation_update
from fulfillment.tasks import deviation_changed
from tests.factories import UserFactory

from .conftest import order_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(rep, mts):
    return order_of(rep, (mts, "2"))


@pytest.fixture
def fixer(db):
    """The person made responsible: a production engineer."""
    return UserFactory(roles=[Role.PRODUCTION], username="fixer")


def data(responsible, **changes):
    values = {
        "kind": "complaint",
        "category": "quality",
        "title": "  泵体渗漏  ",
        "description": "客户反映两台泵体渗漏",
        "cause": "",
        "owner": responsible,
    }
    values.update(changes)
    return values


def raise_one(order, actor, responsible, **changes):
    return deviation_create(order=order, actor=actor, **data(responsible, **changes))


def snapshot(deviation):
    row = Deviation.objects.get(pk=deviation.pk)
    return (
        row.status,
        row.owner_id,
        row.resolution,
        row.cause,
        row.resolved_at,
        OutboxMessage.objects.count(),
    )


# --- create ---------------------------------------------------------------------------------
def test_create_numbers_the_report_and_queues_the_notification(order, warehouse, fixer):
    with time_machine.travel(
        dt.datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False
    ):
        first = raise_one(order, warehouse, fixer)
        second = raise_one(order, warehouse, fixer.pk, kind="deviation", severity="serious")

    assert (first.number, second.number) == ("DV20261120001", "DV20261120002")
    assert (first.kind, first.category, first.severity, first.status) == (
        "complaint",
        "quality",
        "normal",
        D.OPEN,
    )
    assert (first.title, first.description, first.owner, first.raised_by) == (
        "泵体渗漏",
        "客户反映两台泵体渗漏",
        fixer,
        warehouse,
    )
    assert first.resolved_at is None
    assert (second.kind, second.severity, second.owner) == ("deviation", "serious", fixer)
    assert list(
        OutboxMessage.objects.filter(task_name="fulfillment.deviation_changed")
        .order_by("id")
        .values_list("kwargs", flat=True)
    ) == [{"deviation_id": first.pk}, {"deviation_id": second.pk}]


@pytest.mark.parametrize(
    "who", ["owner", "warehouse", "production", "finance", "sales_head", "gm", "admin_user"]
)
def test_who_may_raise(order, request, fixer, who):
    actor = order.owner if who == "owner" else request.getfixturevalue(who)
    assert raise_one(order, actor, fixer).raised_by == actor


def test_another_rep_may_not_raise(order, other_rep, fixer, state):
    before = state(order)
    with pytest.raises(PermissionDenied):
        raise_one(order, other_rep, fixer)
    assert state(order) == before


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"kind": ""}, "kind", "Choose a value from the list."),
        ({"kind": "praise"}, "kind", "Choose a value from the list."),
        ({"category": None}, "category", "Choose a value from the list."),
        ({"severity": "fatal"}, "severity", "Choose a value from the list."),
        ({"title": "   "}, "title", "This field is required."),
        ({"title": "x" * 151}, "title", "At most 150 characters."),
        ({"description": ""}, "description", "This field is required."),
        ({"description": "x" * 5001}, "description", "At most 5000 characters."),
        ({"cause": "x" * 5001}, "cause", "At most 5000 characters."),
        ({"owner": None}, "owner", "Choose the person responsible."),
        ({"owner": 999999}, "owner", "Choose the person responsible."),
        ({"owner": "abc"}, "owner", "Choose the person responsible."),
    ],
)
def test_create_checks_its_input(order, warehouse, fixer, state, changes, field, message):
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        raise_one(order, warehouse, fixer, **changes)
    assert info.value.fields == {field: [message]}
    assert state(order) == before


def test_an_inactive_owner_is_refused(order, warehouse, state):
    gone = UserFactory(is_active=False)
    before = state(order)
    with pytest.raises(ValidationFailed) as info:
        raise_one(order, warehouse, gone)
    assert info.value.fields == {"owner": ["Choose the person responsible."]}
    assert state(order) == before


# --- working on it ----------------------------------------------------------------------------
def test_the_life_of_a_report(order, warehouse, fixer, sales_head):
    deviation = raise_one(order, warehouse, fixer)
    queued = OutboxMessage.objects.count()

    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.IN_PROGRESS, cause=" 密封圈批次不良 "
    )
    assert (deviation.status, deviation.cause, deviation.resolved_at) == (
        D.IN_PROGRESS,
        "密封圈批次不良",
        None,
    )
    assert OutboxMessage.objects.count() == queued + 1

    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution=" 更换密封圈 "
    )
    assert (deviation.status, deviation.resolution) == (D.RESOLVED, "更换密封圈")
    assert deviation.resolved_at is not None

    deviation = deviation_update(deviation=deviation, actor=warehouse, status=D.CLOSED)
    assert deviation.status == D.CLOSED
    assert deviation.resolved_at is not None
    assert OutboxMessage.objects.count() == queued + 3


def test_resolving_needs_the_resolution(order, warehouse, fixer):
    deviation = raise_one(order, warehouse, fixer)
    before = snapshot(deviation)

    with pytest.raises(ValidationFailed) as info:
        deviation_update(deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="  ")

    assert info.value.fields == {"resolution": ["Write down the resolution."]}
    assert snapshot(deviation) == before


def test_open_straight_to_resolved(order, warehouse, fixer):
    deviation = raise_one(order, warehouse, fixer)
    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="补发两台"
    )
    assert deviation.status == D.RESOLVED


def test_a_resolved_report_keeps_its_resolution(order, warehouse, fixer):
    deviation = raise_one(order, warehouse, fixer)
    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="补发"
    )
    before = snapshot(deviation)
    with pytest.raises(ValidationFailed) as info:
        deviation_update(deviation=deviation, actor=fixer, resolution="")
    assert info.value.fields == {"resolution": ["Write down the resolution."]}
    assert snapshot(deviation) == before


def test_reopening_clears_the_resolved_time(order, warehouse, fixer):
    deviation = raise_one(order, warehouse, fixer)
    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="补发"
    )

    deviation = deviation_update(deviation=deviation, actor=fixer, status=D.IN_PROGRESS)

    assert (deviation.status, deviation.resolved_at, deviation.resolution) == (
        D.IN_PROGRESS,
        None,
        "补发",
    )


@pytest.mark.parametrize(
    "start, target",
    [
        (D.OPEN, D.CLOSED),
        (D.OPEN, D.OPEN + "x"),
        (D.IN_PROGRESS, D.OPEN),
        (D.IN_PROGRESS, D.CLOSED),
        (D.RESOLVED, D.OPEN),
    ],
)
def test_moves_that_are_not_allowed(order, warehouse, fixer, start, target):
    deviation = raise_one(order, warehouse, fixer, resolution="")
    Deviation.objects.filter(pk=deviation.pk).update(status=start, resolution="已处理")
    before = snapshot(deviation)

    with pytest.raises(ValidationFailed) as info:
        deviation_update(deviation=deviation, actor=warehouse, status=target)

    assert list(info.value.fields) == ["status"]
    assert snapshot(deviation) == before


def test_a_closed_report_is_final(order, warehouse, fixer, admin_user):
    deviation = raise_one(order, warehouse, fixer)
    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="补发"
    )
    deviation = deviation_update(deviation=deviation, actor=warehouse, status=D.CLOSED)
    before = snapshot(deviation)

    for target in (D.IN_PROGRESS, D.RESOLVED, ""):
        with pytest.raises(InvalidTransition) as info:
            deviation_update(deviation=deviation, actor=admin_user, status=target, cause="x")
        assert info.value.message == "This report is closed."
    assert snapshot(deviation) == before


def test_only_the_raiser_or_a_manager_closes(order, warehouse, fixer, gm):
    deviation = raise_one(order, warehouse, fixer)
    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="补发"
    )
    before = snapshot(deviation)

    with pytest.raises(ValidationFailed) as info:
        deviation_update(deviation=deviation, actor=fixer, status=D.CLOSED)

    assert info.value.fields == {"status": ["Only whoever raised it or a manager closes a report."]}
    assert snapshot(deviation) == before
    assert deviation_update(deviation=deviation, actor=gm, status=D.CLOSED).status == D.CLOSED


@pytest.mark.parametrize("who", ["other_rep", "finance", "production", "rep"])
def test_who_may_not_work_on_it(order, warehouse, fixer, request, who):
    # `rep` owns the order but neither raised the report nor is responsible for it.
    deviation = raise_one(order, warehouse, fixer)
    before = snapshot(deviation)
    with pytest.raises(PermissionDenied):
        deviation_update(
            deviation=deviation, actor=request.getfixturevalue(who), status=D.IN_PROGRESS
        )
    assert snapshot(deviation) == before


@pytest.mark.parametrize("who", ["fixer", "warehouse", "sales_head", "gm", "admin_user"])
def test_who_may_work_on_it(order, warehouse, fixer, request, who):
    deviation = raise_one(order, warehouse, fixer)
    actor = request.getfixturevalue(who)
    assert (
        deviation_update(deviation=deviation, actor=actor, status=D.IN_PROGRESS).status
        == D.IN_PROGRESS
    )


def test_handing_over_to_someone_else(order, warehouse, fixer, sales_head):
    deviation = raise_one(order, warehouse, fixer)
    queued = OutboxMessage.objects.count()

    deviation = deviation_update(deviation=deviation, actor=fixer, owner=sales_head.pk)

    assert deviation.owner == sales_head
    assert OutboxMessage.objects.count() == queued + 1


@pytest.mark.parametrize("owner", [999999, "abc", ""])
def test_handing_over_to_nobody_is_refused(order, warehouse, fixer, owner):
    deviation = raise_one(order, warehouse, fixer)
    before = snapshot(deviation)
    with pytest.raises(ValidationFailed) as info:
        deviation_update(deviation=deviation, actor=fixer, owner=owner)
    assert info.value.fields == {"owner": ["Choose the person responsible."]}
    assert snapshot(deviation) == before


def test_a_plain_edit_queues_nothing(order, warehouse, fixer):
    deviation = raise_one(order, warehouse, fixer)
    queued = OutboxMessage.objects.count()
    deviation = deviation_update(deviation=deviation, actor=fixer, cause="来料问题")
    assert deviation.cause == "来料问题"
    assert OutboxMessage.objects.count() == queued


# --- notifications (the task, run directly) -----------------------------------------------
def recipients():
    return sorted(Notification.objects.values_list("recipient__username", flat=True))


def test_a_serious_complaint_reaches_the_general_managers(order, warehouse, fixer, gm):
    other_gm = UserFactory(roles=[Role.GM], username="gm2")
    deviation = raise_one(order, warehouse, fixer, severity="serious")

    assert deviation_changed(deviation_id=deviation.pk) == 4

    assert recipients() == sorted(["fixer", "rep", gm.username, other_gm.username])
    note = Notification.objects.get(recipient=gm)
    assert note.subject == (f"Complaint (投诉) {deviation.number} on order {order.number}: Open")
    assert note.body == "泵体渗漏\n客户反映两台泵体渗漏"
    assert note.link == f"/orders/{order.pk}/#deviations"

    # A second run (a retried task) notifies nobody again
    assert deviation_changed(deviation_id=deviation.pk) == 0
    assert Notification.objects.count() == 4


def test_a_normal_report_reaches_the_owner_and_the_rep_only(order, warehouse, fixer, gm):
    deviation = raise_one(order, warehouse, fixer)
    assert deviation_changed(deviation_id=deviation.pk) == 2
    assert recipients() == ["fixer", "rep"]


def test_whoever_raised_it_is_not_told_about_it(order, fixer, gm):
    # The GM raises a serious report on the rep's order and makes themselves responsible.
    deviation = raise_one(order, gm, gm, severity="serious")
    deviation_changed(deviation_id=deviation.pk)
    assert recipients() == ["rep"]
    assert fixer.pk not in Notification.objects.values_list("recipient", flat=True)


def test_a_status_change_is_a_new_notification(order, warehouse, fixer):
    deviation = raise_one(order, warehouse, fixer)
    deviation_changed(deviation_id=deviation.pk)
    deviation = deviation_update(
        deviation=deviation, actor=fixer, status=D.RESOLVED, resolution="补发"
    )

    # The responsible person and the rep hear of it (the report does not record who moved it)
    assert deviation_changed(deviation_id=deviation.pk) == 2
    assert Notification.objects.filter(subject__endswith=": Resolved").count() == 2


def test_the_task_for_a_missing_report_does_nothing():
    assert deviation_changed(deviation_id=999999) == 0
