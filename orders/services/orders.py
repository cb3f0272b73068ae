"""Creating and editing orders (draft or rejected only). Totals are always derived here."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.enums import ContractStatus
from contracts.models import Contract, Customer, CustomerAddress
from contracts.selectors import customer_list
from core.errors import (
    ConcurrentModification,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from core.money import ZERO, money, price, quantity, split_tax
from core.numbering import next_number

from .. import permissions as perms
from ..enums import VAT_RATES, OrderEventType
from ..events import order_event_record
from ..models import Order, OrderLine, Product

# Header fields a rep may set; everything else (status, number, totals) is derived.
HEADER_FIELDS = (
    "order_type",
    "order_date",
    "required_date",
    "promised_date",
    "ship_to_text",
    "consignee",
    "consignee_phone",
    "delivery_method",
    "settlement_method",
    "payment_terms",
    "payment_due_date",
    "invoice_type",
    "source",
    "priority",
    "special_requirements",
    "remarks",
    "freight",
    "discount",
)
LINE_FIELDS = ("product", "quantity", "unit_price", "tax_rate", "remarks")
# Amount columns hold 16 digits with 2 decimals, and amounts in Chinese capitals stop below
# 万亿: refuse larger lines and totals with a clear message. Quantities hold 14 digits with 3
# decimals and prices 14 with 4.
MAX_LINE_AMOUNT = Decimal("1000000000000")
MAX_QUANTITY = Decimal("100000000000")
MAX_PRICE = Decimal("10000000000")


def _finite(value) -> Decimal | None:
    """A finite Decimal, or None for missing/NaN/Infinity/garbage input."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _today() -> datetime.date:
    return timezone.localdate()


def _check_relations(*, actor, customer, contract, ship_to, errors: dict) -> None:
    if customer is None:
        errors["customer"] = [_("Choose a customer.")]
        return
    if not customer.is_active:
        errors["customer"] = [_("This customer is inactive.")]
    elif not customer_list(user=actor).filter(pk=customer.pk).exists():
        errors["customer"] = [_("You may only enter orders for your own customers.")]
    if contract is not None:
        if contract.customer_id != customer.pk:
            errors["contract"] = [_("The contract belongs to another customer.")]
        elif contract.status != ContractStatus.ACTIVE:
            errors["contract"] = [_("The contract is not active.")]
    if ship_to is not None and ship_to.customer_id != customer.pk:
        errors["ship_to"] = [_("The ship-to address belongs to another customer.")]


def _check_header(header: dict, errors: dict) -> None:
    order_date = header.get("order_date")
    # The number is built from the order date (SO+YYYYMMDD): keep it a plausible date.
    if order_date and not (
        datetime.date(2000, 1, 1) <= order_date <= _today() + datetime.timedelta(days=366)
    ):
        errors["order_date"] = [_("Enter an order date between 2000 and one year from today.")]
    for field, label in (
        ("required_date", _("The required delivery date is before the order date.")),
        ("promised_date", _("The promised delivery date is before the order date.")),
        ("payment_due_date", _("The payment due date is before the order date.")),
    ):
        value = header.get(field)
        if value and order_date and value < order_date:
            errors[field] = [label]
    for field in ("freight", "discount"):
        value = header.get(field)
        if value is not None and Decimal(value) < 0:
            errors[field] = [_("This amount cannot be negative.")]


def _build_lines(lines: list[dict], errors: dict) -> list[OrderLine]:
    built = []
    for index, data in enumerate(lines):
        line_errors = {}
        product: Product | None = data.get("product")
        qty = data.get("quantity")
        unit_price = data.get("unit_price")
        tax_rate = data.get("tax_rate")
        if product is None:
            line_errors["product"] = [_("Choose a product.")]
        elif not product.is_active:
            line_errors["product"] = [_("This product is no longer sold.")]
        qty = _finite(qty)
        if qty is None:
            line_errors["quantity"] = [_("Enter a quantity.")]
        elif qty <= 0:
            line_errors["quantity"] = [_("The quantity must be greater than zero.")]
        elif qty >= MAX_QUANTITY or quantity(qty) != qty:
            line_errors["quantity"] = [
                _("Enter a quantity below %(max)s with at most 3 decimals.")
                % {"max": f"{MAX_QUANTITY:,}"}
            ]
        if unit_price in (None, "") and product is not None:
            unit_price = product.list_price
        elif unit_price not in (None, "") and _finite(unit_price) is None:
            line_errors["unit_price"] = [_("Enter a number.")]
        unit_price = _finite(unit_price)
        if unit_price is not None and unit_price < 0:
            line_errors["unit_price"] = [_("The unit price cannot be negative.")]
        elif unit_price is not None and (
            unit_price >= MAX_PRICE or price(unit_price) != unit_price
        ):
            line_errors["unit_price"] = [
                _("Enter a unit price below %(max)s with at most 4 decimals.")
                % {"max": f"{MAX_PRICE:,}"}
            ]
        if tax_rate is None and product is not None:
            tax_rate = product.vat_rate
        if tax_rate is not None and _finite(tax_rate) not in VAT_RATES:
            line_errors["tax_rate"] = [_("Use a VAT rate of 13%, 9%, 6% or 0%.")]
        if line_errors or unit_price is None or product is None:
            for field, messages in line_errors.items():
                errors[f"lines.{index}.{field}"] = messages
            continue
        rate = _finite(tax_rate)
        gross = money(qty * unit_price)
        if gross >= MAX_LINE_AMOUNT:
            errors[f"lines.{index}.quantity"] = [_("The line amount is too large.")]
            continue
        net, tax = split_tax(gross, rate)
        built.append(
            OrderLine(
                sequence=index + 1,
                product=product,
                spec=product.spec,
                unit=product.unit,
                quantity=quantity(qty),
                unit_price=price(unit_price),
                unit_price_excl=price(Decimal(unit_price) / (1 + rate)),
                tax_rate=rate,
                amount=gross,
                amount_excl=net,
                tax_amount=tax,
                remarks=(data.get("remarks") or "")[:200],
            )
        )
    return built


def _apply_totals(order: Order, lines: list[OrderLine], errors: dict) -> None:
    order.lines_total = money(sum((line.amount for line in lines), ZERO))
    order.tax_total = money(sum((line.tax_amount for line in lines), ZERO))
    for field in ("freight", "discount"):
        value = _finite(getattr(order, field) or 0)
        if value is None or abs(value) >= MAX_LINE_AMOUNT:
            errors.setdefault(field, []).append(_("This amount is too large."))
            value = ZERO
        setattr(order, field, money(value))
    total = order.lines_total + order.freight - order.discount
    if total >= MAX_LINE_AMOUNT:
        errors.setdefault("non_field_errors", []).append(
            _("The order total is too large; split the order.")
        )
        total = ZERO
    if total < 0:
        errors.setdefault("discount", []).append(
            _("The discount is larger than the lines and freight together.")
        )
    order.total = money(max(total, ZERO))


def _fill_from_master_data(order: Order) -> None:
    """Defaults a rep would otherwise type: address snapshot, consignee, payment method/terms."""
    address: CustomerAddress | None = order.ship_to
    if address is not None:
        order.ship_to_text = order.ship_to_text or address.full_address
        order.consignee = order.consignee or address.consignee
        order.consignee_phone = order.consignee_phone or address.phone
    if not order.settlement_method:
        order.settlement_method = order.customer.settlement_method
    if not order.payment_terms and order.contract is not None:
        order.payment_terms = order.contract.payment_terms[:300]


def _save_validated(order: Order) -> None:
    try:
        order.full_clean(exclude=["number", "status", "owner", "customer"])
    except DjangoValidationError as exc:
        fields = {
            ("non_field_errors" if k == "__all__" else k): [str(m) for e in v for m in e.messages]
            for k, v in exc.error_dict.items()
        }
        raise ValidationFailed(fields=fields) from exc
    order.save()


def order_create(
    *,
    actor,
    customer: Customer | None,
    lines: list[dict],
    contract: Contract | None = None,
    ship_to: CustomerAddress | None = None,
    comment: str = "",
    **header,
) -> Order:
    """A rep enters an order for one of their customers; it starts as a draft (REQUIREMENTS §3)."""
    if not perms.may_create(actor):
        raise PermissionDenied(_("Only sales staff can enter orders."))
    header = {k: v for k, v in header.items() if k in HEADER_FIELDS and v is not None}
    header.setdefault("order_date", _today())
    errors: dict = {}
    _check_relations(
        actor=actor, customer=customer, contract=contract, ship_to=ship_to, errors=errors
    )
    _check_header(header, errors)
    built = _build_lines(lines, errors)
    order = Order(customer=customer, contract=contract, ship_to=ship_to, owner=actor, **header)
    _apply_totals(order, built, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        order.number = next_number("SO", order.order_date)
        _fill_from_master_data(order)
        _save_validated(order)
        for line in built:
            line.order = order
        OrderLine.objects.bulk_create(built)
        order_event_record(
            order=order,
            actor=actor,
            event_type=OrderEventType.CREATED,
            comment=comment,
            to_status=order.status,
            payload={"total": str(order.total), "lines": len(built)},
        )
    return order


def _diff(before: dict, after: dict) -> dict:
    return {
        k: [str(before.get(k)), str(after.get(k))] for k in after if before.get(k) != after.get(k)
    }


def _snapshot(order: Order) -> dict:
    data = {f: getattr(order, f) for f in HEADER_FIELDS}
    data.update(
        customer=order.customer_id,
        contract=order.contract_id,
        ship_to=order.ship_to_id,
        total=order.total,
    )
    return data


def order_update(
    *,
    order: Order,
    actor,
    lines: list[dict] | None = None,
    comment: str = "",
    **changes,
) -> Order:
    """Edit a draft or rejected order; `lines`, when given, replace all lines.

    Approved orders change only through a change request (REQUIREMENTS §5).
    """
    relation_keys = {"customer", "contract", "ship_to"}
    header = {k: v for k, v in changes.items() if k in HEADER_FIELDS}
    relations = {k: v for k, v in changes.items() if k in relation_keys}
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        if locked.status != order.status:
            raise ConcurrentModification()
        if not perms.may_edit(actor, locked):
            if not perms.is_owner(actor, locked):
                raise PermissionDenied(_("Only the order's owner can edit it."))
            raise InvalidTransition(
                _(
                    "Only draft or rejected orders can be edited; "
                    "approved orders change through a change request."
                )
            )
        before = _snapshot(locked)
        for key, value in {**header, **relations}.items():
            setattr(locked, key, value)
        if "ship_to" in relations:
            locked.ship_to_text = header.get("ship_to_text", "")
        errors: dict = {}
        _check_relations(
            actor=actor,
            customer=locked.customer,
            contract=locked.contract,
            ship_to=locked.ship_to,
            errors=errors,
        )
        _check_header({f: getattr(locked, f) for f in HEADER_FIELDS}, errors)
        built = _build_lines(lines, errors) if lines is not None else list(locked.lines.all())
        _apply_totals(locked, built, errors)
        if errors:
            raise ValidationFailed(fields=errors)
        _fill_from_master_data(locked)
        _save_validated(locked)
        if lines is not None:
            locked.lines.all().delete()
            for line in built:
                line.order = locked
            OrderLine.objects.bulk_create(built)
        changed = _diff(before, _snapshot(locked))
        if lines is not None:
            changed["lines"] = len(built)
        order_event_record(
            order=locked,
            actor=actor,
            event_type=OrderEventType.UPDATED,
            comment=comment,
            payload={"changed": changed},
        )
    return locked


def order_totals_preview(
    *, lines: list[dict], freight: Decimal | None = None, discount: Decimal | None = None
) -> tuple[list[OrderLine], Order, dict]:
    """What saving would compute, without saving: (priced lines, unsaved order, errors).

    Used by the entry form's live totals so the figures shown match the saved ones to the fen.
    """
    errors: dict = {}
    built = _build_lines(lines, errors)
    order = Order(freight=freight or ZERO, discount=discount or ZERO)
    _apply_totals(order, built, errors)
    return built, order, errors
