import datetime
from decimal import Decimal

import pytest

from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from orders.enums import OrderEventType, OrderStatus
from orders.models import Order, OrderEvent, OrderLine
from orders.services import order_create, order_reject, order_submit, order_update
from tests.factories import (
    ContractFactory,
    CustomerAddressFactory,
    CustomerFactory,
    ProductFactory,
)

from .helpers import draft_order, force_status

pytestmark = pytest.mark.django_db


def test_create_derives_number_tax_totals_and_capitals(rep):
    customer = CustomerFactory(account_manager=rep)
    address = CustomerAddressFactory(customer=customer)
    pump = ProductFactory(list_price=Decimal("1130"), vat_rate=Decimal("0.13"))
    valve = ProductFactory(list_price=Decimal("109"), vat_rate=Decimal("0.09"))
    order = order_create(
        actor=rep,
        customer=customer,
        ship_to=address,
        order_date=datetime.date(2026, 11, 22),
        freight=Decimal("200"),
        discount=Decimal("50.5"),
        lines=[
            {"product": pump, "quantity": Decimal("3")},  # list price by default
            {"product": valve, "quantity": Decimal("2.5"), "unit_price": Decimal("100.0050")},
        ],
    )
    assert order.number == "SO20261122001"
    assert order.status == OrderStatus.DRAFT
    first, second = order.lines.order_by("sequence")
    assert (first.amount, first.amount_excl, first.tax_amount) == (
        Decimal("3390.00"),
        Decimal("3000.00"),
        Decimal("390.00"),
    )
    assert first.unit_price_excl == Decimal("1000.0000")
    assert (second.amount, second.tax_rate) == (Decimal("250.01"), Decimal("0.09"))
    assert second.amount_excl + second.tax_amount == Decimal("250.01")
    assert order.lines_total == Decimal("3640.01")
    assert order.tax_total == first.tax_amount + second.tax_amount
    assert order.total == Decimal("3789.51")
    assert order.total_in_words == "叁仟柒佰捌拾玖元伍角壹分"
    assert order.ship_to_text == "浙江省杭州市西湖区文三路100号 (310000)"
    assert order.consignee == "王收货"
    assert order.settlement_method == customer.settlement_method
    event = order.events.get()
    assert (event.event_type, event.actor, event.to_status) == (
        OrderEventType.CREATED,
        rep,
        OrderStatus.DRAFT,
    )


def test_numbers_continue_within_the_day(rep):
    day = datetime.date(2026, 11, 22)
    numbers = [draft_order(rep, order_date=day).number for _ in range(3)]
    assert numbers == ["SO20261122001", "SO20261122002", "SO20261122003"]


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"quantity": Decimal("0")}, "lines.0.quantity", "greater than zero"),
        ({"quantity": Decimal("-1")}, "lines.0.quantity", "greater than zero"),
        ({"unit_price": Decimal("-0.01")}, "lines.0.unit_price", "cannot be negative"),
        ({"tax_rate": Decimal("0.17")}, "lines.0.tax_rate", "13%"),
        ({"product": None}, "lines.0.product", "Choose a product"),
        (
            {"quantity": Decimal("99999999999"), "unit_price": Decimal("9999999")},
            "lines.0.quantity",
            "too large",
        ),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(rep, line, field, message):
    data = {"product": ProductFactory(), "quantity": Decimal("1"), **line}
    with pytest.raises(ValidationFailed) as exc:
        order_create(actor=rep, customer=CustomerFactory(account_manager=rep), lines=[data])
    assert message in exc.value.fields[field][0]
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert OrderEvent.objects.count() == 0


def test_missing_customer_and_bad_dates_are_named(rep):
    with pytest.raises(ValidationFailed) as exc:
        order_create(actor=rep, customer=None, lines=[])
    assert "customer" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        order_create(
            actor=rep,
            customer=CustomerFactory(account_manager=rep),
            lines=[],
            order_date=datetime.date(2026, 11, 22),
            required_date=datetime.date(2026, 11, 1),
        )
    assert set(exc.value.fields) == {"required_date"}
    assert Order.objects.count() == 0


def test_rep_cannot_order_for_another_reps_customer(rep, other_rep):
    with pytest.raises(ValidationFailed) as exc:
        draft_order(rep, customer=CustomerFactory(account_manager=other_rep))
    assert "own customers" in exc.value.fields["customer"][0]


def test_contract_and_address_must_belong_to_the_customer(rep):
    customer = CustomerFactory(account_manager=rep)
    with pytest.raises(ValidationFailed) as exc:
        draft_order(
            rep, customer=customer, contract=ContractFactory(), ship_to=CustomerAddressFactory()
        )
    assert set(exc.value.fields) == {"contract", "ship_to"}


def test_discount_larger_than_the_order_is_refused(rep):
    with pytest.raises(ValidationFailed) as exc:
        draft_order(rep, discount=Decimal("999999"))
    assert "discount" in exc.value.fields


def test_only_sales_staff_create(finance):
    with pytest.raises(PermissionDenied):
        draft_order(finance, customer=CustomerFactory())


def test_update_replaces_lines_recomputes_and_records_the_change(rep):
    order = draft_order(rep)
    product = ProductFactory(list_price=Decimal("50"))
    updated = order_update(
        order=order,
        actor=rep,
        freight=Decimal("10"),
        lines=[{"product": product, "quantity": Decimal("4")}],
    )
    assert updated.total == Decimal("210.00")
    assert list(updated.lines.values_list("sequence", "amount")) == [(1, Decimal("200.00"))]
    event = updated.events.filter(event_type=OrderEventType.UPDATED).get()
    assert event.payload["changed"]["freight"] == ["0.00", "10.00"]
    assert event.payload["changed"]["lines"] == 1


def test_update_refused_for_others_and_after_submission(rep, other_rep, sales_head):
    order = draft_order(rep)
    with pytest.raises(PermissionDenied):
        order_update(order=order, actor=other_rep, remarks="x")
    order = order_submit(order=order, actor=rep)
    with pytest.raises(InvalidTransition):
        order_update(order=order, actor=rep, remarks="x")
    assert Order.objects.get(pk=order.pk).remarks == ""


def test_rejected_order_is_edited_and_resubmitted(rep, sales_head):
    order = order_submit(order=draft_order(rep), actor=rep)
    order = order_reject(order=order, actor=sales_head, comment="价格低于政策")
    order = order_update(order=order, actor=rep, remarks="已按政策调价")
    order = order_submit(order=order, actor=rep)
    assert order.status == OrderStatus.SALES_REVIEW
    assert list(order.events.values_list("event_type", flat=True)) == [
        "created",
        "transition",
        "transition",
        "updated",
        "transition",
    ]


def test_submit_without_lines_is_refused(rep):
    order = draft_order(rep, lines=[])
    with pytest.raises(ValidationFailed) as exc:
        order_submit(order=order, actor=rep)
    assert "lines" in exc.value.fields
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT


def test_protected_status_cannot_be_set_by_hand(rep):
    order = draft_order(rep)
    with pytest.raises(AttributeError):
        order.status = OrderStatus.APPROVED
    assert force_status(order, OrderStatus.APPROVED).status == OrderStatus.APPROVED
