"""Shipment pages (REQUIREMENTS §6): the warehouse's ship form, the shipment list and page, the
printable shipping note (发货单), the signed delivery receipt (签收单) and short-closing lines.

Views parse input, call one service and render. Who may ship is orders.permissions (the same
rule as the API and the order page); a user sees a shipment only if they may see its order.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.errors import ApplicationError, ValidationFailed
from core.web import apply_service_errors, forbid_unless, found_or_404, paginate
from orders import permissions as order_perms
from orders.enums import OrderStatus, OrderTransition
from orders.models import Order
from orders.selectors import order_get, order_list
from orders.services.transitions import (
    SHORT_CLOSE_STATES,
    may_short_close,
    order_line_short_close,
)

from ..enums import ShipmentStatus
from ..forms.shipping import ReceiptForm, ShipmentFilterForm, ShipmentForm, ShortCloseForm
from ..gate import gate_for
from ..models import DeliveryReceipt, RiskShipmentRequest, Shipment
from ..selectors import order_reserved_by_line
from ..services.deviations import may_raise_deviation
from ..services.risk import may_request_risk_shipment
from ..services.shipping import delivery_receipt_add, may_upload_receipt, shipment_create

S = OrderStatus
SHIPPABLE_STATES = (S.READY_TO_SHIP, S.PARTIALLY_SHIPPED)


# --- reads (scoped by the order's visibility) -----------------------------------------------------
def visible_orders(user):
    """Ids of the orders the user may see, as a subquery (reps: their own orders)."""
    return order_list(user=user).values("pk")


def filtered_order(user, form):
    """The order a list page is narrowed to (`?order=`), when the user may see it."""
    if form.is_valid() and form.cleaned_data.get("order"):
        return order_list(user=user).filter(pk=form.cleaned_data["order"]).first()
    return None


def shipments_visible_to(user):
    return Shipment.objects.filter(order__in=visible_orders(user)).select_related(
        "order", "order__customer", "follow_up_owner", "created_by"
    )


def _shipment_or_404(user, pk) -> Shipment:
    shipment = shipments_visible_to(user).filter(pk=pk).first()
    if shipment is None:
        raise Http404(_("No such shipment."))
    return shipment


def _shipment_lines(shipment: Shipment) -> list:
    return list(shipment.lines.select_related("order_line", "order_line__product"))


def _receipt(shipment: Shipment) -> DeliveryReceipt | None:
    return DeliveryReceipt.objects.filter(shipment=shipment).select_related("uploaded_by").first()


def _open_lines(order: Order) -> list:
    lines = order.lines.select_related("product").order_by("sequence")
    return [line for line in lines if line.open_quantity > 0]


def _latest_risk_request(order: Order) -> RiskShipmentRequest | None:
    return RiskShipmentRequest.objects.filter(order=order).order_by("-requested_at", "-id").first()


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _remapped(exc: ApplicationError, form: ShipmentForm) -> ApplicationError:
    """The service names a line's quantity "lines.<id>"; the form calls it qty_<id>."""
    fields = exc.extra.get("fields") or {}
    if not fields:
        return exc
    mapped: dict[str, list] = {}
    for key, errors in fields.items():
        mapped.setdefault(form.field_for_service_key(key) or "non_field_errors", []).extend(errors)
    copy = ValidationFailed(exc.message, fields=mapped)
    copy.status_code = exc.status_code
    return copy


# --- the ship form ------------------------------------------------------------------------------
def _ship_context(request, order: Order, form: ShipmentForm | None, lines: list) -> dict:
    shippable = order.status in SHIPPABLE_STATES
    gate = gate_for(order) if shippable else None
    reserved = order_reserved_by_line(order=order)
    rows = []
    for line in lines:
        field = form[f"qty_{line.pk}"] if form is not None else None
        rows.append({"line": line, "field": field, "reserved": reserved.get(line.pk) or 0})
    return {
        "order": order,
        "form": form,
        "rows": rows,
        "shippable": shippable,
        "gate": gate,
        "blocked": bool(gate and gate.blocked),
        "risk_request": _latest_risk_request(order) if gate and gate.reasons else None,
        "may_request_risk": may_request_risk_shipment(request.user, order),
        "may_short_close": may_short_close(request.user, order)
        and order.status in SHORT_CLOSE_STATES,
        "short_close_form": ShortCloseForm(),
        "shipments": list(order.shipments.order_by("-shipped_on", "-id")),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def shipment_create_view(request, order_pk):
    """The warehouse lead ships the order (a tablet form): quantities per open line, carrier,
    transport mode, tracking number, date, consent for a partial shipment."""
    order = found_or_404(order_get, user=request.user, order_id=order_pk)
    forbid_unless(order_perms.may_transition(request.user, order, OrderTransition.SHIP))
    lines = _open_lines(order)
    shippable = order.status in SHIPPABLE_STATES
    posted = request.method == "POST"
    form = ShipmentForm(request.POST if posted else None, order=order, lines=lines)
    if posted:
        if not shippable:
            form.add_error(
                None,
                _("Nothing was shipped: the order is “%(status)s”.")
                % {"status": order.get_status_display()},
            )
        elif form.is_valid():
            expected = form.cleaned_data.get("expected_status")
            if expected and expected != order.status:
                form.add_error(
                    None,
                    _(
                        "Nothing was shipped: the order moved on to “%(status)s” while you were "
                        "looking at it. Check the quantities again."
                    )
                    % {"status": order.get_status_display()},
                )
            else:
                try:
                    shipment = shipment_create(
                        order=order, actor=request.user, **form.service_arguments()
                    )
                except ApplicationError as exc:
                    apply_service_errors(_remapped(exc, form), form)
                else:
                    shipped = Order.objects.get(pk=order.pk)
                    messages.success(
                        request,
                        _("Shipment %(number)s recorded. Order %(order)s is now “%(status)s”.")
                        % {
                            "number": shipment.number,
                            "order": order.number,
                            "status": shipped.get_status_display(),
                        },
                    )
                    return redirect("fulfillment:shipment_detail", pk=shipment.pk)
    context = _ship_context(request, order, form if shippable else None, lines)
    return render(request, "fulfillment/shipment_form.html", context, status=400 if posted else 200)


# --- short-close ---------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def line_short_close_view(request, order_pk):
    """Close what is left of a line (短交关闭, with a reason): the order's rep, the sales head,
    the GM. GET lists the open lines; POST closes one and returns to `next` (or this page)."""
    order = found_or_404(order_get, user=request.user, order_id=order_pk)
    forbid_unless(may_short_close(request.user, order))
    errors: dict[int, list[str]] = {}
    general: list[str] = []
    posted_line, posted_reason = None, ""
    if request.method == "POST":
        form = ShortCloseForm(request.POST)
        if not form.is_valid():
            general = [str(e) for errs in form.errors.values() for e in errs]
        else:
            posted_line = form.cleaned_data["line"]
            posted_reason = form.cleaned_data["reason"]
            try:
                changed = order_line_short_close(
                    order=order, line_id=posted_line, actor=request.user, reason=posted_reason
                )
            except ApplicationError as exc:
                fields = exc.extra.get("fields") or {}
                texts = [str(m) for errs in fields.values() for m in errs]
                errors[posted_line] = texts or [str(exc.message)]
                if fields and exc.status_code != 400:
                    general.append(str(exc.message))
            else:
                messages.success(
                    request,
                    _("The rest of the line was closed. Order %(number)s is “%(status)s”.")
                    % {"number": changed.number, "status": changed.get_status_display()},
                )
                fallback = reverse("orders:detail", args=[order.pk])
                return redirect(_safe_next(request, fallback))
        order = found_or_404(order_get, user=request.user, order_id=order_pk)
    lines = _open_lines(order)
    rows = [
        {
            "line": line,
            "errors": errors.get(line.pk, []),
            "reason": posted_reason if line.pk == posted_line else "",
        }
        for line in lines
    ]
    if posted_line is not None and posted_line not in {line.pk for line in lines}:
        general.extend(errors.get(posted_line, []))
    return render(
        request,
        "fulfillment/shipment_short_close.html",
        {
            "order": order,
            "rows": rows,
            "general_errors": general,
            "allowed_now": order.status in SHORT_CLOSE_STATES,
            "next": _safe_next(request, ""),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- list, page, note ---------------------------------------------------------------------------
def _filtered_shipments(user, form: ShipmentFilterForm):
    qs = shipments_visible_to(user).annotate(
        line_count=Count("lines"), total_quantity=Sum("lines__quantity")
    )
    if not form.is_valid():
        return qs.none()
    data = form.cleaned_data
    if term := (data.get("q") or "").strip():
        qs = qs.filter(
            Q(number__icontains=term)
            | Q(order__number__icontains=term)
            | Q(order__customer__name__icontains=term)
            | Q(tracking_number__icontains=term)
        )
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("date_from"):
        qs = qs.filter(shipped_on__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(shipped_on__lte=data["date_to"])
    if data.get("order"):
        qs = qs.filter(order_id=data["order"])
    return qs.order_by("-shipped_on", "-id")


@login_required
@require_safe
def shipment_list_view(request):
    form = ShipmentFilterForm(request.GET)
    page = paginate(request, _filtered_shipments(request.user, form))
    return render(
        request,
        "fulfillment/shipment_list.html",
        {
            "form": form,
            "page": page,
            "shipments": page.object_list,
            "for_order": filtered_order(request.user, form),
        },
    )


@login_required
@require_safe
def shipment_detail_view(request, pk):
    shipment = _shipment_or_404(request.user, pk)
    order = shipment.order
    receipt = _receipt(shipment)
    return render(
        request,
        "fulfillment/shipment_detail.html",
        {
            "shipment": shipment,
            "order": order,
            "lines": _shipment_lines(shipment),
            "receipt": receipt,
            "may_upload": receipt is None
            and shipment.status == ShipmentStatus.SHIPPED
            and may_upload_receipt(request.user, order),
            "may_raise_deviation": may_raise_deviation(request.user, order),
            "may_short_close": order.status in SHORT_CLOSE_STATES
            and may_short_close(request.user, order),
            "may_ship_more": order.status in SHIPPABLE_STATES
            and order_perms.may_transition(request.user, order, OrderTransition.SHIP),
        },
    )


@login_required
@require_safe
def shipment_note_view(request, pk):
    """发货单: the paper that travels with the goods, signed by shipper, carrier and consignee."""
    shipment = _shipment_or_404(request.user, pk)
    lines = _shipment_lines(shipment)
    return render(
        request,
        "fulfillment/shipment_note.html",
        {
            "shipment": shipment,
            "order": shipment.order,
            "lines": lines,
            "total_quantity": sum((line.quantity for line in lines), 0),
        },
    )


# --- delivery receipt ---------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def receipt_upload_view(request, shipment_pk):
    shipment = _shipment_or_404(request.user, shipment_pk)
    forbid_unless(may_upload_receipt(request.user, shipment.order))
    if shipment.status == ShipmentStatus.DELIVERED:
        messages.info(request, _("This shipment already has its signed receipt."))
        return redirect("fulfillment:shipment_detail", pk=shipment.pk)
    posted = request.method == "POST"
    form = ReceiptForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            delivery_receipt_add(shipment=shipment, actor=request.user, **form.service_arguments())
        except ValidationFailed as exc:
            apply_service_errors(exc, form)
        except ApplicationError as exc:  # signed meanwhile by someone else, or refused
            messages.error(request, str(exc.message))
            return redirect("fulfillment:shipment_detail", pk=shipment.pk)
        else:
            order = Order.objects.get(pk=shipment.order_id)
            messages.success(
                request,
                _("The signed receipt of %(number)s is stored. Order %(order)s is “%(status)s”.")
                % {
                    "number": shipment.number,
                    "order": order.number,
                    "status": order.get_status_display(),
                },
            )
            return redirect("fulfillment:shipment_detail", pk=shipment.pk)
    return render(
        request,
        "fulfillment/receipt_form.html",
        {"shipment": shipment, "order": shipment.order, "form": form},
        status=400 if posted else 200,
    )


@login_required
@require_safe
def receipt_download_view(request, shipment_pk):
    """Served only through this view, after the same visibility check as the shipment page."""
    shipment = _shipment_or_404(request.user, shipment_pk)
    receipt = _receipt(shipment)
    if receipt is None:
        raise Http404(_("This shipment has no signed receipt yet."))
    try:
        handle = receipt.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing from storage.")) from exc
    return FileResponse(handle, as_attachment=True, filename=receipt.name)
