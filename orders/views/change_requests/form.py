"""The change form: the order's changeable header fields and its lines (quantity, unit price,
remarks, remove; new lines by product code), a preview of the diff and the steps it needs, and
sending the request. Parses the page, calls one service, puts its errors next to the fields."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError, ValidationFailed

from ...enums import ChangeKind, ChangeRequestStatus, DeliveryMethod, InvoiceType, OrderStatus
from ...forms import BootstrapBoundField
from ...models import Order, Product
from ...services.change_requests import (
    CHANGEABLE_FIELDS,
    change_request_create,
    change_request_preview,
    may_request,
    requestable_kinds,
)
from .card import card_url, diff_display, order_or_404

K = ChangeKind
NEW_ROWS = 2
MAX_NEW_ROWS = 50


# --- asking for a change ----------------------------------------------------------------------
def _date():
    return forms.DateInput(attrs={"class": "form-control", "type": "date"}, format="%Y-%m-%d")


def _text(**attrs):
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def _money():
    return _text(inputmode="decimal", autocomplete="off")


class ChangeHeaderForm(forms.Form):
    """The header fields a change request may change, with the order's values as initial."""

    bound_field_class = BootstrapBoundField

    required_date = forms.DateField(
        label=gettext_lazy("Required delivery date"), required=False, widget=_date()
    )
    promised_date = forms.DateField(
        label=gettext_lazy("Promised delivery date"), required=False, widget=_date()
    )
    payment_due_date = forms.DateField(
        label=gettext_lazy("Payment due date"), required=False, widget=_date()
    )
    delivery_method = forms.ChoiceField(
        label=gettext_lazy("Delivery method"),
        choices=DeliveryMethod.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    invoice_type = forms.ChoiceField(
        label=gettext_lazy("Invoice type"),
        choices=InvoiceType.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    payment_terms = forms.CharField(
        label=gettext_lazy("Payment terms"), required=False, max_length=300, widget=_text()
    )
    ship_to_text = forms.CharField(
        label=gettext_lazy("Delivery address"), required=False, max_length=300, widget=_text()
    )
    consignee = forms.CharField(
        label=gettext_lazy("Consignee"), required=False, max_length=60, widget=_text()
    )
    consignee_phone = forms.CharField(
        label=gettext_lazy("Consignee phone"), required=False, max_length=40, widget=_text()
    )
    freight = forms.DecimalField(
        label=gettext_lazy("Freight"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=_money(),
    )
    discount = forms.DecimalField(
        label=gettext_lazy("Discount"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=_money(),
    )
    special_requirements = forms.CharField(
        label=gettext_lazy("Special requirements (packing, transport)"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    remarks = forms.CharField(
        label=gettext_lazy("Remarks"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        required=False,  # the service says "Give a reason." with the other errors
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )

    def header(self) -> dict:
        data = self.cleaned_data
        values = {f: data.get(f) for f in CHANGEABLE_FIELDS}
        for field in ("freight", "discount"):
            values[field] = values[field] if values[field] is not None else Decimal("0.00")
        return values


def _parse_decimal(raw: str, errors: list, label: str):
    raw = (raw or "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(_("%(field)s: enter a number.") % {"field": label})
        return None
    if not value.is_finite():
        errors.append(_("%(field)s: enter a number.") % {"field": label})
        return None
    return value


def _line_rows(order: Order, post) -> tuple[list[dict], list[dict], list[dict] | None]:
    """(existing rows, new rows, service lines) from the page; the service lines are None on
    a GET. Each row keeps what was typed and its errors."""
    existing_rows, new_rows = [], []
    for line in order.lines.all():
        row = {"line": line, "errors": [], "removable": line.shipped_quantity == 0}
        if post is None:
            row.update(
                quantity=_plain(line.quantity),
                unit_price=_plain(line.unit_price),
                remarks=line.remarks,
                removed=False,
            )
        else:
            row.update(
                quantity=post.get(f"qty_{line.pk}", ""),
                unit_price=post.get(f"price_{line.pk}", ""),
                remarks=post.get(f"remarks_{line.pk}", ""),
                removed=bool(post.get(f"remove_{line.pk}")),
            )
        existing_rows.append(row)
    try:
        count = int(post.get("new_rows", NEW_ROWS)) if post is not None else NEW_ROWS
    except ValueError:
        count = NEW_ROWS
    if post is not None and post.get("action") == "more":
        count += 2
    count = max(0, min(count, MAX_NEW_ROWS))
    for index in range(count):
        get = (lambda k, i=index: post.get(f"new-{i}-{k}", "")) if post else (lambda k: "")
        new_rows.append(
            {
                "index": index,
                "product_code": get("product").strip(),
                "quantity": get("quantity"),
                "unit_price": get("unit_price"),
                "remarks": get("remarks"),
                "errors": [],
            }
        )
    if post is None:
        return existing_rows, new_rows, None
    return existing_rows, new_rows, _service_lines(existing_rows, new_rows)


def _service_lines(existing_rows: list[dict], new_rows: list[dict]) -> list[dict]:
    """The proposal's lines in service order; each row remembers its position ("lines.N")."""
    lines = []
    codes = {row["product_code"] for row in new_rows if row["product_code"]}
    products = {p.code: p for p in Product.objects.filter(code__in=codes)} if codes else {}
    qty_label, price_label = _("Quantity"), _("Unit price (tax incl.)")
    for row in existing_rows:
        if row["removed"]:
            continue
        row["position"] = len(lines)
        lines.append(
            {
                "id": row["line"].pk,
                "quantity": _parse_decimal(row["quantity"], row["errors"], qty_label),
                "unit_price": _parse_decimal(row["unit_price"], row["errors"], price_label),
                "remarks": row["remarks"].strip(),
            }
        )
    for row in new_rows:
        if not any(row[k].strip() for k in ("product_code", "quantity", "unit_price", "remarks")):
            continue
        product = products.get(row["product_code"])
        if product is None:
            row["errors"].append(
                _("No product with the code “%(code)s”.") % {"code": row["product_code"]}
                if row["product_code"]
                else _("Enter a product code.")
            )
        row["position"] = len(lines)
        lines.append(
            {
                "id": None,
                "product": product,
                "quantity": _parse_decimal(row["quantity"], row["errors"], qty_label),
                "unit_price": _parse_decimal(row["unit_price"], row["errors"], price_label),
                "remarks": row["remarks"].strip(),
            }
        )
    return lines


def _place_errors(exc: ValidationFailed, form, rows: list[dict]) -> list[str]:
    """Service field errors onto the header fields and line rows; the rest for the top."""
    by_position = {row["position"]: row for row in rows if "position" in row}
    for row in rows:
        row["parse_failed"] = bool(row["errors"])
    top = []
    for key, messages_ in exc.fields.items():
        texts = [str(m) for m in messages_]
        if key.startswith("lines."):
            parts = key.split(".")
            row = by_position.get(int(parts[1])) if parts[1].isdigit() else None
            if row is not None:
                if not row.get("parse_failed"):  # what did not parse is said already
                    row["errors"] += texts
                continue
        elif key in form.fields:
            form.add_error(key, texts)
            continue
        top += texts
    if not exc.fields:
        top.append(str(exc.message))
    return top


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _initial(order: Order) -> dict:
    data = {f: getattr(order, f) for f in CHANGEABLE_FIELDS}
    for field in ("freight", "discount"):
        data[field] = _plain(data[field])
    return data


@login_required
@require_http_methods(["GET", "POST"])
def change_request_form_view(request, pk):
    """The rep proposes header and line changes; "Preview" shows the before/after diff and
    the steps it needs, "Send" makes the request."""
    order = order_or_404(request.user, pk)
    if not may_request(request.user, order):
        raise Forbidden
    if K.CHANGE not in requestable_kinds(request.user, order):
        return _refuse(request, order)
    if order.change_requests.filter(status=ChangeRequestStatus.PENDING).exists():
        messages.warning(request, _("A request on this order is still waiting for a decision."))
        return redirect(card_url(order.pk))
    top_errors: list[str] = []
    preview = None
    if request.method == "POST":
        form = ChangeHeaderForm(request.POST)
        existing_rows, new_rows, lines = _line_rows(order, request.POST)
        rows = existing_rows + new_rows
        action = request.POST.get("action", "preview")
        parse_errors = any(row["errors"] for row in rows)
        if form.is_valid() and action in ("preview", "send"):
            try:
                if action == "send" and not parse_errors:
                    created = change_request_create(
                        order=order,
                        actor=request.user,
                        kind=K.CHANGE,
                        reason=form.cleaned_data.get("reason", ""),
                        header=form.header(),
                        lines=lines,
                    )
                    messages.success(
                        request,
                        _("Change request %(number)s was sent for approval.")
                        % {"number": created.number},
                    )
                    return redirect(card_url(order.pk))
                # Also when something did not parse: the service names what else is wrong.
                preview = change_request_preview(
                    order=order, actor=request.user, header=form.header(), lines=lines
                )
                if parse_errors:
                    preview = None
            except ValidationFailed as exc:
                top_errors += _place_errors(exc, form, rows)
            except ApplicationError as exc:
                top_errors.append(str(exc.message))
    else:
        form = ChangeHeaderForm(initial=_initial(order))
        existing_rows, new_rows, _lines = _line_rows(order, None)
    return render(
        request,
        "orders/change_request_form.html",
        {
            "order": order,
            "form": form,
            "existing_rows": existing_rows,
            "new_rows": new_rows,
            "top_errors": top_errors,
            "row_errors": any(row["errors"] for row in existing_rows + new_rows),
            "preview": preview,
            "preview_diff": diff_display(preview["diff"]) if preview else None,
            "preview_steps": [OrderStatus(s).label for s in preview["steps"]] if preview else [],
            "preview_category": preview["category"] if preview else "",
        },
    )


def _refuse(request, order: Order):
    messages.error(
        request,
        _("A change cannot be requested on order %(number)s now (“%(status)s”).")
        % {"number": order.number, "status": order.get_status_display()},
    )
    return redirect(card_url(order.pk))
