"""A customer statement (对账单) as one xlsx sheet, from its frozen contents: the title block,
then one table — opening balance, the period's orders, shipments, invoices and credit notes and
receipts in date order with the running balance — then the totals, the closing balance and its
amount in Chinese capitals. Headers in the requesting user's language, money "¥#,##0.00",
quantities "#,##0.###", the header row frozen."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.money import ZERO

from ..enums import InvoiceKind, ReceiptMethod
from ..models import Statement
from ..statements import statement_snapshot
from .xlsx import DATE_FORMAT, MONEY_FORMAT, QTY_FORMAT, Column

COLUMNS = (
    Column("date", gettext_lazy("Date"), "date", 12),
    Column("type", gettext_lazy("Document"), "text", 16),
    Column("number", gettext_lazy("Number"), "text", 22),
    Column("order_number", gettext_lazy("Order number"), "text", 17),
    Column("details", gettext_lazy("Details"), "text", 30),
    Column("quantity", gettext_lazy("Quantity"), "qty", 10),
    Column("ordered", gettext_lazy("Ordered amount"), "money", 15),
    Column("shipped", gettext_lazy("Shipped amount"), "money", 15),
    Column("invoiced", gettext_lazy("Invoiced"), "money", 15),
    Column("received", gettext_lazy("Received"), "money", 15),
    Column("balance", gettext_lazy("Balance"), "money", 16),
)
HEADER_ROW = 5
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
FORMATS = {"money": MONEY_FORMAT, "qty": QTY_FORMAT, "date": DATE_FORMAT}


def statement_rows(contents: dict) -> list[dict]:
    """The statement's table in date order: orders, shipments, invoices, receipts (a day's
    documents in that order); invoices and receipts move the running balance."""
    kinds = dict(InvoiceKind.choices)
    methods = dict(ReceiptMethod.choices)
    entries = []
    for row in contents["orders"]:
        entries.append(
            (
                row["order_date"],
                0,
                {
                    "type": _("Order"),
                    "number": row["number"],
                    "order_number": row["number"],
                    "ordered": row["total"],
                },
            )
        )
    for row in contents["shipments"]:
        entries.append(
            (
                row["shipped_on"],
                1,
                {
                    "type": _("Shipment"),
                    "number": row["shipment_number"],
                    "order_number": row["order_number"],
                    "details": f"{row['product_code']} {row['product_name']} ({row['unit']})",
                    "quantity": row["quantity"],
                    "shipped": row["amount"],
                },
            )
        )
    for row in contents["invoices"]:
        entries.append(
            (
                row["issue_date"],
                2,
                {
                    "type": str(kinds.get(row["kind"], row["kind"])),
                    "number": row["fapiao_number"] or row["number"],
                    "order_number": row["order_number"],
                    "details": row["number"],
                    "invoiced": row["total"],
                },
            )
        )
    for row in contents["receipts"]:
        entries.append(
            (
                row["received_on"],
                3,
                {
                    "type": _("Payment received"),
                    "number": row["number"],
                    "details": " ".join(
                        x for x in (str(methods.get(row["method"], "")), row["bank_reference"]) if x
                    ),
                    "received": row["amount"],
                },
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    balance = contents["opening_balance"]
    rows = []
    for day, _order, values in entries:
        if "invoiced" in values or "received" in values:
            balance += values.get("invoiced", ZERO) - values.get("received", ZERO)
            values["balance"] = balance
        rows.append({"date": day, **values})
    return rows


def _put(ws, row: int, column: Column | None, col_index: int, value, bold=False):
    cell = ws.cell(row=row, column=col_index, value=value)
    if column is not None and column.kind in FORMATS and value not in (None, ""):
        cell.number_format = FORMATS[column.kind]
    if bold:
        cell.font = BOLD
    return cell


def write_statement_workbook(target, *, statement: Statement, language: str) -> None:
    contents = statement_snapshot(statement)
    with translation.override(language):
        workbook = Workbook()
        ws = workbook.active
        ws.title = _("Statement")
        last = get_column_letter(len(COLUMNS))
        title = ws.cell(
            row=1, column=1, value=_("Customer statement %(number)s") % {"number": statement.number}
        )
        title.font = Font(bold=True, size=14)
        ws.merge_cells(f"A1:{last}1")
        ws.cell(row=2, column=1, value=_("Customer")).font = BOLD
        ws.cell(row=2, column=2, value=contents["customer"]["name"])
        ws.merge_cells(f"B2:{last}2")
        ws.cell(row=3, column=1, value=_("Period")).font = BOLD
        ws.cell(
            row=3,
            column=2,
            value=f"{statement.date_from.isoformat()} – {statement.date_to.isoformat()}",
        )
        ws.merge_cells(f"B3:{last}3")
        for index, column in enumerate(COLUMNS, 1):
            cell = ws.cell(row=HEADER_ROW, column=index, value=str(column.label))
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = f"A{HEADER_ROW + 1}"
        balance_col = len(COLUMNS)
        row = HEADER_ROW + 1
        _put(ws, row, COLUMNS[0], 1, statement.date_from)
        _put(ws, row, None, 2, _("Opening balance"), bold=True)
        _put(ws, row, COLUMNS[-1], balance_col, contents["opening_balance"], bold=True)
        for values in statement_rows(contents):
            row += 1
            for index, column in enumerate(COLUMNS, 1):
                _put(ws, row, column, index, values.get(column.key))
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{row}"
        row += 1
        totals = {
            "ordered": contents["orders_total"],
            "shipped": contents["shipments_total"],
            "invoiced": contents["invoiced"],
            "received": contents["received"],
            "balance": contents["closing_balance"],
        }
        _put(ws, row, None, 1, _("Total"), bold=True)
        for index, column in enumerate(COLUMNS, 1):
            if column.key in totals:
                _put(ws, row, column, index, totals[column.key], bold=True)
        row += 1
        _put(ws, row, None, 1, _("Closing balance"), bold=True)
        _put(ws, row, COLUMNS[-1], balance_col, contents["closing_balance"], bold=True)
        row += 1
        label = (
            _("Credit balance in capitals")
            if contents["closing_balance"] < 0
            else _("Closing balance in capitals")
        )
        _put(ws, row, None, 1, label, bold=True)
        _put(ws, row, None, 5, contents["closing_in_words"], bold=True)
        workbook.save(target)
