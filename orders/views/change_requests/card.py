"""The order page's "Change requests" card and a request's own page: each request with its
status, steps and before/after diff, the buttons this user may use, and the revision history."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.errors import ApplicationError, NotFound
from core.money import format_cny
from core.web import field_labels

from ...enums import ChangeKind, ChangeRequestStatus, DeliveryMethod, InvoiceType, OrderStatus
from ...models import ChangeRequest, Order
from ...selectors import order_get
from ...services.change_requests import (
    change_request_get,
    change_request_list,
    may_decide,
    order_revision_list,
    requestable_kinds,
)

K = ChangeKind
CHOICE_LABELS = {
    "delivery_method": dict(DeliveryMethod.choices),
    "invoice_type": dict(InvoiceType.choices),
}
KIND_BADGES = {K.CHANGE: "secondary", K.CANCEL: "danger", K.HOLD: "warning", K.RESUME: "info"}
STATUS_BADGES = {
    ChangeRequestStatus.PENDING: "primary",
    ChangeRequestStatus.APPROVED: "success",
    ChangeRequestStatus.REJECTED: "danger",
    ChangeRequestStatus.WITHDRAWN: "secondary",
}
DIALOG_TITLES = {
    K.CANCEL: gettext_lazy("Request cancellation"),
    K.HOLD: gettext_lazy("Request a hold"),
    K.RESUME: gettext_lazy("Request to resume"),
}
DIALOG_HELP = {
    K.CANCEL: gettext_lazy(
        "The order is cancelled once the sales head and the general manager approve; an "
        "order paid a deposit is cancelled per the contract."
    ),
    K.HOLD: gettext_lazy(
        "Stocking and shipping pause once the sales head approves; production and the "
        "warehouse are told."
    ),
    K.RESUME: gettext_lazy("The order goes back to where it was once the sales head approves."),
}


def order_or_404(user, pk) -> Order:
    try:
        return order_get(user=user, order_id=pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def request_or_404(user, request_id) -> ChangeRequest:
    try:
        return change_request_get(user=user, request_id=request_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def card_url(order_id: int) -> str:
    return reverse("orders:detail", args=[order_id]) + "#change-requests"


def error_text(exc: ApplicationError) -> str:
    fields = getattr(exc, "fields", None) or {}
    parts = [str(m) for messages_ in fields.values() for m in messages_]
    return " ".join(parts) or str(exc.message)


# --- showing a request's diff ---------------------------------------------------------------------
def _dec(value):
    return Decimal(value) if value not in (None, "") else None


def _header_value(field: str, value):
    if value in (None, ""):
        return "—"
    if field in CHOICE_LABELS:
        return CHOICE_LABELS[field].get(value, value)
    if field in ("freight", "discount"):
        return _dec(value)
    return value


def _price_text(value) -> str:
    """Unit prices keep up to 4 decimals but show 2 when that is all they have."""
    if value is None:
        return ""
    if value == value.quantize(Decimal("0.01")):
        return format_cny(value)
    return f"¥{value:,.4f}"


def _with_prices(entry: dict) -> dict:
    values = {f: _dec(entry[f]) for f in ("quantity", "unit_price", "amount")}
    return {**entry, **values, "unit_price_text": _price_text(values["unit_price"])}


def diff_display(diff: dict) -> dict:
    """The stored diff as the templates show it: labels, Decimals for the money filters."""
    if not diff:
        return {}
    labels = field_labels(Order)
    lines = diff.get("lines", {})
    changed = []
    for entry in lines.get("changed", []):
        changed.append(
            {
                **entry,
                **{
                    f: {"before": _dec(entry[f]["before"]), "after": _dec(entry[f]["after"])}
                    for f in ("quantity", "amount")
                },
                "unit_price": {
                    "before_text": _price_text(_dec(entry["unit_price"]["before"])),
                    "after_text": _price_text(_dec(entry["unit_price"]["after"])),
                },
            }
        )
    money_rows = [
        (name, label)
        for name, label in (
            ("lines_total", _("Lines total (tax incl.)")),
            ("freight", _("Freight")),
            ("discount", _("Discount")),
            ("total", _("Total")),
        )
    ]
    totals = diff.get("totals", {})
    return {
        "header": [
            {
                "field": entry["field"],
                "label": labels.get(entry["field"], entry["field"]),
                "before": _header_value(entry["field"], entry["before"]),
                "after": _header_value(entry["field"], entry["after"]),
                "money": entry["field"] in ("freight", "discount"),
            }
            for entry in diff.get("header", [])
        ],
        "added": [_with_prices(e) for e in lines.get("added", [])],
        "removed": [_with_prices(e) for e in lines.get("removed", [])],
        "changed": changed,
        "totals": [
            {
                "name": name,
                "label": label,
                "before": _dec(totals[name]["before"]),
                "after": _dec(totals[name]["after"]),
                "changed": totals[name]["before"] != totals[name]["after"],
            }
            for name, label in money_rows
            if name in totals
        ],
    }


def _step_trail(change_request: ChangeRequest) -> list[dict]:
    decisions = {d.step: d for d in change_request.decisions.all()}
    trail = []
    for step in change_request.steps:
        decision = decisions.get(step)
        if decision is not None:
            state = decision.decision
        elif change_request.current_step == step:
            state = "current"
        else:
            state = "pending" if change_request.is_pending else "not_reached"
        trail.append(
            {
                "step": step,
                "label": OrderStatus(step).label if step in OrderStatus.values else step,
                "state": state,
                "decision": decision,
            }
        )
    return trail


def _request_entry(user, change_request: ChangeRequest, order: Order) -> dict:
    return {
        "request": change_request,
        "kind_badge": KIND_BADGES.get(change_request.kind, "secondary"),
        "status_badge": STATUS_BADGES.get(change_request.status, "secondary"),
        "current_step_label": OrderStatus(change_request.current_step).label
        if change_request.current_step
        else "",
        "trail": _step_trail(change_request),
        "diff": diff_display(change_request.diff),
        "may_decide": may_decide(user, change_request, order),
        "may_withdraw": change_request.is_pending and change_request.requested_by_id == user.pk,
    }


def change_requests_context(request, order: Order) -> dict:
    """Everything the order page's "Change requests" card shows to this user."""
    requests = list(change_request_list(order=order))
    for change_request in requests:
        change_request.order = order
    pending = next((r for r in requests if r.is_pending), None)
    kinds = requestable_kinds(request.user, order) if pending is None else []
    revisions = list(order_revision_list(order=order))
    for revision in revisions:
        revision.total_before = _dec(revision.before["header"]["total"])
        revision.total_after = _dec(revision.after["header"]["total"])
    return {
        "order": order,
        "change_card": True,
        "change_entries": [_request_entry(request.user, r, order) for r in requests],
        "change_pending": pending,
        "change_kinds": kinds,
        "change_dialogs": [
            {"kind": kind, "title": DIALOG_TITLES[kind], "help": DIALOG_HELP[kind]}
            for kind in kinds
            if kind != K.CHANGE
        ],
        "may_request_change": K.CHANGE in kinds,
        "revisions": revisions,
    }


# --- the order page card and a request's own page ---------------------------------------------
@login_required
@require_safe
def change_requests_card_view(request, pk):
    """The card, loaded into the order page by htmx (or shown as a page of its own)."""
    order = order_or_404(request.user, pk)
    context = change_requests_context(request, order)
    if request.htmx:
        return render(request, "orders/detail/change_requests.html", context)
    return render(request, "orders/change_request_list.html", context)


@login_required
@require_safe
def change_request_detail_view(request, request_id):
    """One request with its diff and the decision buttons (the link in notifications; also
    for a delegate who does not see the order page)."""
    change_request = request_or_404(request.user, request_id)
    order = change_request.order
    return render(
        request,
        "orders/change_request_detail.html",
        {"order": order, "entry": _request_entry(request.user, change_request, order)},
    )
