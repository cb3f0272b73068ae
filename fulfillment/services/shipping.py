"""Shipments and delivery receipts (REQUIREMENTS §6).

The orders app owns the shipped quantities and the ship transition (orders.services.order_ship);
every ship transition, from the warehouse form, the API or a direct call, reaches
`shipment_record` through the lifecycle listener, which checks the shipping gate, numbers the
shipment (SH+date+serial), keeps its lines and takes the goods out of stock — all in the
transition's transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.files import check_upload
from core.numbering import next_number
from core.roles import Role, has_role
from orders import permissions as order_perms
from orders.enums import DeliveryMethod, OrderStatus, OrderTransition
from orders.models import Order
from orders.services.transitions import order_ship, order_transition, ship_quantities_parse

from ..enums import ShipmentStatus
from ..gate import gate_check
from ..models import DeliveryReceipt, Shipment, ShipmentLine
from .plan import plan_update
from .stock import consume_for_shipment

S = OrderStatus
SHIPMENT_FIELDS = (
    "carrier",
    "transport_mode",
    "tracking_number",
    "customer_consent",
    "follow_up_owner",
    "remarks",
)


def _partial_after(order: Order, quantities: dict | None) -> bool:
    """Whether shipping `quantities` leaves something open (a partial shipment, 缺件发货).
    Bad quantities are refused here, before the shipment's details are looked at."""
    parsed = ship_quantities_parse(order, quantities)
    return any(line.open_quantity - parsed.get(line.pk, 0) > 0 for line in order.lines.all())


def _active_user_exists(user_id) -> bool:
    try:
        return get_user_model().objects.filter(pk=int(user_id), is_active=True).exists()
    except (TypeError, ValueError):  # "abc" from a form or the API
        return False


def _shipment_details(order: Order, details: dict, partial: bool) -> dict:
    errors = {}
    cleaned = {key: (details.get(key) or "") for key in SHIPMENT_FIELDS}
    for key in ("carrier", "tracking_number", "customer_consent", "remarks"):
        cleaned[key] = str(cleaned[key]).strip()
    mode = cleaned["transport_mode"] or order.delivery_method
    if mode not in DeliveryMethod.values:
        errors["transport_mode"] = [_("Choose a transport mode from the list.")]
    cleaned["transport_mode"] = mode
    if mode != DeliveryMethod.PICKUP and not cleaned["carrier"]:
        errors["carrier"] = [_("Enter the carrier (or choose customer pickup).")]
    if mode == DeliveryMethod.EXPRESS and not cleaned["tracking_number"]:
        errors["tracking_number"] = [_("An express shipment needs its tracking number.")]
    for key, limit in (("carrier", 100), ("tracking_number", 60), ("customer_consent", 300)):
        if len(cleaned[key]) > limit:
            errors[key] = [_("At most %(n)s characters.") % {"n": limit}]
    if partial and not cleaned["customer_consent"]:
        errors["customer_consent"] = [
            _("A partial shipment needs the customer's consent: who agreed, and when.")
        ]
    owner = cleaned["follow_up_owner"]
    if owner:
        owner_id = getattr(owner, "pk", owner)
        if not _active_user_exists(owner_id):
            errors["follow_up_owner"] = [_("Choose an active user.")]
        cleaned["follow_up_owner"] = owner_id
    elif partial:
        cleaned["follow_up_owner"] = order.owner_id  # the rep follows up on what is missing
    else:
        cleaned["follow_up_owner"] = None
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def shipment_create(
    *,
    order: Order,
    actor,
    quantities: dict | None = None,
    shipped_on: dt.date | None = None,
    **details,
) -> Shipment:
    """The warehouse ships lines and quantities (None = everything open) with the carrier,
    transport mode and tracking number. Partial shipments need the customer's consent."""
    shipped_on = shipped_on or timezone.localdate()
    if not isinstance(shipped_on, dt.date) or isinstance(shipped_on, dt.datetime):
        raise ValidationFailed(fields={"shipped_on": [_("Enter the date as YYYY-MM-DD.")]})
    if shipped_on > timezone.localdate():
        raise ValidationFailed(fields={"shipped_on": [_("The ship date cannot be in the future.")]})
    if shipped_on < order.order_date:
        raise ValidationFailed(
            fields={"shipped_on": [_("The ship date is before the order date.")]}
        )
    cleaned = _shipment_details(order, details, _partial_after(order, quantities))
    with transaction.atomic():
        order_ship(
            order=order,
            actor=actor,
            quantities=quantities,
            shipped_on=shipped_on,
            comment=cleaned["remarks"],
            payload={"shipment": cleaned},
        )
        return Shipment.objects.filter(order=order).latest("pk")


def shipment_record(*, order: Order, event, actor) -> Shipment | None:
    """Called for every ship transition (lifecycle listener). A transition without shipped
    lines (the last open line short-closed) records no shipment."""
    payload = event.payload or {}
    shipped = payload.get("lines") or {}
    if not shipped:
        return None
    gate_check(order)
    details = payload.get("shipment") or {}
    shipped_on = dt.date.fromisoformat(payload["shipped_on"])
    shipment = Shipment.objects.create(
        number=next_number("SH", shipped_on),
        order=order,
        event=event,
        shipped_on=shipped_on,
        carrier=details.get("carrier", ""),
        transport_mode=details.get("transport_mode") or order.delivery_method,
        tracking_number=details.get("tracking_number", ""),
        customer_consent=details.get("customer_consent", ""),
        follow_up_owner_id=details.get("follow_up_owner"),
        remarks=details.get("remarks", ""),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    lines = {str(line.pk): line for line in order.lines.select_related("product")}
    quantities = {lines[pk]: Decimal(qty) for pk, qty in shipped.items()}
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=qty)
        for line, qty in quantities.items()
    )
    consume_for_shipment(order=order, quantities=quantities, actor=actor, reference=shipment.number)
    plan_update(order=order, actual_ship=shipped_on)
    event.payload = {**payload, "shipment_number": shipment.number}
    event.save(update_fields=["payload"])
    return shipment


# --- delivery receipts ---------------------------------------------------------------------------
def may_upload_receipt(user, order: Order) -> bool:
    return order_perms.is_owner(user, order) or has_role(
        user, Role.WAREHOUSE, Role.SALES_HEAD, Role.ADMIN
    )


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def delivery_receipt_add(
    *,
    shipment: Shipment,
    actor,
    file,
    signer: str,
    signed_on,
    quantity_ok=True,
    appearance_ok=True,
    packing_ok=True,
    remarks: str = "",
) -> DeliveryReceipt:
    """The customer's signed receipt (签收单) for one shipment. When every shipment is signed
    for and nothing stays open, the order is delivered."""
    order = shipment.order
    if not may_upload_receipt(actor, order):
        raise PermissionDenied()
    errors = {}
    signer = (signer or "").strip()
    remarks = (remarks or "").strip()
    flags = {
        "quantity_ok": _flag(quantity_ok),
        "appearance_ok": _flag(appearance_ok),
        "packing_ok": _flag(packing_ok),
    }
    if not signer:
        errors["signer"] = [_("Enter who signed the receipt.")]
    elif len(signer) > 60:
        errors["signer"] = [_("At most %(n)s characters.") % {"n": 60}]
    if not isinstance(signed_on, dt.date) or isinstance(signed_on, dt.datetime):
        errors["signed_on"] = [_("Enter the date as YYYY-MM-DD.")]
    elif signed_on > timezone.localdate():
        errors["signed_on"] = [_("The signing date cannot be in the future.")]
    elif signed_on < shipment.shipped_on:
        errors["signed_on"] = [_("The signing date is before the ship date.")]
    if not all(flags.values()) and not remarks:
        errors["remarks"] = [_("Describe what was wrong with the quantity, appearance or packing.")]
    try:
        digest = check_upload(file)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        digest = ""
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if locked.status == ShipmentStatus.DELIVERED:
            raise InvalidTransition(_("This shipment already has its signed receipt."))
        receipt = DeliveryReceipt(
            shipment=locked,
            name=file.name[:200],
            size=file.size or 0,
            sha256=digest,
            signer=signer,
            signed_on=signed_on,
            remarks=remarks,
            uploaded_by=actor,
            **flags,
        )
        receipt.file.save(file.name, file, save=False)
        receipt.save()
        locked.status = ShipmentStatus.DELIVERED
        locked.save(update_fields=["status"])
        _deliver_when_complete(order, actor)
    if not receipt.all_ok:
        outbox.enqueue("fulfillment.receipt_with_remarks", receipt_id=receipt.pk)
    return receipt


def _deliver_when_complete(order: Order, actor) -> None:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != S.SHIPPED:
        return
    if order.shipments.exclude(status=ShipmentStatus.DELIVERED).exists():
        return
    # The goods have all arrived on the latest signature, whichever receipt came in last.
    last = DeliveryReceipt.objects.filter(shipment__order=order).order_by("-signed_on").first()
    plan_update(order=order, actual_arrival=last.signed_on if last else None)
    order_transition(
        order=order,
        actor=actor,
        name=OrderTransition.CONFIRM_DELIVERY,
        comment=_("Every shipment is signed for."),
        system=True,
    )


def deliver_if_complete(*, order: Order, actor) -> None:
    """After the last line was short-closed: deliver if every shipment is already signed."""
    if DeliveryReceipt.objects.filter(shipment__order=order).exists():
        _deliver_when_complete(order, actor)


def unsigned_shipments(order: Order) -> int:
    return order.shipments.exclude(status=ShipmentStatus.DELIVERED).count()
