"""The settlement workbook (结算表, ISSUE 6 item 6): sheets Summary (per customer, totals, the
total outstanding in Chinese capitals), Detail (per order line, see rows.py for the figures)
and Receipts (of the customers in the export, received in the period).

Written with openpyxl in write-only mode: rows go to disk as they come from the database
cursor, so memory stays flat however many lines there are. Headers are in the requesting
user's language; money cells "¥#,##0.00", quantities "#,##0.###"; the header row is frozen and
filtered; each sheet ends with a totals row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from core.money import ZERO
from orders.enums import OrderStatus

from ..enums import ReceiptMethod
from ..statements import balance_in_words
from .rows import settlement_receipts, settlement_rows, settlement_summary
from .xlsx import Column, StreamedSheet

SUMMARY_COLUMNS = (
    Column("customer", gettext_lazy("Customer"), width=34),
    Column("region", gettext_lazy("Region"), width=12),
    Column("orders", gettext_lazy("Orders"), "int", width=9),
    Column("ordered", gettext_lazy("Ordered amount"), "money", width=17),
    Column("shipped", gettext_lazy("Shipped amount"), "money", width=17),
    Column("invoiced", gettext_lazy("Invoiced amount"), "money", width=17),
    Column("received", gettext_lazy("Received"), "money", width=17),
    Column("outstanding", gettext_lazy("Outstanding"), "money", width=17),
)
DETAIL_COLUMNS = (
    Column("customer", gettext_lazy("Customer"), width=30),
    Column("region", gettext_lazy("Region"), width=10),
    Column("salesperson", gettext_lazy("Salesperson"), width=12),
    Column("order_number", gettext_lazy("Order number"), width=17),
    Column("order_date", gettext_lazy("Order date"), "date", width=11),
    Column("status", gettext_lazy("Status"), width=11),
    Column("line_no", gettext_lazy("No."), "int", width=5),
    Column("product_code", gettext_lazy("Product code"), width=12),
    Column("product_name", gettext_lazy("Product name"), width=20),
    Column("unit", gettext_lazy("Unit"), width=6),
    Column("ordered_qty", gettext_lazy("Ordered quantity"), "qty", width=10),
    Column("ordered_amount", gettext_lazy("Ordered amount"), "money", width=15),
    Column("shipped_qty", gettext_lazy("Shipped quantity"), "qty", width=10),
    Column("shipped_amount", gettext_lazy("Shipped amount"), "money", width=15),
    Column("invoiced_qty", gettext_lazy("Invoiced quantity"), "qty", width=10),
    Column("invoiced_amount", gettext_lazy("Invoiced amount"), "money", width=15),
    Column("received", gettext_lazy("Received"), "money", width=15),
    Column("outstanding", gettext_lazy("Outstanding"), "money", width=15),
)
RECEIPT_COLUMNS = (
    Column("number", gettext_lazy("Receipt number"), width=16),
    Column("customer", gettext_lazy("Customer"), width=30),
    Column("received_on", gettext_lazy("Received on"), "date", width=11),
    Column("method", gettext_lazy("Method"), width=16),
    Column("bank_reference", gettext_lazy("Bank reference"), width=18),
    Column("payer", gettext_lazy("Payer"), width=24),
    Column("amount", gettext_lazy("Amount"), "money", width=15),
    Column("allocated", gettext_lazy("Allocated"), "money", width=15),
    Column("unallocated", gettext_lazy("Unallocated"), "money", width=15),
)
DETAIL_MONEY = [c.key for c in DETAIL_COLUMNS if c.kind == "money"]
PROGRESS_EVERY = 5000

Progress = Callable[[int], None]


def _totals_row(columns, totals: dict, label: str) -> list:
    return [label] + [totals.get(c.key) for c in columns[1:]]


def _write_summary(workbook, *, user, filters) -> Decimal:
    sheet = StreamedSheet(workbook, _("Summary"), SUMMARY_COLUMNS)
    sheet.header()
    sums = {c.key: ZERO for c in SUMMARY_COLUMNS if c.kind == "money"}
    sums["orders"] = 0
    for row in settlement_summary(user=user, filters=filters):
        sheet.row(row)
        for key in sums:
            sums[key] += row[key]
    sheet.finish()
    sheet.emphasised(_totals_row(SUMMARY_COLUMNS, sums, _("Total")))
    sheet.emphasised([_("Total outstanding in capitals"), balance_in_words(sums["outstanding"])])
    return sums["outstanding"]


def _write_detail(workbook, *, user, filters, progress: Progress | None) -> int:
    sheet = StreamedSheet(workbook, _("Detail"), DETAIL_COLUMNS)
    sheet.header()
    statuses = {value: str(label) for value, label in OrderStatus.choices}
    sums = dict.fromkeys(DETAIL_MONEY, ZERO)
    for row in settlement_rows(user=user, filters=filters):
        row["status"] = statuses.get(row["status"], row["status"])
        sheet.row(row)
        for key in DETAIL_MONEY:
            sums[key] += row[key]
        if progress is not None and sheet.rows % PROGRESS_EVERY == 0:
            progress(sheet.rows)
    sheet.finish()
    sheet.emphasised(_totals_row(DETAIL_COLUMNS, sums, _("Total")))
    return sheet.rows


def _write_receipts(workbook, *, user, filters) -> None:
    sheet = StreamedSheet(workbook, _("Receipts"), RECEIPT_COLUMNS)
    sheet.header()
    methods = {value: str(label) for value, label in ReceiptMethod.choices}
    sums = {"amount": ZERO, "allocated": ZERO, "unallocated": ZERO}
    for receipt in settlement_receipts(user=user, filters=filters).iterator(chunk_size=2000):
        row = {
            "number": receipt["number"],
            "customer": receipt["customer__name"],
            "received_on": receipt["received_on"],
            "method": methods.get(receipt["method"], receipt["method"]),
            "bank_reference": receipt["bank_reference"],
            "payer": receipt["payer"],
            "amount": receipt["amount"],
            "allocated": receipt["allocated"],
            "unallocated": receipt["amount"] - receipt["allocated"],
        }
        sheet.row(row)
        for key in sums:
            sums[key] += row[key]
    sheet.finish()
    sheet.emphasised(_totals_row(RECEIPT_COLUMNS, sums, _("Total")))


def write_settlement_workbook(
    target, *, user, filters: dict, language: str, progress: Progress | None = None
) -> int:
    """Write the workbook to `target` (a path or a binary file); returns the detail rows
    written. `progress(rows)` is called every PROGRESS_EVERY detail rows."""
    with translation.override(language):
        workbook = Workbook(write_only=True)
        workbook.properties.creator = "orderflow"
        workbook.properties.created = timezone.now().replace(tzinfo=None)
        _write_summary(workbook, user=user, filters=filters)
        rows = _write_detail(workbook, user=user, filters=filters, progress=progress)
        _write_receipts(workbook, user=user, filters=filters)
        workbook.save(target)
    return rows
