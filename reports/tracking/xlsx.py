"""The xlsx of a tracking report (openpyxl; a normal workbook — reports are small).

One sheet per section, headers in the distribution language, money as "¥#,##0.00",
percentages as "0.0%", dates as dates, the header row frozen and filtered. Native Excel charts
where a chart helps: the delay-reason Pareto (bars, with the cumulative share as a line on a
secondary axis) and the approval lead time per step in the monthly report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..enums import ReportKind
from .render import as_date, distribution_language, present

MONEY = "¥#,##0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
HOURS = "0.00"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    header: object  # a lazy translation, rendered in the language active when written
    key: str
    kind: str = "text"  # text, money, pct, date, int, hours
    width: int = 14


def _value(kind: str, raw):
    if raw is None or raw == "":
        return None
    if kind in ("money", "hours"):
        return Decimal(raw)
    if kind == "pct":
        return float(Decimal(raw))
    if kind == "date":
        return as_date(raw)
    return raw


FORMATS = {"money": MONEY, "pct": PERCENT, "date": DATE, "hours": HOURS}


def write_table(ws, columns: list[Column], rows: list[dict], *, totals: dict | None = None):
    """Header in row 1 (frozen, filtered), one row per item, an optional totals row below."""
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=str(column.header))
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    for r, row in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=r, column=index, value=_value(column.kind, row.get(column.key)))
            if column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]
    last = len(rows) + 1
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    if totals is not None:
        total_row = last + 1
        ws.cell(row=total_row, column=1, value=_("Total")).font = BOLD
        for index, column in enumerate(columns, start=1):
            if column.key in totals:
                cell = ws.cell(
                    row=total_row, column=index, value=_value(column.kind, totals[column.key])
                )
                cell.font = BOLD
                cell.number_format = FORMATS.get(column.kind, "General")
    return ws


def _sheet(wb: Workbook, title: str):
    return wb.create_sheet(title=title[:31])


def _summary(ws, data: dict, rows: list[tuple[str, object, str]]) -> None:
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 24
    ws["A1"] = data["title"]
    ws["A1"].font = Font(bold=True, size=14)
    items = [
        (_("Report period"), f"{data['period']['start']} – {data['period']['end']}", "text"),
        (_("As of"), as_date(data["as_of"]), "date"),
        (_("Generated at"), timezone.localtime().strftime("%Y-%m-%d %H:%M"), "text"),
        *rows,
    ]
    for r, (label, value, kind) in enumerate(items, start=3):
        ws.cell(row=r, column=1, value=label).font = BOLD
        cell = ws.cell(row=r, column=2, value=value)
        if kind in FORMATS:
            cell.number_format = FORMATS[kind]


ORDER_COLUMNS = [
    Column(gettext_lazy("Order number"), "number"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Sales rep"), "owner"),
    Column(gettext_lazy("Status"), "status_label"),
    Column(gettext_lazy("Promised date"), "promised_date", "date", 13),
    Column(gettext_lazy("Order total"), "total", "money"),
    Column(gettext_lazy("Shipped value"), "shipped_value", "money"),
    Column(gettext_lazy("Invoiced"), "invoiced", "money"),
    Column(gettext_lazy("Received"), "received", "money"),
    Column(gettext_lazy("Shipped %"), "shipped_pct", "pct", 10),
    Column(gettext_lazy("Invoiced %"), "invoiced_pct", "pct", 10),
    Column(gettext_lazy("Received %"), "received_pct", "pct", 10),
    Column(gettext_lazy("Days late"), "days_late", "int", 10),
    Column(gettext_lazy("Reason"), "reason_text", width=40),
]
SHIPMENT_COLUMNS = [
    Column(gettext_lazy("Planned ship date"), "ship_on", "date", 14),
    Column(gettext_lazy("Date from"), "source_label"),
    Column(gettext_lazy("Order number"), "number"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Sales rep"), "owner"),
    Column(gettext_lazy("Status"), "status_label"),
    Column(gettext_lazy("Promised date"), "promised_date", "date", 13),
    Column(gettext_lazy("Value to ship"), "open_value", "money"),
    Column(gettext_lazy("Order total"), "total", "money"),
]
BLOCKED_COLUMNS = [
    Column(gettext_lazy("Order number"), "number"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Sales rep"), "owner"),
    Column(gettext_lazy("Status"), "status_label"),
    Column(gettext_lazy("Order total"), "total", "money"),
    Column(gettext_lazy("Received"), "received", "money"),
    Column(gettext_lazy("Blocked because"), "gate_text", width=48),
]
DEVIATION_COLUMNS = [
    Column(gettext_lazy("Number"), "number"),
    Column(gettext_lazy("Kind"), "kind_label", width=22),
    Column(gettext_lazy("Cause category"), "category_label", width=20),
    Column(gettext_lazy("Severity"), "severity_label"),
    Column(gettext_lazy("Title"), "title", width=36),
    Column(gettext_lazy("Order number"), "order"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Status"), "status_label"),
    Column(gettext_lazy("Responsible"), "owner"),
    Column(gettext_lazy("Raised on"), "raised_on", "date", 12),
    Column(gettext_lazy("Days open"), "days_open", "int", 10),
]
RECORD_COLUMNS = [
    Column(gettext_lazy("Contract"), "contract"),
    Column(gettext_lazy("Order number"), "number"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Sales rep"), "owner"),
    Column(gettext_lazy("Status"), "status_label"),
    Column(gettext_lazy("Order date"), "order_date", "date", 12),
    Column(gettext_lazy("Approved on"), "approved_on", "date", 12),
    Column(gettext_lazy("Promised date"), "promised_date", "date", 13),
    Column(gettext_lazy("Last shipped on"), "last_shipped_on", "date", 13),
    Column(gettext_lazy("Delivered on"), "delivered_on", "date", 12),
    Column(gettext_lazy("Settled on"), "settled_on", "date", 12),
    Column(gettext_lazy("Ordered"), "total", "money"),
    Column(gettext_lazy("Shipped"), "shipped_value", "money"),
    Column(gettext_lazy("Invoiced"), "invoiced", "money"),
    Column(gettext_lazy("Received"), "received", "money"),
]
LATE_LINE_COLUMNS = [
    Column(gettext_lazy("Order number"), "order"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Line"), "sequence", "int", 6),
    Column(gettext_lazy("Product"), "product", width=30),
    Column(gettext_lazy("Promised date"), "promised_date", "date", 13),
    Column(gettext_lazy("Shipped on"), "shipped_on", "date", 12),
    Column(gettext_lazy("Days late"), "days_late", "int", 10),
]
LEAD_TIME_COLUMNS = [
    Column(gettext_lazy("Review step"), "step_label", width=26),
    Column(gettext_lazy("Steps decided"), "count", "int", 12),
    Column(gettext_lazy("Average (working hours)"), "average_hours", "hours", 16),
    Column(gettext_lazy("Longest (working hours)"), "max_hours", "hours", 16),
]
PARETO_COLUMNS = [
    Column(gettext_lazy("Cause"), "category_label", width=28),
    Column(gettext_lazy("Late orders"), "count", "int", 12),
    Column(gettext_lazy("Share"), "share", "pct", 10),
    Column(gettext_lazy("Cumulative"), "cumulative", "pct", 12),
]
LATE_ORDER_COLUMNS = [
    Column(gettext_lazy("Order number"), "number"),
    Column(gettext_lazy("Customer"), "customer", width=28),
    Column(gettext_lazy("Promised date"), "promised_date", "date", 13),
    Column(gettext_lazy("Days late"), "days_late", "int", 10),
    Column(gettext_lazy("Causes"), "categories_text", width=40),
]


def _weekly(wb: Workbook, data: dict) -> None:
    totals = data["totals"]
    _summary(
        wb.active,
        data,
        [
            (_("Orders in execution"), totals["orders"], "int"),
            (_("Overdue orders"), totals["overdue"], "int"),
            (_("Blocked orders"), totals["blocked"], "int"),
            (_("Open deviations"), totals["deviations"], "int"),
            (_("Open complaints"), totals["complaints"], "int"),
            (_("Shipments planned next week"), totals["next_week"], "int"),
            (_("Value to ship next week"), Decimal(totals["next_week_value"]), "money"),
        ],
    )
    write_table(_sheet(wb, _("Orders in execution")), ORDER_COLUMNS, data["orders"])
    write_table(_sheet(wb, _("Next week's shipments")), SHIPMENT_COLUMNS, data["next_week"])
    write_table(_sheet(wb, _("Overdue orders")), ORDER_COLUMNS, data["overdue"])
    write_table(_sheet(wb, _("Blocked orders")), BLOCKED_COLUMNS, data["blocked"])
    write_table(_sheet(wb, _("Deviations and complaints")), DEVIATION_COLUMNS, data["deviations"])


def _monthly(wb: Workbook, data: dict) -> None:
    kpi = data["kpi"]
    on_time, collection = kpi["on_time"], kpi["collection"]

    def pct(value):
        return float(Decimal(value)) if value is not None else None

    _summary(
        wb.active,
        data,
        [
            (_("Orders executed in the period"), data["totals"]["record"], "int"),
            (_("Lines fully shipped in the period"), on_time["lines"], "int"),
            (_("Lines shipped on time"), on_time["on_time"], "int"),
            (_("On-time delivery rate"), pct(on_time["rate"]), "pct"),
            (_("Late orders"), len(kpi["late_orders"]), "int"),
            (
                _("Open receivables at the start"),
                Decimal(collection["opening_receivables"]),
                "money",
            ),
            (_("Invoiced in the period"), Decimal(collection["invoiced"]), "money"),
            (_("Received in the period"), Decimal(collection["received"]), "money"),
            (_("Cash collection rate"), pct(collection["rate"]), "pct"),
            (_("Shipments planned next month"), data["totals"]["next_month"], "int"),
            (_("Value to ship next month"), Decimal(data["totals"]["next_month_value"]), "money"),
        ],
    )
    write_table(
        _sheet(wb, _("Execution record")),
        RECORD_COLUMNS,
        data["record"],
        totals=data["record_totals"],
    )
    write_table(_sheet(wb, _("Next month's shipments")), SHIPMENT_COLUMNS, data["next_month"])
    write_table(_sheet(wb, _("Lines shipped late")), LATE_LINE_COLUMNS, on_time["late_lines"])

    ws = write_table(_sheet(wb, _("Approval lead time")), LEAD_TIME_COLUMNS, kpi["lead_time"])
    rows = len(kpi["lead_time"])
    chart = BarChart()
    chart.type = "bar"
    chart.title = _("Average approval lead time (working hours)")
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.legend = None
    chart.height, chart.width = 7.5, 16
    ws.add_chart(chart, "F2")

    ws = write_table(_sheet(wb, _("Delay reasons")), PARETO_COLUMNS, kpi["delay_reasons"])
    rows = len(kpi["delay_reasons"])
    if rows:
        bars = BarChart()
        bars.type = "col"
        bars.title = _("Delay reasons (Pareto)")
        bars.y_axis.title = _("Late orders")
        bars.add_data(Reference(ws, min_col=2, min_row=1, max_row=rows + 1), titles_from_data=True)
        bars.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
        line = LineChart()
        line.add_data(Reference(ws, min_col=4, min_row=1, max_row=rows + 1), titles_from_data=True)
        line.y_axis.axId = 200
        line.y_axis.title = _("Cumulative")
        line.y_axis.number_format = "0%"
        line.y_axis.scaling.min, line.y_axis.scaling.max = 0, 1
        line.y_axis.crosses = "max"
        for axis in (bars.x_axis, bars.y_axis, line.y_axis):
            axis.delete = False
        bars += line
        bars.height, bars.width = 8, 18
        ws.add_chart(bars, "G2")
    write_table(_sheet(wb, _("Late orders")), LATE_ORDER_COLUMNS, kpi["late_orders"])


def write_report_workbook(data: dict, *, language: str | None = None) -> bytes:
    """The workbook of a report's data, in the distribution language, as bytes."""
    with translation.override(language or distribution_language()):
        shown = present(data)
        wb = Workbook()
        wb.active.title = _("Summary")[:31]
        if shown["kind"] == ReportKind.WEEKLY:
            _weekly(wb, shown)
        else:
            _monthly(wb, shown)
        buffer = io.BytesIO()
        wb.save(buffer)
    return buffer.getvalue()
