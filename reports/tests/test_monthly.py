"""The monthly execution report: the execution record, next month's shipments and the KPIs
computed by hand (on-time rate, lead time per step across a weekend, Pareto, collection rate);
the xlsx checked cell by cell against the database, with its native charts; fixed queries."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.enums import OrderStatus
from orders.models import Order
from reports.services.generate import report_generate
from reports.tests.tracking_world import at, many_orders, money_of, monthly_world
from reports.tracking.monthly import monthly_report_data

pytestmark = pytest.mark.django_db
D = dt.date
PERIOD = {"period_start": D(2026, 10, 26), "as_of": D(2026, 11, 25)}


@pytest.fixture
def world(rep, warehouse, finance, time_machine):
    return monthly_world(time_machine, rep=rep, warehouse=warehouse, finance=finance)


def test_execution_record_lists_the_orders_executed_in_the_period(world):
    data = monthly_report_data(**PERIOD)

    w = world
    assert [
        (
            r["number"],
            r["status"],
            r["approved_on"],
            r["last_shipped_on"],
            r["delivered_on"],
            r["settled_on"],
            r["total"],
            r["shipped_value"],
            r["invoiced"],
            r["received"],
        )
        for r in data["record"]
    ] == [
        (w["M1"].number, "delivered", "2026-10-20", "2026-11-04", "2026-11-06", None,
         "2500.00", "2500.00", "2500.00", "2000.00"),
        (w["M2"].number, "shipped", "2026-10-20", "2026-11-12", None, None,
         "2500.00", "2500.00", "0.00", "0.00"),
        (w["M3"].number, "shipped", "2026-10-20", "2026-11-18", None, None,
         "1000.00", "1000.00", "0.00", "0.00"),
        # Shipped and delivered before the period, settled in it.
        (w["M6"].number, "settled", "2026-10-20", "2026-10-20", "2026-10-22", "2026-11-10",
         "1000.00", "1000.00", "1000.00", "1000.00"),
        (w["M7"].number, "shipped", "2026-10-20", "2026-11-03", None, None,
         "1000.00", "1000.00", "0.00", "0.00"),
        # Approved in the period, nothing shipped yet.
        (w["X"].number, "approved", "2026-11-10", None, None, None,
         "1000.00", "0.00", "0.00", "0.00"),
    ]  # fmt: skip
    # M4 and M5 were approved before the period and nothing happened to them in it.
    assert data["record_totals"] == {
        "total": "9000.00",
        "shipped_value": "8000.00",
        "invoiced": "3500.00",
        "received": "3000.00",
    }
    assert data["next_period"] == {"start": "2026-11-26", "end": "2026-12-25"}
    assert [(r["number"], r["ship_on"], r["source"]) for r in data["next_month"]] == [
        (w["M5"].number, "2026-12-01", "promised")
    ]


def test_kpis_match_the_hand_computed_figures(world):
    kpi = monthly_report_data(**PERIOD)["kpi"]

    # 6 lines fully shipped in the period, 3 on or before their promised date.
    on_time = kpi["on_time"]
    assert (on_time["lines"], on_time["on_time"], on_time["late"], on_time["rate"]) == (
        6,
        3,
        3,
        "0.5000",
    )
    assert [(r["order"], r["sequence"], r["days_late"]) for r in on_time["late_lines"]] == [
        (world["M2"].number, 2, 2),
        (world["M3"].number, 1, 3),
        (world["M7"].number, 1, 1),
    ]

    # X: Friday 16:00 → Monday 10:00 is 2 + 1 = 3 working hours (the weekend does not count),
    # then 5.5 and 3 (Monday 15:30 → Tuesday 09:30); Y's first step 09:00 → 11:00 is 2.
    expected_hours = [Decimal("3"), Decimal("5.5"), Decimal("3"), Decimal("0.5")]
    by_step = {}
    for step, hours in zip(world["x_steps"], expected_hours, strict=False):
        by_step[step] = [hours]
    by_step[world["y_steps"][0]].append(Decimal("2"))
    rows = {r["step"]: r for r in kpi["lead_time"]}
    assert [r["step"] for r in kpi["lead_time"]] == [
        "sales_review",
        "technical_review",
        "finance_review",
        "gm_review",
    ]
    for step, row in rows.items():
        values = by_step.get(step, [])
        assert row["count"] == len(values)
        if values:
            average = (sum(values) / len(values)).quantize(Decimal("0.01"))
            assert (row["average_hours"], row["max_hours"]) == (
                str(average),
                str(max(values).quantize(Decimal("0.01"))),
            )
        else:
            assert row["average_hours"] is None
    assert rows["sales_review"]["average_hours"] == "2.50"  # (3 + 2) / 2

    # Late orders: M2 (delay, quality), M3 (nothing recorded), M4 (delay), M7 (delay).
    assert [
        (r["category"], r["count"], r["share"], r["cumulative"]) for r in kpi["delay_reasons"]
    ] == [
        ("delay", 3, "0.6000", "0.6000"),
        ("quality", 1, "0.2000", "0.8000"),
        ("none", 1, "0.2000", "1.0000"),
    ]
    assert [(r["number"], r["days_late"]) for r in kpi["late_orders"]] == [
        (world["M4"].number, 5),  # not shipped, promised 11-20, seen on 11-25
        (world["M3"].number, 3),
        (world["M2"].number, 2),
        (world["M7"].number, 1),
    ]

    # ¥600 open at the start + ¥2,500 invoiced; ¥600 + ¥2,000 received (the reversed ¥100
    # does not count): 2,600 ÷ 3,100.
    assert kpi["collection"] == {
        "opening_receivables": "600.00",
        "invoiced": "2500.00",
        "received": "2600.00",
        "due": "3100.00",
        "rate": "0.8387",
    }


def _cells(ws, row: int) -> list:
    return [cell.value for cell in ws[row]]


def test_monthly_xlsx_matches_the_database_and_has_charts(world):
    report = report_generate(kind="monthly", period_start=D(2026, 10, 26))
    wb = openpyxl.load_workbook(io.BytesIO(report.file.read()))

    assert wb.sheetnames == [
        "Summary",
        "Execution record",
        "Next month's shipments",
        "Lines shipped late",
        "Approval lead time",
        "Delay reasons",
        "Late orders",
    ]
    ws = wb["Execution record"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O7"
    assert _cells(ws, 1)[:3] == ["Contract", "Order number", "Customer"]
    numbers = []
    for row in range(2, 8):
        cells = _cells(ws, row)
        order = Order.objects.select_related("customer").get(number=cells[1])
        numbers.append(order.number)
        shipped, invoiced, received = money_of(order)
        assert cells[2] == order.customer.name
        assert cells[4] == order.get_status_display()
        assert cells[5].date() == order.order_date
        assert cells[6].date() == order.approved_at.astimezone(at(2026, 1, 1).tzinfo).date()
        assert cells[11] == pytest.approx(float(order.total))
        assert cells[12] == pytest.approx(float(shipped))
        assert cells[13] == pytest.approx(float(invoiced))
        assert cells[14] == pytest.approx(float(received))
        assert ws.cell(row=row, column=12).number_format == "¥#,##0.00"
        assert ws.cell(row=row, column=6).number_format == "yyyy-mm-dd"
    assert numbers == sorted(numbers)
    assert _cells(ws, 8)[0] == "Total"
    assert _cells(ws, 8)[11] == pytest.approx(9000.0)

    summary = {row[0].value: row[1] for row in wb["Summary"].iter_rows(min_row=3) if row[0].value}
    assert summary["On-time delivery rate"].value == pytest.approx(0.5)
    assert summary["On-time delivery rate"].number_format == "0.0%"
    assert summary["Cash collection rate"].value == pytest.approx(0.8387)
    assert summary["Lines fully shipped in the period"].value == 6

    pareto = wb["Delay reasons"]
    assert [_cells(pareto, r) for r in range(1, 5)] == [
        ["Cause", "Late orders", "Share", "Cumulative"],
        ["Delivery delay", 3, 0.6, 0.6],
        ["Quality", 1, 0.2, 0.8],
        ["No reason recorded", 1, 0.2, 1.0],
    ]
    assert pareto.cell(row=2, column=4).number_format == "0.0%"
    assert len(pareto._charts) == 1
    chart = pareto._charts[0]
    assert chart.tagname == "barChart" and len(chart._charts) == 2  # bars + cumulative line

    lead = wb["Approval lead time"]
    assert _cells(lead, 2)[:3] == ["Sales head review", 2, 2.5]
    assert len(lead._charts) == 1

    late_lines = wb["Lines shipped late"]
    assert [_cells(late_lines, r)[0] for r in range(2, 5)] == [
        world["M2"].number,
        world["M3"].number,
        world["M7"].number,
    ]


def test_query_count_does_not_grow_with_the_number_of_orders(rep, time_machine):
    time_machine.move_to(at(2026, 11, 25, 9, 0), tick=False)

    def approved_in_the_period():
        executed = Order.objects.exclude(status=OrderStatus.DRAFT)
        executed.update(approved_at=at(2026, 11, 2, 10, 0))

    many_orders(5, rep=rep)
    approved_in_the_period()
    monthly_report_data(**PERIOD)  # warm the calendar cache
    with CaptureQueriesContext(connection) as small:
        few = monthly_report_data(**PERIOD)
    many_orders(35, rep=rep, start=5)
    approved_in_the_period()
    with CaptureQueriesContext(connection) as large:
        data = monthly_report_data(**PERIOD)

    assert len(few["record"]) == 5 and len(data["record"]) == 40
    assert data["kpi"]["late_orders"]
    assert len(large.captured_queries) == len(small.captured_queries) <= 16
