"""Report data to what people read: labels in the active language, percentages, titles, and
the standalone HTML document that is stored and e-mailed.

The stored data holds codes (statuses, categories); labels are added here at render time, so
the report page speaks the reader's language while the stored HTML and the xlsx speak the
distribution language (settings.REPORTS_LANGUAGE, else LANGUAGE_CODE).
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.notifications import absolute_link
from fulfillment.enums import (
    DeviationCategory,
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
    GateReason,
)
from orders.enums import OrderStatus

from ..enums import ReportKind
from .monthly import NO_REASON


def distribution_language() -> str:
    return getattr(settings, "REPORTS_LANGUAGE", "") or settings.LANGUAGE_CODE


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code or ""


def percent(value: str | None) -> str:
    """ "0.2500" → "25.0%"; nothing stays empty."""
    if value is None:
        return ""
    return f"{Decimal(value) * 100:.1f}%"


def category_label(code: str) -> str:
    if code == NO_REASON:
        return _("No reason recorded")
    return _label(DeviationCategory, code)


def source_label(code: str) -> str:
    return _("execution plan") if code == "plan" else _("promised date")


def reason_text(reason: dict | None) -> str:
    if not reason:
        return ""
    if reason["source"] == "deviation":
        return _("%(category)s: %(title)s (%(number)s)") % {
            "category": category_label(reason["category"]),
            "title": reason["title"],
            "number": reason["number"],
        }
    if reason["source"] == "gate":
        return "; ".join(_label(GateReason, code) for code in reason["reasons"])
    if reason["source"] == "hold":
        return _("On hold: %(comment)s") % {"comment": reason["comment"]}
    return ""


def report_title(kind: str, start: str, end: str) -> str:
    names = {
        ReportKind.WEEKLY: _("Weekly tracking report"),
        ReportKind.MONTHLY: _("Monthly execution report"),
    }
    return _("%(name)s %(start)s – %(end)s") % {
        "name": names.get(kind, kind),
        "start": start,
        "end": end,
    }


def _order_row(row: dict) -> dict:
    row["status_label"] = _label(OrderStatus, row.get("status"))
    for key in ("shipped_pct", "invoiced_pct", "received_pct"):
        if key in row:
            row[f"{key}_text"] = percent(row[key])
    if "reason" in row:
        row["reason_text"] = reason_text(row["reason"])
    if "gate_reasons" in row:
        row["gate_text"] = "; ".join(_label(GateReason, code) for code in row["gate_reasons"])
    if "source" in row:
        row["source_label"] = source_label(row["source"])
    return row


def _deviation_row(row: dict) -> dict:
    row["kind_label"] = _label(DeviationKind, row["kind"])
    row["category_label"] = category_label(row["category"])
    row["severity_label"] = _label(DeviationSeverity, row["severity"])
    row["status_label"] = _label(DeviationStatus, row["status"])
    return row


def present(data: dict) -> dict:
    """A copy of the report data with labels and display values in the active language."""
    data = copy.deepcopy(data)
    data["title"] = report_title(data["kind"], data["period"]["start"], data["period"]["end"])
    for key in ("orders", "overdue", "blocked", "next_week", "next_month", "record"):
        for row in data.get(key, []):
            _order_row(row)
    for row in data.get("deviations", []):
        _deviation_row(row)
    kpi = data.get("kpi")
    if kpi:
        kpi["on_time"]["rate_text"] = percent(kpi["on_time"]["rate"])
        kpi["collection"]["rate_text"] = percent(kpi["collection"]["rate"])
        longest = max(
            (Decimal(r["average_hours"]) for r in kpi["lead_time"] if r["average_hours"]),
            default=Decimal("0"),
        )
        for row in kpi["lead_time"]:
            row["step_label"] = _label(OrderStatus, row["step"])
            row["scale_max"] = str(longest)
        for row in kpi["delay_reasons"]:
            row["category_label"] = category_label(row["category"])
            row["share_text"] = percent(row["share"])
            row["cumulative_text"] = percent(row["cumulative"])
        for row in kpi["late_orders"]:
            row["categories_text"] = "; ".join(category_label(c) for c in row["categories"])
    return data


def body_context(report, *, data: dict | None = None, base_url: str = "") -> dict:
    """What reports/tracking_body.html needs, in the active language."""
    data = data if data is not None else report.data
    if not data or "period" not in data:  # a row without contents (e.g. made in the admin)
        return {
            "report": report,
            "data": None,
            "kind": report.kind,
            "title": report_title(
                report.kind, report.period_start.isoformat(), report.period_end.isoformat()
            ),
            "base_url": base_url,
        }
    shown = present(data)
    return {
        "report": report,
        "data": shown,
        "kind": shown["kind"],
        "title": shown["title"],
        "base_url": base_url,
    }


def render_standalone(report, *, data: dict | None = None, language: str | None = None) -> str:
    """The standalone HTML document (styles in the document, absolute links) that is stored
    with the report and sent by e-mail, in the distribution language."""
    with translation.override(language or distribution_language()):
        context = body_context(report, data=data, base_url=absolute_link("/").rstrip("/"))
        context["generated_at"] = timezone.localtime(
            getattr(report, "generated_at", None) or timezone.now()
        )
        context["company_name"] = settings.COMPANY_NAME
        context["LANGUAGE_CODE"] = translation.get_language()
        return render_to_string("reports/tracking_email.html", context)


def as_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
