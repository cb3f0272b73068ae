"""What the finance xlsx writers share: column definitions, number formats and a write-only
sheet that styles its cells from a few prototypes (a styled cell per money value is the only
way to format cells in openpyxl's write-only mode; copying a prototype's style array keeps that
cheap for 100,000 rows)."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "¥#,##0.00"
QTY_FORMAT = "#,##0.###"
DATE_FORMAT = "yyyy-mm-dd"
INT_FORMAT = "#,##0"
FORMATS = {"money": MONEY_FORMAT, "qty": QTY_FORMAT, "date": DATE_FORMAT, "int": INT_FORMAT}
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy translation, rendered in the requesting user's language
    kind: str = "text"  # text, date, qty, money, int
    width: int = 14


class StreamedSheet:
    """A write-only sheet: header row frozen and filtered, rows appended one at a time."""

    def __init__(self, workbook, title: str, columns: tuple[Column, ...]):
        self.ws = workbook.create_sheet(title=title)
        self.columns = columns
        self.rows = 0  # data rows written, header excluded
        for index, column in enumerate(columns, 1):
            self.ws.column_dimensions[get_column_letter(index)].width = column.width
        self.ws.freeze_panes = "A2"  # must be set before the first row in write-only mode
        self._plain = {kind: self._prototype(number_format=fmt) for kind, fmt in FORMATS.items()}
        self._bold = {
            kind: self._prototype(number_format=fmt, bold=True) for kind, fmt in FORMATS.items()
        }
        self._bold["text"] = self._prototype(bold=True)
        self._header = self._prototype(bold=True, fill=HEADER_FILL, wrap=True)

    def _prototype(self, *, number_format=None, bold=False, fill=None, wrap=False) -> Cell:
        cell = Cell(self.ws)
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = Font(bold=True)
        if fill is not None:
            cell.fill = fill
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def _cell(self, value, prototype: Cell | None) -> Cell | object:
        if prototype is None or value is None or value == "":
            return value
        return Cell(self.ws, row=1, column=1, value=value, style_array=prototype._style)

    def header(self) -> None:
        self.ws.append([self._cell(str(c.label), self._header) for c in self.columns])

    def row(self, values: dict) -> None:
        self.ws.append(
            [self._cell(values.get(c.key), self._plain.get(c.kind)) for c in self.columns]
        )
        self.rows += 1

    def emphasised(self, values: list) -> None:
        """A totals or notes row (bold), outside the filtered range: values by position."""
        cells = []
        for column, value in zip(self.columns, values, strict=False):
            cells.append(self._cell(value, self._bold.get(column.kind, self._bold["text"])))
        if len(values) > len(self.columns):
            cells.extend(values[len(self.columns) :])
        self.ws.append(cells)

    def blank(self) -> None:
        self.ws.append([])

    def finish(self) -> None:
        """Autofilter over the header and data rows (the totals row stays out of it); set
        after the rows since write-only sheets write it at the end."""
        last = get_column_letter(len(self.columns))
        self.ws.auto_filter.ref = f"A1:{last}{self.rows + 1}"
