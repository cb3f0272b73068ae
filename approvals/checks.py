"""Automatic checks shown to the approver of each step (REQUIREMENTS §4), each pass/fail with
its figures. Computed when a step opens; failing ones need an override reason to approve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext as _

from contracts.enums import SettlementMethod
from core.calendar import add_working_days
from core.money import format_cny
from orders.credit import credit_exposures
from orders.enums import OrderStatus, SupplyMode
from orders.models import Order

from .enums import CheckCode

S = OrderStatus
# From strictest to most generous: an order may ask for stricter terms than the customer has.
TERMS_RANK = {
    SettlementMethod.PREPAYMENT: 0,
    SettlementMethod.CASH_ON_DELIVERY: 1,
    SettlementMethod.MONTHLY: 2,
    SettlementMethod.CREDIT_TERM: 3,
}


@dataclass
class Outcome:
    code: str
    passed: bool
    details: dict


def check_credit(order: Order) -> Outcome:
    """Open receivables + approved-but-unsettled orders not yet invoiced + this order vs. the
    credit limit (orders.credit)."""
    customer = order.customer
    exposure_now = credit_exposures([customer], exclude_order=order)[customer.pk]
    receivables = exposure_now.receivables
    unsettled = exposure_now.uninvoiced_orders
    exposure = receivables + unsettled + order.total
    prepaid = order.settlement_method == SettlementMethod.PREPAYMENT
    return Outcome(
        CheckCode.CREDIT,
        prepaid or exposure <= customer.credit_limit,
        {
            "receivables": str(receivables),
            "unsettled_orders": str(unsettled),
            "this_order": str(order.total),
            "exposure": str(exposure),
            "credit_limit": str(customer.credit_limit),
            "prepayment": prepaid,
        },
    )


def check_floor_price(order: Order) -> Outcome:
    """Every line's price at or above the product's floor price (系统限价)."""
    below = [
        {
            "line": line.sequence,
            "product": line.product.code,
            "price": str(line.unit_price),
            "floor": str(line.product.floor_price),
        }
        for line in order.lines.all()
        if line.unit_price < line.product.floor_price
    ]
    return Outcome(CheckCode.FLOOR_PRICE, not below, {"below": below})


def check_payment_terms(order: Order) -> Outcome:
    """The order's payment method is no more generous than the customer's settlement method,
    and a payment due date stays within the customer's credit term."""
    customer = order.customer
    order_rank = TERMS_RANK.get(order.settlement_method, 99)
    customer_rank = TERMS_RANK.get(customer.settlement_method, 0)
    passed = order_rank <= customer_rank
    latest_due = None
    if order.payment_due_date and customer.settlement_method == SettlementMethod.CREDIT_TERM:
        latest_due = order.order_date + timedelta(days=customer.credit_days)
        passed = passed and order.payment_due_date <= latest_due
    return Outcome(
        CheckCode.PAYMENT_TERMS,
        passed,
        {
            "order_method": order.settlement_method,
            "customer_method": customer.settlement_method,
            "credit_days": customer.credit_days,
            "payment_due_date": order.payment_due_date.isoformat()
            if order.payment_due_date
            else "",
            "latest_due_date": latest_due.isoformat() if latest_due else "",
        },
    )


def earliest_delivery(order: Order):
    """Order date + the longest standard cycle of its lines, in working days. Make-to-order
    lines take their production cycle; make-to-stock lines their replenishment cycle only when
    the available stock (fulfillment) is short of the line's quantity."""
    from fulfillment.selectors import order_reserved_by_line, product_availability_map

    lines = list(order.lines.all())
    stock = product_availability_map({line.product for line in lines})
    # An approved order's own reservations are no longer "available"; count them back in.
    reserved = order_reserved_by_line(order=order)
    days = 0
    for line in lines:
        if line.product.supply_mode == SupplyMode.MAKE_TO_ORDER:
            days = max(days, line.product.production_cycle_days)
        elif stock[line.product.pk].available + reserved.get(line.pk, 0) < line.quantity:
            days = max(days, line.product.procurement_cycle_days)
    return add_working_days(order.order_date, days), days


def check_delivery_date(order: Order) -> Outcome:
    wanted = order.required_date or order.promised_date
    earliest, days = earliest_delivery(order)
    return Outcome(
        CheckCode.DELIVERY_DATE,
        wanted is None or wanted >= earliest,
        {
            "requested": wanted.isoformat() if wanted else "",
            "earliest": earliest.isoformat(),
            "cycle_working_days": days,
        },
    )


CHECKS = (check_credit, check_floor_price, check_payment_terms, check_delivery_date)

# What each reviewer is responsible for (REQUIREMENTS §4): the sales head checks price policy,
# terms and delivery date; the technical review the delivery date; finance credit, terms and
# the floor price; the general manager sees everything. An approver overrides only the failed
# checks of their own step.
STEP_CHECKS = {
    S.SALES_REVIEW: (check_floor_price, check_payment_terms, check_delivery_date),
    S.TECHNICAL_REVIEW: (check_delivery_date,),
    S.FINANCE_REVIEW: (check_credit, check_payment_terms, check_floor_price),
    S.GM_REVIEW: CHECKS,
}


def run_checks(order: Order, step: str | None = None) -> list[Outcome]:
    return [check(order) for check in STEP_CHECKS.get(step, CHECKS)]


def describe(code: str, passed: bool, details: dict) -> str:
    """The check's figures in a sentence, in the reader's language."""
    if code == CheckCode.CREDIT:
        if details.get("prepayment"):
            return _("Prepayment: no credit is extended.")
        return _(
            "Exposure %(exposure)s (receivables %(receivables)s + unsettled orders "
            "%(unsettled)s + this order %(order)s) vs. credit limit %(limit)s."
        ) % {
            "exposure": format_cny(details["exposure"]),
            "receivables": format_cny(details["receivables"]),
            "unsettled": format_cny(details["unsettled_orders"]),
            "order": format_cny(details["this_order"]),
            "limit": format_cny(details["credit_limit"]),
        }
    if code == CheckCode.FLOOR_PRICE:
        if passed:
            return _("Every line is at or above its floor price.")
        return "; ".join(
            _("Line %(line)s (%(product)s): %(price)s below the floor price %(floor)s")
            % {
                "line": b["line"],
                "product": b["product"],
                "price": format_cny(b["price"]),
                "floor": format_cny(b["floor"]),
            }
            for b in details["below"]
        )
    if code == CheckCode.PAYMENT_TERMS:
        labels = dict(SettlementMethod.choices)
        text = _("Order: %(order)s; customer: %(customer)s.") % {
            "order": labels.get(details["order_method"], details["order_method"] or "—"),
            "customer": labels.get(details["customer_method"], details["customer_method"]),
        }
        if details.get("latest_due_date"):
            text += " " + _("Payment due %(due)s, latest allowed %(latest)s.") % {
                "due": details["payment_due_date"],
                "latest": details["latest_due_date"],
            }
        return text
    if code == CheckCode.DELIVERY_DATE:
        if not details.get("requested"):
            return _("No delivery date requested; earliest possible %(earliest)s.") % {
                "earliest": details["earliest"]
            }
        return _(
            "Requested %(requested)s; earliest possible %(earliest)s "
            "(%(days)s working days of standard cycle)."
        ) % {
            "requested": details["requested"],
            "earliest": details["earliest"],
            "days": details["cycle_working_days"],
        }
    return ""
