"""Building deadline situations for the alert tests through the real services, at exact times.

Every builder moves the clock (time_machine, not ticking) before the service call it makes, so
the watched anchors — transition events, shipments, requests — carry the time the test says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from core.notifications import users_with_roles
from fulfillment.services import stock_receive
from fulfillment.services.shipping import delivery_receipt_add, shipment_create
from fulfillment.tests.conftest import APPROVER_ROLE, approve_fully
from orders.enums import SupplyMode
from orders.models import Order
from orders.services.change_requests import change_request_create
from orders.tests.helpers import draft_order, shippable_customer
from reports.enums import RuleCode
from reports.models import Alert
from reports.services.scan import deadline_scan
from tests.factories import ProductFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_MINUTE = dt.timedelta(minutes=1)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def scan(moment: dt.datetime):
    return deadline_scan(now=moment)


def status_after_scan(alert: Alert, moment: dt.datetime) -> str:
    """Scan at `moment`, then the alert's status as stored."""
    scan(moment)
    alert.refresh_from_db()
    return alert.status


def alerts_of(code: str, order=None) -> list[Alert]:
    qs = Alert.objects.filter(rule__code=code).order_by("pk")
    if order is not None:
        qs = qs.filter(order=order)
    return list(qs)


def fires_exactly_at(code: str, due: dt.datetime, order=None) -> Alert:
    """Nothing for the rule one minute before `due`; one alert at `due`, due exactly then."""
    scan(due - ONE_MINUTE)
    assert alerts_of(code, order) == [], f"{code} raised before {due}"
    scan(due)
    [alert] = alerts_of(code, order)
    assert alert.due_at == due
    return alert


def postponement_request(order, actor, promised_date: dt.date, reason: str):
    """A pending change request that moves the order's promised date."""
    return change_request_create(
        order=order, actor=actor, reason=reason, header={"promised_date": promised_date}
    )


def mts_product(price: str = "1130.0000"):
    return ProductFactory(
        supply_mode=SupplyMode.MAKE_TO_STOCK, list_price=Decimal(price), unit="台"
    )


def draft(owner, *, product=None, qty: str = "2", **header):
    product = product or mts_product()
    return draft_order(
        owner,
        customer=shippable_customer(owner),
        lines=[{"product": product, "quantity": Decimal(qty), "unit_price": product.list_price}],
        **header,
    )


def existing_approvers() -> dict:
    """The first active user of each approving role, so approving adds nobody who would then
    be told about alerts too (approve_fully creates the missing ones)."""
    found = {}
    for role in APPROVER_ROLE.values():
        user = users_with_roles(role).order_by("pk").first()
        if user is not None:
            found[role] = user
    return found


def ready_order(owner, warehouse, *, qty: str = "2", approvers=None, **header) -> Order:
    """Approved, the goods in stock and reserved: ready to ship (at the clock's time)."""
    product = mts_product()
    stock_receive(product=product, quantity=Decimal(qty), actor=warehouse)
    if approvers is None:
        approvers = existing_approvers()
    order = approve_fully(draft(owner, product=product, qty=qty, **header), approvers)
    return Order.objects.get(pk=order.pk)


def ship(order, warehouse, quantities=None):
    """Ship (everything open, or {line id: qty}) today; returns the shipment."""
    return shipment_create(
        order=Order.objects.get(pk=order.pk),
        actor=warehouse,
        quantities=quantities,
        carrier="德邦物流",
        customer_consent="客户同意分批发货",
    )


def sign(shipment, actor, signed_on: dt.date):
    return delivery_receipt_add(
        shipment=shipment,
        actor=actor,
        file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 signed"),
        signer="李四",
        signed_on=signed_on,
    )


RULES_WITH_OWNER = (
    RuleCode.FOLLOW_UP,
    RuleCode.SHIPMENT_OVERDUE,
    RuleCode.RECEIPT_MISSING,
    RuleCode.CUSTOMER_FEEDBACK,
    RuleCode.PAYMENT_OVERDUE,
)
