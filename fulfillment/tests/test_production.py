"""Production instructions (生产指令, REQUIREMENTS §6): issued by the final approval, started,
reported on and finished into stock by production; cancelled with the order."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.roles import Role
from fulfillment.enums import (
    MovementKind,
    ProductionReason,
    ProductionStatus,
    ReservationStatus,
)
from fulfillment.models import (
    ExecutionPlan,
    ProductionInstruction,
    ProductionReport,
    StockItem,
    StockMovement,
    StockReservation,
)
from fulfillment.services import stock_receive
from fulfillment.services.production import (
    production_finish,
    production_report,
    production_start,
)
from orders.enums import OrderStatus as S
from orders.enums import SupplyMode
from orders.services.transitions import order_cancel_approved, order_mark_ready
from tests.factories import ProductFactory, UserFactory

from .conftest import approve_fully, order_of

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday before National Day 2026 (holidays 1–7 October, Saturday 10 October is worked).
EVE_OF_NATIONAL_DAY = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def eve_of_national_day():
    with time_machine.travel(EVE_OF_NATIONAL_DAY, tick=False):
        yield dt.date(2026, 9, 30)


@pytest.fixture
def issued(warehouse, rep, mts, mto):
    """Approved order: line 1 make-to-stock 5 with 3 in stock, line 2 make-to-order 2."""
    stock_receive(product=mts, quantity=Decimal("3"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "5"), (mto, "2")))
    return order, ProductionInstruction.objects.get(order=order)


def item(product):
    return StockItem.objects.get(product=product)


def status_of(order):
    order.refresh_from_db()
    return order.status


def reservations(order):
    return sorted(
        StockReservation.objects.filter(order=order, status=ReservationStatus.ACTIVE).values_list(
            "line__sequence", "quantity"
        )
    )


# --- issue -----------------------------------------------------------------------------------
def test_approval_issues_an_instruction_for_make_to_order_and_short_lines(
    eve_of_national_day, warehouse, rep, mto
):
    # Given: line 1 is short by 2 (3 of 5 in stock, 22-day cycle), line 2 is made to order
    # (15 days), line 3 is fully in stock.
    short = ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, production_cycle_days=22)
    stocked = ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, production_cycle_days=40)
    stock_receive(product=short, quantity=Decimal("3"), actor=warehouse)
    stock_receive(product=stocked, quantity=Decimal("10"), actor=warehouse)

    # When the last approver approves on 30 September 2026
    order = approve_fully(order_of(rep, (short, "5"), (mto, "2"), (stocked, "4")))

    # Then the order stays approved with one instruction for what must be made
    assert order.status == S.APPROVED
    instruction = ProductionInstruction.objects.get(order=order)
    assert instruction.number == "PI20260930001"
    assert instruction.status == ProductionStatus.ISSUED
    assert [
        (x.order_line.sequence, x.product_id, x.quantity, x.reason)
        for x in instruction.lines.order_by("id")
    ] == [
        (1, short.pk, Decimal("2"), ProductionReason.SHORT_STOCK),
        (2, mto.pk, Decimal("2"), ProductionReason.MAKE_TO_ORDER),
    ]
    # Starts the next working day, after the National Day holidays (1–7 October)...
    assert instruction.planned_start == dt.date(2026, 10, 8)
    # ...and takes the longest cycle of what is made (22 working days; Saturday 10 October
    # is a make-up working day). The fully stocked product's 40 days do not count.
    assert instruction.planned_finish == dt.date(2026, 11, 6)
    approval = order.events.filter(transition="approve").latest("id")
    assert instruction.issued_by_id == approval.actor_id
    assert order.events.latest("id").pk == approval.pk  # no mark_ready
    assert reservations(order) == [(1, Decimal("3")), (3, Decimal("4"))]


def test_make_to_order_cycle_from_a_friday_before_spring_festival(warehouse, rep, mto):
    # Friday 13 February 2026: the next working day is the make-up Saturday 14 February.
    with time_machine.travel(dt.datetime(2026, 2, 13, 15, 0, tzinfo=SHANGHAI), tick=False):
        order = approve_fully(order_of(rep, (mto, "1")))
    instruction = ProductionInstruction.objects.get(order=order)
    assert instruction.number == "PI20260213001"
    assert instruction.planned_start == dt.date(2026, 2, 14)
    # 15 working days: 24 Feb–6 Mar is 9 days (28 Feb is a make-up Saturday), then 9–13 Mar.
    assert instruction.planned_finish == dt.date(2026, 3, 13)


def test_instruction_numbers_run_per_day(eve_of_national_day, rep, mto):
    first = approve_fully(order_of(rep, (mto, "1")))
    second = approve_fully(order_of(rep, (mto, "3")))
    numbers = [ProductionInstruction.objects.get(order=order).number for order in (first, second)]
    assert numbers == ["PI20260930001", "PI20260930002"]


def test_fully_stocked_approval_goes_ready_to_ship_by_itself(warehouse, rep, mts):
    stock_receive(product=mts, quantity=Decimal("10"), actor=warehouse)

    order = approve_fully(order_of(rep, (mts, "4")))

    assert order.status == S.READY_TO_SHIP
    event = order.events.latest("id")
    assert (event.transition, event.actor_id, event.from_status, event.to_status) == (
        "mark_ready",
        None,
        S.APPROVED,
        S.READY_TO_SHIP,
    )
    assert event.comment == "Every line is reserved from stock."
    assert not ProductionInstruction.objects.filter(order=order).exists()
    assert reservations(order) == [(1, Decimal("4"))]
    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("10"), Decimal("4"))


def test_short_stock_without_any_stock_makes_the_whole_line(rep, mts):
    order = approve_fully(order_of(rep, (mts, "5")))
    instruction = ProductionInstruction.objects.get(order=order)
    assert [(x.quantity, x.reason) for x in instruction.lines.all()] == [
        (Decimal("5"), ProductionReason.SHORT_STOCK)
    ]
    assert order.status == S.APPROVED


# --- start and report ---------------------------------------------------------------------------
def test_start_puts_the_order_in_production(issued, production):
    order, instruction = issued

    started = production_start(instruction=instruction, actor=production, note="开工")

    assert started.status == ProductionStatus.IN_PROGRESS
    assert started.started_by == production
    assert started.started_at is not None
    order.refresh_from_db()
    assert order.status == S.IN_PRODUCTION
    event = order.events.latest("id")
    assert (event.transition, event.actor_id, event.comment) == (
        "start_production",
        production.pk,
        "开工",
    )
    assert list(ProductionReport.objects.values_list("progress", "note", "actor")) == [
        (0, "开工", production.pk)
    ]


def test_a_long_start_note_is_kept_whole_on_the_order_and_cut_on_the_report(issued, production):
    # ProductionReport.note holds 300 characters; PostgreSQL refuses more (a 500 before).
    order, instruction = issued
    note = "备" * 400

    production_start(instruction=instruction, actor=production, note=f" {note} ")

    assert ProductionReport.objects.get(instruction=instruction).note == note[:300]
    assert order.events.latest("id").comment == note


def test_start_twice_is_a_conflict(issued, production, state):
    order, instruction = issued
    production_start(instruction=instruction, actor=production)
    before = state(order)

    with pytest.raises(InvalidTransition):
        production_start(instruction=instruction, actor=production)

    assert state(order) == before


@pytest.mark.parametrize("progress, stored", [(0, 0), (1, 1), ("55", 55), (" 99 ", 99)])
def test_report_progress(issued, production, progress, stored):
    _order, instruction = issued
    production_start(instruction=instruction, actor=production)

    reported = production_report(
        instruction=instruction, actor=production, progress=progress, note="  装配中  "
    )

    assert reported.progress == stored
    instruction.refresh_from_db()
    assert instruction.progress == stored
    assert ProductionReport.objects.filter(instruction=instruction).latest("id").note == "装配中"


@pytest.mark.parametrize("progress", [100, -1, 101, "abc", "", None, "50.5", "1e2"])
def test_report_refuses_bad_progress_and_changes_nothing(issued, production, state, progress):
    order, instruction = issued
    production_start(instruction=instruction, actor=production)
    production_report(instruction=instruction, actor=production, progress=40)
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        production_report(instruction=instruction, actor=production, progress=progress)

    assert list(info.value.fields) == ["progress"]
    assert state(order) == before
    instruction.refresh_from_db()
    assert instruction.progress == 40


def test_report_before_start_is_refused(issued, production, state):
    order, instruction = issued
    before = state(order)
    with pytest.raises(InvalidTransition):
        production_report(instruction=instruction, actor=production, progress=10)
    assert state(order) == before


# --- finish -------------------------------------------------------------------------------------
@pytest.mark.parametrize("qc_passed", [False, None, "yes", 1])
def test_finish_without_qc_is_refused_and_changes_nothing(issued, production, state, qc_passed):
    order, instruction = issued
    production_start(instruction=instruction, actor=production)
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        production_finish(instruction=instruction, actor=production, qc_passed=qc_passed)

    assert list(info.value.fields) == ["qc_passed"]
    assert state(order) == before
    assert status_of(order) == S.IN_PRODUCTION


def test_finish_before_start_is_refused(issued, production, state):
    order, instruction = issued
    before = state(order)
    with pytest.raises(InvalidTransition):
        production_finish(instruction=instruction, actor=production, qc_passed=True)
    assert state(order) == before


def test_finish_receives_into_stock_reserved_for_the_lines(
    eve_of_national_day, issued, production, mts, mto
):
    order, instruction = issued
    production_start(instruction=instruction, actor=production)
    production_report(instruction=instruction, actor=production, progress=60)

    finished = production_finish(
        instruction=instruction, actor=production, qc_passed=True, qc_note=" 抽检合格 "
    )

    # The instruction is finished after QC
    assert (finished.status, finished.progress, finished.qc_passed, finished.qc_note) == (
        ProductionStatus.FINISHED,
        100,
        True,
        "抽检合格",
    )
    assert finished.finished_by == production
    assert list(
        ProductionReport.objects.filter(instruction=instruction)
        .order_by("id")
        .values_list("progress", flat=True)
    ) == [0, 60, 100]
    # The goods are in stock and reserved for the order's lines
    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("5"), Decimal("5"))
    assert (item(mto).on_hand, item(mto).reserved) == (Decimal("2"), Decimal("2"))
    assert reservations(order) == [(1, Decimal("2")), (1, Decimal("3")), (2, Decimal("2"))]
    assert sorted(
        StockMovement.objects.filter(reference=instruction.number).values_list(
            "stock_item__product", "kind", "quantity"
        )
    ) == sorted(
        [
            (mts.pk, MovementKind.RECEIPT, Decimal("2")),
            (mto.pk, MovementKind.RECEIPT, Decimal("2")),
        ]
    )
    assert (
        StockMovement.objects.filter(kind=MovementKind.RESERVE, reference=order.number).count() == 3
    )
    # The order is ready to ship; the plan records the day the goods went into stock
    order.refresh_from_db()
    assert order.status == S.READY_TO_SHIP
    event = order.events.latest("id")
    assert (event.transition, event.actor_id, event.comment) == (
        "finish_production",
        production.pk,
        "抽检合格",
    )
    assert ExecutionPlan.objects.get(order=order).actual_into_stock == dt.date(2026, 9, 30)


def test_finish_twice_is_a_conflict(issued, production, state):
    order, instruction = issued
    production_start(instruction=instruction, actor=production)
    production_finish(instruction=instruction, actor=production, qc_passed=True)
    before = state(order)

    with pytest.raises(InvalidTransition):
        production_finish(instruction=instruction, actor=production, qc_passed=True)

    assert state(order) == before


# --- permissions --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role", [Role.SALES_REP, Role.SALES_HEAD, Role.FINANCE, Role.GM, Role.WAREHOUSE]
)
def test_only_production_runs_an_instruction(issued, production, state, role):
    order, instruction = issued
    someone = UserFactory(roles=[role])
    before = state(order)

    with pytest.raises(PermissionDenied):
        production_start(instruction=instruction, actor=someone)
    assert state(order) == before

    production_start(instruction=instruction, actor=production)
    before = state(order)
    with pytest.raises(PermissionDenied):
        production_report(instruction=instruction, actor=someone, progress=50)
    with pytest.raises(PermissionDenied):
        production_finish(instruction=instruction, actor=someone, qc_passed=True)
    assert state(order) == before


def test_the_orders_rep_may_not_run_production(issued, rep, state):
    order, instruction = issued
    before = state(order)
    with pytest.raises(PermissionDenied):
        production_start(instruction=instruction, actor=rep)
    assert state(order) == before


def test_an_administrator_may_not_run_production_either(issued, admin_user, state):
    # The order's start/finish production transitions belong to production alone.
    order, instruction = issued
    before = state(order)
    with pytest.raises(PermissionDenied):
        production_start(instruction=instruction, actor=admin_user)
    assert state(order) == before


# --- cancellation and manual mark ready -----------------------------------------------------
@pytest.mark.parametrize("started", [False, True])
def test_cancelling_the_order_cancels_the_instruction_and_releases_stock(
    issued, production, admin_user, mts, started
):
    order, instruction = issued
    if started:
        production_start(instruction=instruction, actor=production)
        order.refresh_from_db()
    assert item(mts).reserved == Decimal("3")

    order_cancel_approved(order=order, actor=admin_user, comment="客户取消")

    instruction.refresh_from_db()
    assert instruction.status == ProductionStatus.CANCELLED
    assert reservations(order) == []
    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("3"), Decimal("0"))
    assert status_of(order) == S.CANCELLED
    with pytest.raises(InvalidTransition):
        production_finish(instruction=instruction, actor=production, qc_passed=True)
    assert (item(mts).on_hand, item(mts).reserved) == (Decimal("3"), Decimal("0"))


def test_manual_mark_ready_is_refused_while_an_instruction_is_open(warehouse, rep, mts, state):
    # A make-to-stock order short of stock: the order_mark_ready check on make-to-order lines
    # does not apply, the open instruction refuses it.
    stock_receive(product=mts, quantity=Decimal("1"), actor=warehouse)
    order = approve_fully(order_of(rep, (mts, "3")))
    assert ProductionInstruction.objects.get(order=order).is_open
    before = state(order)

    with pytest.raises(ValidationFailed) as info:
        order_mark_ready(order=order, actor=warehouse)

    assert info.value.message == "A production instruction is still open for this order."
    assert state(order) == before


def test_manual_mark_ready_after_the_instruction_was_finished_elsewhere(
    warehouse, rep, production, mts
):
    # Once no instruction is open the listener lets a by-hand mark ready through.
    order = approve_fully(order_of(rep, (mts, "3")))
    ProductionInstruction.objects.filter(order=order).update(status=ProductionStatus.CANCELLED)
    stock_receive(product=mts, quantity=Decimal("3"), actor=warehouse)

    order = order_mark_ready(order=order, actor=warehouse)

    assert order.status == S.READY_TO_SHIP
