"""Each of the nine deadline rules (REQUIREMENTS §9) on the real 2026 calendar: no alert a minute
before the due time, one alert at it with the exact due time, and the alert resolves by itself
once the condition clears through the service that clears it.

The 2026 calendar used below (core.calendar, seeded from chinesecalendar): 中秋节 Fri 09-25 to
Sun 09-27 and National Day Thu 10-01 to Wed 10-07 are holidays; Sun 09-20 and Sat 10-10 are
make-up working days (调休); working hours are 09:00–18:00."""

import datetime as dt
from decimal import Decimal

import pytest

from core.calendar import is_working_day
from finance.services import invoice_issue, receipt_record
from fulfillment.services.production import production_issue
from orders import services
from orders.enums import ChangeRequestStatus, OrderStatus, SupplyMode
from orders.models import Order
from orders.services.change_requests import change_request_decide
from orders.tests.helpers import force_status
from reports.enums import AlertStatus, FeedbackRating
from reports.enums import RuleCode as R
from reports.models import Alert
from reports.services.feedback import feedback_record
from tests.factories import ProductFactory

from .alert_helpers import (
    alerts_of,
    at,
    draft,
    fires_exactly_at,
    postponement_request,
    ready_order,
    scan,
    ship,
    sign,
    status_after_scan,
)

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def approvers(sales_head, production, finance, gm):
    from core.roles import Role

    return {
        Role.SALES_HEAD: sales_head,
        Role.PRODUCTION: production,
        Role.FINANCE: finance,
        Role.GM: gm,
    }


def test_the_2026_calendar_the_tests_rely_on():
    assert not is_working_day(dt.date(2026, 9, 25))  # 中秋节
    assert is_working_day(dt.date(2026, 9, 20))  # Sunday, make-up working day
    assert [is_working_day(dt.date(2026, 10, d)) for d in range(1, 11)] == [
        *[False] * 7,  # National Day, 10-01 to 10-07
        True,
        True,
        True,  # Saturday 10-10, make-up working day
    ]


# --- 1. approval step: decided within 1 working day ---------------------------------------------
def test_approval_step_due_one_working_day_later_across_national_day(rep, sales_head, time_machine):
    # Wednesday 09-30 15:00: 3 working hours that day, then the holidays, then 6 hours on
    # Thursday 10-08: due 10-08 15:00.
    time_machine.move_to(at(2026, 9, 30, 15, 0), tick=False)
    order = services.order_submit(order=draft(rep), actor=rep)
    assert order.status == S.SALES_REVIEW

    alert = fires_exactly_at(R.APPROVAL_STEP, at(2026, 10, 8, 15, 0), order)
    assert alert.key == S.SALES_REVIEW

    time_machine.move_to(at(2026, 10, 8, 16, 0), tick=False)
    services.order_approve(order=order, actor=sales_head)
    scan(at(2026, 10, 8, 16, 5))
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_at) == (AlertStatus.RESOLVED, at(2026, 10, 8, 16, 5))
    # The next step has its own clock: nothing is due for it yet.
    assert alerts_of(R.APPROVAL_STEP, order) == [alert]


# --- 2. change request: handled within 2 working days -------------------------------------------
def test_change_request_due_two_working_days_later_and_resolved_by_the_decision(
    rep, sales_head, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    order = force_status(draft(rep, promised_date=dt.date(2026, 12, 1)), S.APPROVED)
    # Friday 11-06 16:00 + 18 working hours: 2 on Friday, 9 on Monday, 7 on Tuesday.
    time_machine.move_to(at(2026, 11, 6, 16, 0), tick=False)
    request = postponement_request(order, rep, dt.date(2026, 12, 15), "客户要求推迟交期")
    assert request.current_step == S.SALES_REVIEW

    alert = fires_exactly_at(R.CHANGE_REQUEST, at(2026, 11, 10, 16, 0), order)
    assert alert.key == f"cr{request.pk}"

    time_machine.move_to(at(2026, 11, 10, 17, 0), tick=False)
    decided = change_request_decide(
        request=request, actor=sales_head, approve=False, comment="交期不能再推"
    )
    assert decided.status == ChangeRequestStatus.REJECTED
    assert scan(at(2026, 11, 10, 17, 5)).resolved == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


# --- 3. production instruction: issued within 4 working hours of approval -----------------------
def test_production_instruction_due_four_working_hours_after_approval(
    rep, production, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    made_to_order = ProductFactory(
        supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=15, unit="台"
    )
    # Approved Friday 16:30 without an instruction (the approval normally issues it at once):
    # 1.5 working hours on Friday, 2.5 on Monday → due Monday 11:30.
    order = force_status(
        draft(rep, product=made_to_order), S.APPROVED, approved_at=at(2026, 11, 6, 16, 30)
    )

    fires_exactly_at(R.PRODUCTION_INSTRUCTION, at(2026, 11, 9, 11, 30), order)

    time_machine.move_to(at(2026, 11, 9, 12, 0), tick=False)
    assert production_issue(order=order, actor=production, shortages={}) is not None
    assert scan(at(2026, 11, 9, 12, 15)).resolved == 1
    [alert] = alerts_of(R.PRODUCTION_INSTRUCTION, order)
    assert alert.status == AlertStatus.RESOLVED


# --- 4. follow-up: 2 working days before the promised date --------------------------------------
def test_follow_up_due_two_working_days_before_the_promised_date_skipping_national_day(
    rep, warehouse, approvers, time_machine
):
    # Promised Friday 10-09: 2 working days before it are 10-08 and then 09-30 (10-01..07 are
    # holidays): due 09-30 at the opening of working hours.
    time_machine.move_to(at(2026, 9, 28, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers, promised_date=dt.date(2026, 10, 9))
    assert order.status == S.READY_TO_SHIP

    alert = fires_exactly_at(R.FOLLOW_UP, at(2026, 9, 30, 9, 0), order)
    assert alerts_of(R.SHIPMENT_OVERDUE, order) == []

    time_machine.move_to(at(2026, 9, 30, 10, 0), tick=False)
    ship(order, warehouse)
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    assert status_after_scan(alert, at(2026, 9, 30, 10, 15)) == AlertStatus.RESOLVED


# --- 5. shipment overdue: not shipped by the end of the promised date ---------------------------
def test_shipment_overdue_from_midnight_after_the_promised_date(
    rep, warehouse, approvers, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers, promised_date=dt.date(2026, 11, 10))

    fires_exactly_at(R.SHIPMENT_OVERDUE, at(2026, 11, 11, 0, 0), order)
    [follow_up] = alerts_of(R.FOLLOW_UP, order)  # due 11-06 09:00, still open
    assert follow_up.due_at == at(2026, 11, 6, 9, 0)

    time_machine.move_to(at(2026, 11, 11, 10, 0), tick=False)
    ship(order, warehouse)
    assert scan(at(2026, 11, 11, 10, 15)).resolved == 2
    assert {a.status for a in Alert.objects.filter(order=order)} == {AlertStatus.RESOLVED}


def test_a_partial_shipment_keeps_the_shipment_overdue_alert_open(
    rep, warehouse, approvers, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = ready_order(
        rep, warehouse, approvers=approvers, qty="4", promised_date=dt.date(2026, 11, 10)
    )
    alert = fires_exactly_at(R.SHIPMENT_OVERDUE, at(2026, 11, 11, 0, 0), order)
    time_machine.move_to(at(2026, 11, 11, 10, 0), tick=False)
    ship(order, warehouse, {order.lines.get().pk: "1"})
    assert Order.objects.get(pk=order.pk).status == S.PARTIALLY_SHIPPED
    assert status_after_scan(alert, at(2026, 11, 11, 10, 15)) == AlertStatus.OPEN


# --- 6. receipt missing: 5 working days after shipping ------------------------------------------
def test_receipt_missing_five_working_days_after_the_ship_date_counting_a_make_up_sunday(
    rep, warehouse, approvers, time_machine
):
    # Shipped Friday 09-18: Sunday 09-20 is a make-up working day, so the 5th working day is
    # Thursday 09-24 (not Monday 09-28, as it would be without it).
    time_machine.move_to(at(2026, 9, 18, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers)
    shipment = ship(order, warehouse)

    alert = fires_exactly_at(R.RECEIPT_MISSING, at(2026, 9, 24, 9, 0), order)
    assert alert.key == f"sh{shipment.pk}"

    time_machine.move_to(at(2026, 9, 24, 10, 0), tick=False)
    sign(shipment, warehouse, dt.date(2026, 9, 23))
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert status_after_scan(alert, at(2026, 9, 24, 10, 15)) == AlertStatus.RESOLVED


# --- 7. customer feedback: within 24 hours of delivery ------------------------------------------
def test_customer_feedback_due_24_hours_after_delivery(rep, warehouse, approvers, time_machine):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers)
    shipment = ship(order, warehouse)
    time_machine.move_to(at(2026, 11, 5, 14, 20), tick=False)
    sign(shipment, warehouse, dt.date(2026, 11, 5))
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED

    alert = fires_exactly_at(R.CUSTOMER_FEEDBACK, at(2026, 11, 6, 14, 20), order)

    time_machine.move_to(at(2026, 11, 6, 15, 0), tick=False)
    feedback_record(
        order=order, actor=rep, rating=FeedbackRating.SATISFIED, contact="王经理", note="按时到货"
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED  # at once
    result = scan(at(2026, 11, 6, 15, 15))
    assert (result.raised, result.resolved) == (0, 0)
    assert alerts_of(R.CUSTOMER_FEEDBACK, order) == [alert]


# --- 8. invoice due: 3 working days after shipping ----------------------------------------------
def test_invoice_due_three_working_days_after_shipping_on_a_make_up_saturday(
    rep, warehouse, finance, approvers, time_machine
):
    # Shipped Wednesday 09-30 10:00: 8 working hours that day, 9 on 10-08, 9 on 10-09 and the
    # last one on the make-up Saturday 10-10: due 10-10 10:00.
    time_machine.move_to(at(2026, 9, 30, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers)
    shipment = ship(order, warehouse)

    alert = fires_exactly_at(R.INVOICE_DUE, at(2026, 10, 10, 10, 0), order)
    assert alert.key == f"sh{shipment.pk}"

    time_machine.move_to(at(2026, 10, 10, 11, 0), tick=False)
    invoice_issue(order=order, actor=finance, fapiao_number="20261010", invoice_type="vat_special")
    assert scan(at(2026, 10, 10, 11, 15)).resolved >= 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_invoice_due_counts_from_each_shipment_a_later_one_does_not_restart_the_clock(
    rep, warehouse, finance, approvers, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers, qty="4")
    line = order.lines.get()
    first = ship(order, warehouse, {line.pk: "1"})  # Monday 11-02 10:00: due Thursday 10:00
    time_machine.move_to(at(2026, 11, 4, 10, 0), tick=False)
    second = ship(order, warehouse, {line.pk: "1"})  # due Monday 11-09 10:00

    early = fires_exactly_at(R.INVOICE_DUE, at(2026, 11, 5, 10, 0), order)
    assert early.key == f"sh{first.pk}"
    scan(at(2026, 11, 9, 10, 0))
    assert [(a.key, a.due_at, a.status) for a in alerts_of(R.INVOICE_DUE, order)] == [
        (f"sh{first.pk}", at(2026, 11, 5, 10, 0), AlertStatus.OPEN),
        (f"sh{second.pk}", at(2026, 11, 9, 10, 0), AlertStatus.OPEN),
    ]
    # Invoicing one unit covers the first shipment only (first shipped, first invoiced).
    time_machine.move_to(at(2026, 11, 9, 11, 0), tick=False)
    invoice_issue(
        order=order,
        actor=finance,
        fapiao_number="20261109",
        invoice_type="vat_special",
        quantities={line.pk: "1"},
    )
    scan(at(2026, 11, 9, 11, 15))
    assert [a.status for a in alerts_of(R.INVOICE_DUE, order)] == [
        AlertStatus.RESOLVED,
        AlertStatus.OPEN,
    ]


# --- 9. payment overdue: after the invoice's due date -------------------------------------------
def test_payment_overdue_from_midnight_after_the_due_date_resolved_by_the_payment(
    rep, warehouse, finance, approvers, time_machine
):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers, payment_due_date=dt.date(2026, 11, 20))
    ship(order, warehouse)
    time_machine.move_to(at(2026, 11, 3, 10, 0), tick=False)
    invoice = invoice_issue(
        order=order, actor=finance, fapiao_number="20261103", invoice_type="vat_special"
    )
    assert invoice.due_date == dt.date(2026, 11, 20)

    alert = fires_exactly_at(R.PAYMENT_OVERDUE, at(2026, 11, 21, 0, 0), order)
    assert alert.key == f"iv{invoice.pk}"

    # Half paid: still overdue.
    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    half = (invoice.total / 2).quantize(Decimal("0.01"))
    receipt_record(
        customer=order.customer,
        actor=finance,
        amount=half,
        allocations=[{"order": order, "invoice": invoice, "amount": half}],
    )
    assert status_after_scan(alert, at(2026, 11, 23, 10, 15)) == AlertStatus.OPEN
    rest = invoice.total - half
    receipt_record(
        customer=order.customer,
        actor=finance,
        amount=rest,
        allocations=[{"order": order, "invoice": invoice, "amount": rest}],
    )
    assert status_after_scan(alert, at(2026, 11, 23, 10, 30)) == AlertStatus.RESOLVED


# --- the watchers' pre-filter is never narrower than the exact due time --------------------------
def test_a_date_rule_counted_in_working_hours_fires_the_same_day(
    rep, warehouse, approvers, time_machine
):
    """Regression: the pre-filter took "n working hours" as n days back from today, so a
    receipt due 4 working hours after the ship date fired days late."""
    from reports.models import DeadlineRule

    DeadlineRule.objects.filter(code=R.RECEIPT_MISSING).update(
        offset=4, offset_unit="working_hours"
    )
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    order = ready_order(rep, warehouse, approvers=approvers)
    ship(order, warehouse)  # ship date Monday 11-02: due that day 09:00 + 4 h = 13:00
    fires_exactly_at(R.RECEIPT_MISSING, at(2026, 11, 2, 13, 0), order)
