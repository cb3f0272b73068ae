"""The weekly tracking report built on a Friday: exactly the orders in execution, with
hand-computed percentages, days late and reasons; next week's shipments; overdue and blocked
orders; open deviations and complaints; a fixed number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.gate import gate_blocks
from fulfillment.models import RiskShipmentRequest
from orders.models import Order
from reports.tests.tracking_world import at, many_orders, money_of, weekly_world
from reports.tracking.weekly import weekly_report_data

pytestmark = pytest.mark.django_db
D = dt.date
WEEK = {"period_start": D(2026, 11, 2), "as_of": D(2026, 11, 6)}


@pytest.fixture
def world(rep, warehouse, finance, sales_head, time_machine):
    return weekly_world(
        time_machine, rep=rep, warehouse=warehouse, finance=finance, sales_head=sales_head
    )


def test_orders_in_execution_with_percentages_days_late_and_reasons(world):
    data = weekly_report_data(**WEEK)

    a, b, c, d, f, h = (world[k] for k in "ABCDFH")
    rows = [
        (
            row["number"],
            row["status"],
            row["promised_date"],
            row["total"],
            row["shipped_pct"],
            row["invoiced_pct"],
            row["received_pct"],
            row["days_late"],
            row["reason"],
        )
        for row in data["orders"]
    ]
    late = world["late_deviation"]
    complaint = world["complaint"]
    assert rows == [
        # C: on hold since before its promised date 10-30: Friday 11-06 is 7 calendar days on.
        (c.number, "on_hold", "2026-10-30", "1000.00", "0.0000", "0.0000", "0.0000", 7,
         {"source": "hold", "comment": "客户要求暂缓发货"}),
        # A: 1 of 4 × ¥1,000 shipped and invoiced, ¥500 received; promised 11-03.
        (a.number, "partially_shipped", "2026-11-03", "4000.00", "0.2500", "0.2500", "0.1250", 3,
         {"source": "deviation", "number": late.number, "kind": "deviation",
          "category": "delay", "title": "Supplier late"}),
        # D: fully shipped a day early, invoiced and paid: not late; its open complaint shows.
        (d.number, "shipped", "2026-11-05", "3000.00", "1.0000", "1.0000", "1.0000", 0,
         {"source": "deviation", "number": complaint.number, "kind": "complaint",
          "category": "packing", "title": "Crushed box"}),
        (b.number, "ready_to_ship", "2026-11-10", "2000.00", "0.0000", "0.0000", "0.0000", 0,
         {"source": "gate", "reasons": ["prepayment"]}),
        # F: its deviation is resolved, so no reason.
        (f.number, "approved", "2026-11-20", "2000.00", "0.0000", "0.0000", "0.0000", 0, None),
        (h.number, "ready_to_ship", "2026-11-25", "2000.00", "0.0000", "0.0000", "0.0000", 0,
         {"source": "gate", "reasons": ["credit"]}),
    ]  # fmt: skip
    # E is delivered: no longer in execution.
    assert world["E"].number not in {row[0] for row in rows}
    assert data["period"] == {"start": "2026-11-02", "end": "2026-11-08"}
    assert data["next_period"] == {"start": "2026-11-09", "end": "2026-11-15"}


def test_next_week_overdue_blocked_and_deviations(world):
    data = weekly_report_data(**WEEK)

    a, b, c, d, f, h = (world[k] for k in "ABCDFH")
    assert [
        (r["number"], r["ship_on"], r["source"], r["open_value"]) for r in data["next_week"]
    ] == [
        (b.number, "2026-11-10", "promised", "2000.00"),  # no planned date: the promised one
        (f.number, "2026-11-12", "plan", "2000.00"),
    ]
    assert [(r["number"], r["days_late"]) for r in data["overdue"]] == [
        (c.number, 7),
        (a.number, 3),
    ]
    assert [(r["number"], r["gate_reasons"]) for r in data["blocked"]] == [
        (b.number, ["prepayment"]),
        (h.number, ["credit"]),
    ]
    assert [(r["number"], r["kind"], r["order"], r["days_open"]) for r in data["deviations"]] == [
        (world["complaint"].number, "complaint", d.number, 2),
        (world["late_deviation"].number, "deviation", a.number, 4),
    ]
    assert data["totals"] == {
        "orders": 6,
        "overdue": 2,
        "blocked": 2,
        "deviations": 1,
        "complaints": 1,
        "next_week": 2,
        "next_week_value": "4000.00",
    }


def test_blocked_orders_agree_with_the_shipping_gate(world, rep):
    ready = list(
        Order.objects.filter(status__in=("ready_to_ship", "partially_shipped")).select_related(
            "customer"
        )
    )
    gates = gate_blocks(ready)
    expected = {
        o.number: [str(r) for r in gates[o.pk].reasons] for o in ready if gates[o.pk].blocked
    }

    data = weekly_report_data(**WEEK)

    assert {r["number"]: r["gate_reasons"] for r in data["blocked"]} == expected


def test_an_approved_risk_request_unblocks(world, rep):
    RiskShipmentRequest.objects.create(
        order=world["H"], status="approved", reason="老客户", requested_by=rep
    )

    data = weekly_report_data(**WEEK)

    assert [r["number"] for r in data["blocked"]] == [world["B"].number]
    row = next(r for r in data["orders"] if r["number"] == world["H"].number)
    assert row["reason"] is None


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_orders(rep, time_machine):
    time_machine.move_to(at(2026, 11, 6, 17, 0), tick=False)
    many_orders(5, rep=rep)
    small = _queries(lambda: weekly_report_data(**WEEK))
    many_orders(35, rep=rep, start=5)
    data = weekly_report_data(**WEEK)
    large = _queries(lambda: weekly_report_data(**WEEK))

    assert len(data["orders"]) > 30 and data["blocked"] and data["deviations"]
    assert large == small <= 12


def test_percentages_are_empty_for_an_order_worth_nothing():
    from reports.tracking.common import ratio

    assert ratio(Decimal("5"), Decimal("0")) is None
    assert ratio(Decimal("1"), Decimal("3")) == "0.3333"


def test_weekly_xlsx_matches_the_database(world):
    import io

    import openpyxl

    from reports.services.generate import report_generate
    from reports.tracking.weekly import IN_EXECUTION

    report = report_generate(kind="weekly", period_start=D(2026, 11, 2))
    wb = openpyxl.load_workbook(io.BytesIO(report.file.read()))

    assert wb.sheetnames == [
        "Summary",
        "Orders in execution",
        "Next week's shipments",
        "Overdue orders",
        "Blocked orders",
        "Deviations and complaints",
    ]
    ws = wb["Orders in execution"]
    assert [c.value for c in ws[1]] == [
        "Order number", "Customer", "Sales rep", "Status", "Promised date", "Order total",
        "Shipped value", "Invoiced", "Received", "Shipped %", "Invoiced %", "Received %",
        "Days late", "Reason",
    ]  # fmt: skip
    assert (ws.freeze_panes, ws.auto_filter.ref) == ("A2", "A1:N7")
    in_execution = Order.objects.filter(status__in=IN_EXECUTION)
    assert sorted(ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)) == sorted(
        in_execution.values_list("number", flat=True)
    )
    for r in range(2, ws.max_row + 1):
        cells = [c.value for c in ws[r]]
        order = Order.objects.select_related("customer").get(number=cells[0])
        shipped, invoiced, received = money_of(order)
        late = (
            0 if order.status == "shipped" else max((D(2026, 11, 6) - order.promised_date).days, 0)
        )
        assert cells[1] == order.customer.name
        assert cells[3] == order.get_status_display()
        assert cells[4].date() == order.promised_date
        assert cells[5] == pytest.approx(float(order.total))
        assert cells[6] == pytest.approx(float(shipped))
        assert cells[7] == pytest.approx(float(invoiced))
        assert cells[8] == pytest.approx(float(received))
        assert cells[9] == pytest.approx(float(shipped / order.lines_total), abs=1e-4)
        assert cells[10] == pytest.approx(float(invoiced / order.total), abs=1e-4)
        assert cells[11] == pytest.approx(float(received / order.total), abs=1e-4)
        assert cells[12] == late
        assert ws.cell(row=r, column=6).number_format == "¥#,##0.00"
        assert ws.cell(row=r, column=10).number_format == "0.0%"
        assert ws.cell(row=r, column=5).number_format == "yyyy-mm-dd"
    a_row = next(
        r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == world["A"].number
    )
    assert ws.cell(row=a_row, column=14).value == (
        f"Delivery delay: Supplier late ({world['late_deviation'].number})"
    )

    blocked = wb["Blocked orders"]
    assert [
        (blocked.cell(row=r, column=1).value, blocked.cell(row=r, column=7).value) for r in (2, 3)
    ] == [
        (world["B"].number, "Payment before shipment is required and not received"),
        (world["H"].number, "The customer is over the credit limit"),
    ]
    nxt = wb["Next week's shipments"]
    assert [
        (nxt.cell(row=r, column=1).value.date(), nxt.cell(row=r, column=3).value) for r in (2, 3)
    ] == [(D(2026, 11, 10), world["B"].number), (D(2026, 11, 12), world["F"].number)]
    summary = {row[0].value: row[1].value for row in wb["Summary"].iter_rows(min_row=3)}
    assert summary["Orders in execution"] == in_execution.count() == 6
    assert summary["Value to ship next week"] == Decimal("4000.00")


def test_a_past_week_does_not_list_what_was_raised_after_it(world):
    data = weekly_report_data(period_start=D(2026, 10, 26), as_of=D(2026, 11, 1))

    assert data["deviations"] == []  # both open ones were raised on 11-02 and 11-04
    row = next(r for r in data["orders"] if r["number"] == world["A"].number)
    assert row["reason"] is None and row["days_late"] == 0  # promised 11-03
