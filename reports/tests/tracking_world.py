"""Building the situations of the tracking-report tests through the real services, at fixed
times (time_machine), so every figure in the tests can be computed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from contracts.models import Customer
from finance.models import Allocation, Invoice
from finance.services.invoices import invoice_issue
from finance.services.payments import receipt_record
from finance.tests.builders import deliver, fapiao, order_for, product, ship
from fulfillment.models import ExecutionPlan
from fulfillment.services.deviations import deviation_create, deviation_update
from fulfillment.tests.conftest import approve_fully, order_of
from orders.enums import OrderEventType, OrderStatus, SupplyMode
from orders.events import order_event_record
from orders.models import Order
from orders.tests.helpers import force_status
from tests.factories import ProductFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def money_of(order) -> tuple[Decimal, Decimal, Decimal]:
    """Shipped value, invoiced and received of an order, summed straight from the database: the
    figures a report's row must show."""
    invoiced = Invoice.objects.filter(order=order).aggregate(s=Sum("total"))["s"] or 0
    received = (
        Allocation.objects.filter(order=order, reversed_at__isnull=True).aggregate(s=Sum("amount"))[
            "s"
        ]
        or 0
    )
    shipped = sum(
        (line.shipped_quantity * line.unit_price for line in order.lines.all()), Decimal(0)
    )
    return shipped, invoiced, received


def set_plan(order, planned_ship: dt.date | None) -> None:
    ExecutionPlan.objects.update_or_create(order=order, defaults={"planned_ship": planned_ship})


def invoice(order, finance, quantities=None, issue_date=None):
    return invoice_issue(
        order=fresh(order),
        actor=finance,
        fapiao_number=fapiao(),
        quantities=quantities,
        issue_date=issue_date,
    )


def pay(order, finance, amount, received_on=None, invoice=None):
    order = fresh(order)
    return receipt_record(
        customer=order.customer,
        actor=finance,
        amount=str(amount),
        received_on=received_on,
        allocations=[{"order": order, "invoice": invoice, "amount": str(amount)}],
    )


def deviation(order, actor, *, kind="deviation", category="delay", title="", owner=None):
    return deviation_create(
        order=fresh(order),
        actor=actor,
        kind=kind,
        category=category,
        title=title or f"{category} on {order.number}",
        description="—",
        owner=owner or actor,
    )


def mto_product():
    return ProductFactory(
        supply_mode=SupplyMode.MAKE_TO_ORDER, list_price=Decimal("1000.0000"), unit="台"
    )


def weekly_world(tm, *, rep, warehouse, finance, sales_head) -> dict:
    """The week Monday 2026-11-02 – Sunday 2026-11-08, seen on Friday 2026-11-06 17:00.

    A  partially shipped 1 of 4 × ¥1,000 on 11-02, promised 11-03, invoiced ¥1,000, paid ¥500,
       an open delay deviation                      → 25 % / 25 % / 12.5 %, 3 days late
    B  ready, prepayment not paid, promised 11-10, no planned ship date → blocked, next week
    C  approved then on hold ("客户要求暂缓发货"), promised 10-30          → 7 days late
    D  fully shipped 11-04 (3 × ¥1,000), promised 11-05, invoiced and paid in full, an open
       complaint                                                    → 100 % / 100 % / 100 %
    E  delivered (no longer in execution)
    F  approved (make to order), planned ship 11-12, promised 11-20, a resolved deviation
    H  ready, its customer now over the credit limit, promised 11-25 → blocked
    """
    tm.move_to(at(2026, 10, 26, 10, 0), tick=False)
    p = product("1000.0000")
    a = order_for(rep, (p, 4), warehouse=warehouse, header={"promised_date": D(2026, 11, 3)})
    b = order_for(
        rep,
        (p, 2),
        warehouse=warehouse,
        settlement="prepayment",
        header={"promised_date": D(2026, 11, 10)},
    )
    c = approve_fully(order_of(rep, (mto_product(), 1)))
    Order.objects.filter(pk=c.pk).update(promised_date=D(2026, 10, 30))
    d = order_for(rep, (p, 3), warehouse=warehouse, header={"promised_date": D(2026, 11, 5)})
    e = order_for(rep, (p, 1), warehouse=warehouse, header={"promised_date": D(2026, 10, 28)})
    f = approve_fully(order_of(rep, (mto_product(), 2)))
    Order.objects.filter(pk=f.pk).update(promised_date=D(2026, 11, 20))
    h = order_for(rep, (p, 2), warehouse=warehouse, header={"promised_date": D(2026, 11, 25)})
    Customer.objects.filter(pk=h.customer_id).update(credit_limit=Decimal("1000.00"))

    tm.move_to(at(2026, 10, 28, 11, 0), tick=False)
    e = deliver(ship(e, warehouse), warehouse)
    order_event_record(
        order=fresh(c),
        actor=sales_head,
        event_type=OrderEventType.TRANSITION,
        transition="hold",
        from_status=OrderStatus.APPROVED,
        to_status=OrderStatus.ON_HOLD,
        comment="客户要求暂缓发货",
    )
    c = force_status(c, OrderStatus.ON_HOLD)
    done = deviation(f, rep, category="quality", title="Paint colour")
    deviation_update(deviation=done, actor=rep, status="resolved", resolution="Repainted")

    tm.move_to(at(2026, 11, 2, 10, 0), tick=False)
    a = ship(a, warehouse, {0: 1})
    first = invoice(a, finance)
    pay(a, finance, "500.00", invoice=first)
    late = deviation(a, rep, category="delay", title="Supplier late")

    tm.move_to(at(2026, 11, 4, 15, 0), tick=False)
    d = ship(d, warehouse)
    pay(d, finance, "3000.00", invoice=invoice(d, finance))
    complaint = deviation(d, rep, kind="complaint", category="packing", title="Crushed box")

    for order, planned in ((a, D(2026, 11, 2)), (b, None), (c, None), (f, D(2026, 11, 12))):
        set_plan(order, planned)
    set_plan(h, None)

    tm.move_to(at(2026, 11, 6, 17, 0), tick=False)
    return {
        "A": fresh(a),
        "B": fresh(b),
        "C": fresh(c),
        "D": fresh(d),
        "E": fresh(e),
        "F": fresh(f),
        "H": fresh(h),
        "late_deviation": late,
        "complaint": complaint,
    }


def many_orders(n: int, *, rep, start: int = 0) -> list[Order]:
    """`n` orders spread over every execution state, each for its own customer (half of them
    prepayment), with deviations, plans and hold comments — for query counts."""
    from fulfillment.models import RiskShipmentRequest
    from orders.tests.helpers import draft_order
    from tests.factories import CustomerFactory

    states = [
        OrderStatus.APPROVED,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.READY_TO_SHIP,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.ON_HOLD,
        OrderStatus.DELIVERED,
    ]
    orders = []
    for i in range(start, start + n):
        customer = CustomerFactory(
            account_manager=rep, settlement_method="prepayment" if i % 2 else "monthly"
        )
        order = draft_order(rep, customer=customer)
        status = states[i % len(states)]
        order = force_status(order, status, promised_date=D(2026, 10, 20) + dt.timedelta(days=i))
        if status == OrderStatus.ON_HOLD:
            order_event_record(
                order=order,
                actor=rep,
                event_type=OrderEventType.TRANSITION,
                transition="hold",
                comment=f"hold {i}",
            )
        if i % 3 == 0:
            deviation(order, rep, kind="complaint" if i % 2 else "deviation")
        set_plan(order, D(2026, 11, 9) + dt.timedelta(days=i % 7) if i % 4 else None)
        if i % 5 == 0:
            RiskShipmentRequest.objects.create(
                order=order, status="approved", reason="ok", requested_by=rep
            )
        orders.append(order)
    return orders


def _approve_at(order, times: list[dt.datetime], tm, reject_last: bool = False) -> list[str]:
    """Submit at times[0], then decide each review step at the next time; the steps decided."""
    from fulfillment.tests.conftest import APPROVER_ROLE
    from orders import services
    from orders.enums import REVIEW_STATES
    from tests.factories import UserFactory

    tm.move_to(times[0], tick=False)
    order = services.order_submit(order=order, actor=order.owner)
    steps = []
    for when in times[1:]:
        assert order.status in REVIEW_STATES
        tm.move_to(when, tick=False)
        steps.append(order.status)
        approver = UserFactory(roles=[APPROVER_ROLE[order.status]])
        if reject_last and when == times[-1]:
            order = services.order_reject(order=order, actor=approver, comment="价格不对")
        else:
            order = services.order_approve(order=order, actor=approver)
    return steps


def monthly_world(tm, *, rep, warehouse, finance) -> dict:
    """The period Monday 2026-10-26 – Wednesday 2026-11-25, seen on the 25th at 09:00.

    Lines fully shipped in the period (promised date → last ship date):
      M1 two lines 11-05 → 11-04, on time;   M2 line 1 11-10 → 11-09 on time, line 2 → 11-12
      late; M3 11-15 → 11-18 late;   M7 11-02 → 11-03 late          → 3 of 6 on time (50 %)
    Late orders and their deviation categories: M2 delay + quality, M3 none, M4 (ready, not
    shipped, promised 11-20) delay, M7 delay         → delay 3, quality 1, none 1 (60/80/100 %)
    Cash: M6 invoiced ¥1,000 on 10-21, ¥400 received 10-23 → ¥600 open at the start; M1
    invoiced ¥2,500 on 11-05; received ¥600 (M6, 11-10) + ¥2,000 (M1, 11-20) = ¥2,600; a
    ¥100 allocation reversed does not count          → 2,600 ÷ (600 + 2,500) = 83.87 %
    Approval lead time: X submitted Friday 11-06 16:00, its steps decided Monday 10:00
    (3 working hours across the weekend), Monday 15:30 (5.5), Tuesday 09:30 (3) and 10:00
    (0.5); Y submitted Monday 09:00, rejected at its first step at 11:00 (2).
    """
    from finance.services.payments import allocation_reverse

    tm.move_to(at(2026, 10, 20, 10, 0), tick=False)
    p1 = product("1000.0000")
    p2 = product("500.0000")
    w = {"warehouse": warehouse}
    m1 = order_for(rep, (p1, 2), (p2, 1), header={"promised_date": D(2026, 11, 5)}, **w)
    m2 = order_for(rep, (p1, 2), (p2, 1), header={"promised_date": D(2026, 11, 10)}, **w)
    m3 = order_for(rep, (p1, 1), header={"promised_date": D(2026, 11, 15)}, **w)
    m4 = order_for(rep, (p1, 1), header={"promised_date": D(2026, 11, 20)}, **w)
    m5 = order_for(rep, (p1, 1), header={"promised_date": D(2026, 12, 1)}, **w)
    m6 = order_for(rep, (p1, 1), header={"promised_date": D(2026, 10, 25)}, **w)
    m7 = order_for(rep, (p1, 1), header={"promised_date": D(2026, 11, 2)}, **w)
    m6 = ship(m6, warehouse)
    deviation(m2, rep, category="delay")
    deviation(m2, rep, category="quality")
    deviation(m4, rep, category="delay")
    deviation(m7, rep, category="delay")
    for order in (m1, m2, m3, m4, m5, m6, m7):
        set_plan(order, None)

    tm.move_to(at(2026, 10, 21, 10, 0), tick=False)
    invoice(m6, finance)
    tm.move_to(at(2026, 10, 22, 10, 0), tick=False)
    m6 = deliver(m6, warehouse)
    tm.move_to(at(2026, 10, 23, 10, 0), tick=False)
    pay(m6, finance, "400.00")

    tm.move_to(at(2026, 11, 3, 10, 0), tick=False)
    m7 = ship(m7, warehouse)
    tm.move_to(at(2026, 11, 4, 10, 0), tick=False)
    m1 = ship(m1, warehouse)
    reversed_receipt = pay(m7, finance, "100.00")
    allocation_reverse(allocation=reversed_receipt.allocations.get(), actor=finance, reason="错账")
    tm.move_to(at(2026, 11, 5, 10, 0), tick=False)
    invoice(m1, finance)
    tm.move_to(at(2026, 11, 6, 10, 0), tick=False)
    m1 = deliver(m1, warehouse)

    x = order_of(rep, (mto_product(), 1))
    y = order_of(rep, (mto_product(), 1))
    x_steps = _approve_at(
        x,
        [
            at(2026, 11, 6, 16, 0),
            at(2026, 11, 9, 10, 0),
            at(2026, 11, 9, 15, 30),
            at(2026, 11, 10, 9, 30),
            at(2026, 11, 10, 10, 0),
        ][: 2 + _steps_of(x) - 1],
        tm,
    )
    y_steps = _approve_at(y, [at(2026, 11, 9, 9, 0), at(2026, 11, 9, 11, 0)], tm, True)

    tm.move_to(at(2026, 11, 9, 15, 0), tick=False)
    m2 = ship(m2, warehouse, {0: 2})
    tm.move_to(at(2026, 11, 10, 10, 0), tick=False)
    pay(m6, finance, "600.00")
    tm.move_to(at(2026, 11, 12, 10, 0), tick=False)
    m2 = ship(m2, warehouse)
    tm.move_to(at(2026, 11, 18, 10, 0), tick=False)
    m3 = ship(m3, warehouse)
    tm.move_to(at(2026, 11, 20, 10, 0), tick=False)
    pay(m1, finance, "2000.00")

    tm.move_to(at(2026, 11, 25, 9, 0), tick=False)
    orders = {"M1": m1, "M2": m2, "M3": m3, "M4": m4, "M5": m5, "M6": m6, "M7": m7}
    orders.update({"X": x, "Y": y})
    return {
        **{k: fresh(v) for k, v in orders.items()},
        "x_steps": x_steps,
        "y_steps": y_steps,
    }


def _steps_of(order) -> int:
    """How many review steps the approval policy puts in front of `order`."""
    from approvals.policy import active_policy, chain_for

    return len(chain_for(order, active_policy()))
