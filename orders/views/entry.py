"""Order entry: create, and edit while draft or rejected (DESIGN §6), with htmx line items.

The views parse the page with orders.forms, call one service (order_create / order_update, then
order_submit for "Save and submit") and render. The htmx endpoints below serve fragments of the
same page: a new line row, live totals, the customer and product look-ups.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contracts.enums import ContractStatus
from contracts.selectors import contract_list, customer_get, customer_list
from core.errors import ApplicationError, NotFound, ValidationFailed
from core.files import allowed_extensions, check_upload
from core.money import ZERO

from .. import lifecycle
from .. import permissions as perms
from ..enums import OrderStatus, OrderTransition, SupplyMode
from ..forms import (
    LINES_PREFIX,
    OrderHeaderForm,
    OrderLineForm,
    OrderLineFormSet,
    apply_service_errors,
    line_initial_from_order,
)
from ..models import Order, Product
from ..selectors import order_get, product_search
from ..services import order_create, order_submit, order_update
from ..services.attachments import order_attachment_add

# The same arithmetic order_create runs on save, so the preview can never disagree with it.
# (Private helpers of the service module; a public order_totals_preview there would be nicer.)
from ..services.orders import order_totals_preview

LOOKUP_LIMIT = 15
MAX_LINES = 500


# --- availability hook ------------------------------------------------------------------------
def line_availability(product: Product, stock=None) -> str:
    """What the rep may tell the customer about supply, shown under the line's product.

    `stock` is the product's fulfillment Availability (on hand minus reserved): "In stock" or
    "Short … replenishment by" is shown when the caller supplies it; look-up lists, which must
    stay at a fixed number of queries, show the supply mode only.
    """
    if product.supply_mode == SupplyMode.MAKE_TO_ORDER:
        return _("Make to order (standard cycle %(days)s working days)") % {
            "days": product.production_cycle_days
        }
    if stock is None:
        return _("Make to stock")
    if not stock.is_short():
        hint = _("In stock: %(available)s %(unit)s available") % {
            "available": f"{stock.available.normalize():f}",
            "unit": product.unit,
        }
    else:
        hint = _("Short: %(available)s available, replenishment by %(date)s") % {
            "available": f"{max(stock.available, 0).normalize():f}",
            "date": stock.replenishment_date.isoformat(),
        }
    return f"{_('Make to stock')} · {hint}"


def _stock_of(products) -> dict:
    """Availability of the products, in one query, from whichever app provides it (the
    fulfillment app registers itself in orders.lifecycle; orders does not import it)."""
    return lifecycle.availability_of(products)


# --- preview of amounts -----------------------------------------------------------------------
def _decimal_or_none(value):
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (ArithmeticError, ValueError):
        return None


AMOUNT_FIELDS = ("quantity", "unit_price", "tax_rate")


def _row_values(form: OrderLineForm) -> tuple[dict, bool]:
    """A row's values as far as they parse (bound) or its initial data (unbound), and whether
    the fields an amount depends on all parsed."""
    if not form.is_bound:
        return dict(form.initial), True
    parsed = not any(field in form.errors for field in AMOUNT_FIELDS)
    return dict(getattr(form, "cleaned_data", {})), parsed


def _product_id(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _preview(formset, freight, discount) -> tuple[list[dict], dict]:
    """Rows (form, product, amount, notes) and totals, computed as the service will."""
    values = [_row_values(form) for form in formset.forms]
    ids = {_product_id(data.get("product")) for data, _parsed in values} - {None}
    products = Product.objects.in_bulk(ids) if ids else {}
    stock = _stock_of(products.values()) if formset.is_bound else {}  # edit page: fixed budget
    rows, lines, positions = [], [], []
    for index, (form, (data, parsed)) in enumerate(zip(formset.forms, values, strict=True)):
        product = products.get(_product_id(data.get("product")))
        unit_price = _decimal_or_none(data.get("unit_price"))
        rows.append(
            {
                "index": index,
                "form": form,
                "product": product,
                "line": None,
                "availability": line_availability(product, stock.get(product.pk))
                if product
                else "",
                # A warning, not an error; a negative price is an error of its own on save.
                "below_floor": bool(
                    product and unit_price is not None and 0 <= unit_price < product.floor_price
                ),
            }
        )
        if product is not None and parsed and data.get("quantity") not in (None, ""):
            lines.append(
                {
                    "product": product,
                    "quantity": data["quantity"],
                    "unit_price": unit_price,
                    "tax_rate": _decimal_or_none(data.get("tax_rate")),
                }
            )
            positions.append(index)
    built, order, errors = order_totals_preview(lines=lines, freight=freight, discount=discount)
    for line in built:
        rows[positions[line.sequence - 1]]["line"] = line
    totals = {
        "lines_total": order.lines_total,
        "tax_total": order.tax_total,
        "excl_total": order.lines_total - order.tax_total,
        "freight": order.freight,
        "discount": order.discount,
        "total": order.total,
        "discount_too_large": "discount" in errors,
        "line_count": len(built),
    }
    return rows, totals


def _posted_amount(data, name: str) -> Decimal:
    try:
        return OrderHeaderForm.base_fields[name].clean(data.get(name, "")) or ZERO
    except DjangoValidationError:
        return ZERO


# --- pages ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def order_create_view(request):
    if not perms.may_create(request.user):
        raise DjangoPermissionDenied
    return _entry(request, order=None)


@login_required
@require_http_methods(["GET", "POST"])
def order_edit_view(request, pk):
    try:
        order = order_get(user=request.user, order_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    if not perms.is_owner(request.user, order):
        raise DjangoPermissionDenied
    if not perms.may_edit(request.user, order):
        messages.warning(
            request,
            _(
                "Order %(number)s is “%(status)s” and can no longer be edited; "
                "approved orders change through a change request."
            )
            % {"number": order.number, "status": order.get_status_display()},
        )
        return redirect("orders:detail", pk=order.pk)
    return _entry(request, order=order)


def _checked_attachments(request) -> tuple[list, list[str]]:
    """The uploaded files, each through the upload gate before anything is saved."""
    files, errors = request.FILES.getlist("attachments"), []
    for upload in files:
        try:
            check_upload(upload)
        except ValidationFailed as exc:
            errors += [f"{upload.name}: {m}" for ms in exc.fields.values() for m in ms]
    return files, errors


def _attach(request, order: Order, files: list) -> None:
    for upload in files:
        try:
            order_attachment_add(order=order, actor=request.user, file=upload)
        except ApplicationError as exc:
            messages.warning(request, f"{upload.name}: {exc.message}")


def _entry(request, *, order: Order | None):
    top_errors: list[str] = []
    attachment_errors: list[str] = []
    if request.method == "POST":
        header = OrderHeaderForm(request.POST, user=request.user)
        formset = OrderLineFormSet(request.POST, prefix=LINES_PREFIX)
        header_ok = header.is_valid()
        lines_ok = formset.is_valid()
        top_errors += [str(e) for e in formset.non_form_errors()]
        rows, totals = _preview(
            formset, header.cleaned_data.get("freight"), header.cleaned_data.get("discount")
        )
        files, attachment_errors = _checked_attachments(request)
        if header_ok and lines_ok and not attachment_errors:
            response, top_errors = _save(request, order, header, formset, files)
            if response is not None:
                return response
    else:
        if order is None:
            header = OrderHeaderForm(user=request.user)
            formset = OrderLineFormSet(prefix=LINES_PREFIX, initial=[{}])
        else:
            header = OrderHeaderForm(
                user=request.user, initial=OrderHeaderForm.initial_from_order(order)
            )
            formset = OrderLineFormSet(
                prefix=LINES_PREFIX, initial=line_initial_from_order(order) or [{}]
            )
        rows, totals = _preview(
            formset, header.initial.get("freight"), header.initial.get("discount")
        )
    customer = header.selected_customer()
    context = {
        "order": order,
        "header": header,
        "formset": formset,
        "rows": rows,
        "totals": totals,
        "top_errors": top_errors,
        "lines_errors": getattr(formset, "service_errors", []),
        "customer": customer,
        "contracts": _active_contracts(request.user, customer) if customer else [],
        "addresses": customer.addresses.all() if customer else [],
        "selected_contract": header.selected_pk("contract"),
        "selected_ship_to": header.selected_pk("ship_to"),
        "rejection": _last_rejection(order),
        "attachment_errors": attachment_errors,
        "allowed_extensions": allowed_extensions(),
        "max_upload_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "has_errors": bool(
            attachment_errors
            or top_errors
            or header.errors
            or any(f.errors for f in formset.forms)
            or getattr(formset, "service_errors", None)
        ),
    }
    return render(request, "orders/order_form.html", context)


def _active_contracts(user, customer):
    """The customer's active contracts the user may see, newest first (optional on an order)."""
    return (
        contract_list(user=user)
        .filter(customer=customer, status=ContractStatus.ACTIVE)
        .order_by("-signed_date", "-id")
    )


def _last_rejection(order: Order | None):
    if order is None or order.status != OrderStatus.REJECTED:
        return None
    return (
        order.events.filter(transition=OrderTransition.REJECT)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def _save(request, order: Order | None, header: OrderHeaderForm, formset, files=()):
    """Call the service: (redirect, []) when saved, else (None, messages for the top)."""
    kwargs = header.service_kwargs()
    lines, line_forms = formset.service_lines()
    if order is not None and kwargs["customer"] != order.customer:
        kwargs["settlement_method"] = ""  # re-derived from the new customer by the service
    try:
        if order is None:
            saved = order_create(actor=request.user, lines=lines, **kwargs)
        else:
            saved = order_update(order=order, actor=request.user, lines=lines, **kwargs)
    except ValidationFailed as exc:
        top = apply_service_errors(exc.fields, header, formset, line_forms)
        if not exc.fields:
            top.append(str(exc.message))
        return None, top
    except ApplicationError as exc:  # permission, state or concurrency: nothing was saved
        return None, [str(exc.message)]
    _attach(request, saved, files)

    if request.POST.get("action") != "submit":
        messages.success(
            request, _("Order %(number)s saved as a draft.") % {"number": saved.number}
        )
        _warn_below_floor(request, lines)
        return redirect("orders:detail", pk=saved.pk), []
    try:
        order_submit(order=saved, actor=request.user)
    except ApplicationError as exc:
        # The draft is saved; say why it did not go to review and let the rep fix it.
        reasons = [str(m) for ms in getattr(exc, "fields", {}).values() for m in ms]
        messages.warning(
            request,
            _("Order %(number)s was saved as a draft but not submitted: %(reason)s")
            % {"number": saved.number, "reason": " ".join(reasons) or str(exc.message)},
        )
        return redirect("orders:edit", pk=saved.pk), []
    messages.success(
        request, _("Order %(number)s submitted for approval.") % {"number": saved.number}
    )
    _warn_below_floor(request, lines)
    return redirect("orders:detail", pk=saved.pk), []


def _warn_below_floor(request, lines: list[dict]) -> None:
    """Below the floor price (系统限价) is allowed, but approval will flag it: tell the rep."""
    numbers = [
        str(position + 1)
        for position, line in enumerate(lines)
        if line["product"] is not None
        and (line["unit_price"] if line["unit_price"] is not None else line["product"].list_price)
        < line["product"].floor_price
    ]
    if numbers:
        messages.warning(
            request,
            _("Line %(lines)s: the unit price is below the floor price; approval will check it.")
            % {"lines": ", ".join(numbers)},
        )


# --- htmx fragments ---------------------------------------------------------------------------
def _require_entry(request) -> None:
    if not perms.may_create(request.user):
        raise DjangoPermissionDenied


@login_required
@require_GET
def line_row_view(request):
    """A new, empty line row with the index the browser's management form says comes next."""
    _require_entry(request)
    raw = request.GET.get(f"{LINES_PREFIX}-TOTAL_FORMS", request.GET.get("index", "0"))
    try:
        index = int(raw)
    except ValueError:
        return HttpResponseBadRequest()
    if not 0 <= index < MAX_LINES:
        return HttpResponseBadRequest()
    form = OrderLineForm(prefix=f"{LINES_PREFIX}-{index}")
    row = {"index": index, "form": form, "product": None, "line": None}
    return render(request, "orders/entry/line_row.html", {"row": row})


@login_required
@require_POST
def totals_view(request):
    """Line amounts and totals of the posted form, in figures and capitals (out-of-band)."""
    _require_entry(request)
    formset = OrderLineFormSet(request.POST, prefix=LINES_PREFIX)
    formset.is_valid()  # parses every row; rows that do not parse simply show no amount
    rows, totals = _preview(
        formset, _posted_amount(request.POST, "freight"), _posted_amount(request.POST, "discount")
    )
    return render(request, "orders/entry/totals.html", {"rows": rows, "totals": totals})


def _lookup_term(request, suffix: str) -> str:
    """The typed text: ?q=, or the look-up input's own field (htmx sends it by its name)."""
    if "q" in request.GET:
        return request.GET["q"].strip()
    for key, value in request.GET.items():
        if key.endswith(suffix):
            return value.strip()
    return ""


@login_required
@require_GET
def customer_lookup_view(request):
    """The user's own active customers matching name, short name or credit code."""
    _require_entry(request)
    term = _lookup_term(request, "customer_label")
    qs = customer_list(user=request.user).filter(is_active=True)
    if term:
        qs = qs.filter(
            Q(name__icontains=term) | Q(short_name__icontains=term) | Q(credit_code__icontains=term)
        )
    customers = list(qs.order_by("name")[:LOOKUP_LIMIT])
    return render(
        request,
        "orders/entry/customer_suggestions.html",
        {"customers": customers, "term": term},
    )


@login_required
@require_GET
def customer_details_view(request):
    """Contracts, ship-to addresses and terms of the picked customer."""
    _require_entry(request)
    try:
        customer = customer_get(user=request.user, customer_id=int(request.GET.get("customer", "")))
    except (ValueError, NotFound) as exc:
        raise Http404 from exc
    addresses = list(customer.addresses.all())
    default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    return render(
        request,
        "orders/entry/customer_details.html",
        {
            "customer": customer,
            "contracts": _active_contracts(request.user, customer),
            "addresses": addresses,
            "selected_contract": "",
            "selected_ship_to": str(default.pk) if default else "",
        },
    )


@login_required
@require_GET
def product_lookup_view(request):
    """Active products matching code, name or specification."""
    _require_entry(request)
    term = _lookup_term(request, "product_label")
    products = list(product_search(term=term, limit=LOOKUP_LIMIT))
    for product in products:
        product.availability = line_availability(product)
    return render(
        request, "orders/entry/product_suggestions.html", {"products": products, "term": term}
    )
