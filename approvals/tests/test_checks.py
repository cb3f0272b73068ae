"""Automatic checks (REQUIREMENTS §4, issue 4 item 2): each passes and fails with its figures;
computed when a step opens; approving over a failed check needs an override reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from approvals import checks
from approvals.enums import CheckCode, Decision
from approvals.models import ApprovalDecision, ApprovalRound, CheckResult
from contracts.enums import SettlementMethod
from core.calendar import add_working_days
from core.errors import ErrorCode, ValidationFailed
from orders import lifecycle, services
from orders.enums import OrderStatus, OrderTransition, SupplyMode
from orders.models import Order, OrderEvent
from orders.tests.helpers import draft_order, force_status
from tests.factories import CustomerFactory, ProductFactory

from .factories import activate_policy

pytestmark = pytest.mark.django_db
S = OrderStatus
T = OrderTransition
MONDAY = dt.date(2026, 3, 2)


def order_for(owner, customer, total: str, **header):
    """A draft for `customer` with one line of quantity 1 at exactly `total`."""
    product = ProductFactory(list_price=Decimal(total))
    return draft_order(
        owner,
        customer=customer,
        lines=[{"product": product, "quantity": Decimal("1")}],
        **header,
    )


def results(order, step):
    round_ = ApprovalRound.objects.get(order=order, outcome="open")
    return {
        c.code: (c.passed, c.details) for c in CheckResult.objects.filter(round=round_, step=step)
    }


# --- credit -------------------------------------------------------------------------------


@pytest.fixture
def monthly_customer(rep):
    return CustomerFactory(
        account_manager=rep,
        settlement_method=SettlementMethod.MONTHLY,
        credit_limit=Decimal("10000.00"),
    )


@pytest.fixture
def other_orders(rep, monthly_customer):
    """Orders of the same customer in every kind of state; only 5000 + 1000 + 500 are open."""
    for total, status in [
        ("5000.00", S.APPROVED),
        ("1000.00", S.IN_PRODUCTION),
        ("500.00", S.ON_HOLD),
        ("3000.00", S.SETTLED),
        ("4000.00", S.CANCELLED),
        ("2000.00", S.DRAFT),
        ("2500.00", S.FINANCE_REVIEW),
        ("700.00", S.ARCHIVED),
    ]:
        force_status(order_for(rep, monthly_customer, total), status)
    # another customer's approved order does not count
    force_status(draft_order(rep), S.APPROVED)


def test_credit_passes_within_the_limit(rep, monthly_customer, other_orders):
    order = order_for(rep, monthly_customer, "3500.00")
    outcome = checks.check_credit(order)
    assert (outcome.code, outcome.passed) == (CheckCode.CREDIT, True)
    assert outcome.details == {
        "receivables": "0.00",
        "unsettled_orders": "6500.00",
        "this_order": "3500.00",
        "exposure": "10000.00",
        "credit_limit": "10000.00",
        "prepayment": False,
    }


def test_credit_fails_above_the_limit(rep, monthly_customer, other_orders):
    order = order_for(rep, monthly_customer, "3500.01")
    outcome = checks.check_credit(order)
    assert outcome.passed is False
    assert (outcome.details["exposure"], outcome.details["credit_limit"]) == (
        "10000.01",
        "10000.00",
    )
    assert checks.describe(CheckCode.CREDIT, False, outcome.details) == (
        "Exposure ¥10,000.01 (receivables ¥0.00 + unsettled orders ¥6,500.00 + this order "
        "¥3,500.01) vs. credit limit ¥10,000.00."
    )


def test_credit_with_no_other_orders(rep, monthly_customer):
    order = order_for(rep, monthly_customer, "12000.00")
    outcome = checks.check_credit(order)
    assert outcome.passed is False
    assert (outcome.details["unsettled_orders"], outcome.details["exposure"]) == (
        "0.00",
        "12000.00",
    )


def test_open_receivables_count_towards_exposure(rep, monthly_customer, monkeypatch):
    monkeypatch.setattr(
        lifecycle,
        "_receivables_provider",
        lambda customers: {c.pk: Decimal("9000.00") for c in customers},
    )
    outcome = checks.check_credit(order_for(rep, monthly_customer, "1000.01"))
    assert outcome.passed is False
    assert (outcome.details["receivables"], outcome.details["exposure"]) == (
        "9000.00",
        "10000.01",
    )


def test_prepayment_passes_whatever_the_exposure(rep):
    customer = CustomerFactory(account_manager=rep, credit_limit=Decimal("0"))
    assert customer.settlement_method == SettlementMethod.PREPAYMENT  # the factory's default
    order = order_for(rep, customer, "50000.00")
    assert order.settlement_method == SettlementMethod.PREPAYMENT  # taken from the customer
    outcome = checks.check_credit(order)
    assert outcome.passed is True
    assert outcome.details["prepayment"] is True
    assert outcome.details["exposure"] == "50000.00"
    assert checks.describe(CheckCode.CREDIT, True, outcome.details) == (
        "Prepayment: no credit is extended."
    )


def test_credit_check_at_the_finance_step_uses_the_figures(
    rep, sales_head, monthly_customer, other_orders
):
    order = services.order_submit(order=order_for(rep, monthly_customer, "4000.00"), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    passed, details = results(order, S.FINANCE_REVIEW)[CheckCode.CREDIT]
    assert passed is False
    assert details["exposure"] == "10500.00"


# --- floor price --------------------------------------------------------------------------


def test_floor_price_passes_at_the_floor(rep):
    product = ProductFactory(list_price=Decimal("1000"))
    assert product.floor_price == Decimal("850.0000")  # 85% of list by the factory
    order = draft_order(
        rep, lines=[{"product": product, "quantity": 1, "unit_price": Decimal("850")}]
    )
    outcome = checks.check_floor_price(order)
    assert (outcome.code, outcome.passed, outcome.details) == (
        CheckCode.FLOOR_PRICE,
        True,
        {"below": []},
    )
    assert checks.describe(CheckCode.FLOOR_PRICE, True, outcome.details) == (
        "Every line is at or above its floor price."
    )


def test_floor_price_fails_and_lists_the_lines_below(rep):
    pump = ProductFactory(list_price=Decimal("1000"), code="PUMP-1")
    valve = ProductFactory(list_price=Decimal("200"), code="VALVE-1")
    order = draft_order(
        rep,
        lines=[
            {"product": pump, "quantity": 1, "unit_price": Decimal("900")},
            {"product": pump, "quantity": 1, "unit_price": Decimal("849.99")},
            {"product": valve, "quantity": 2, "unit_price": Decimal("100")},
        ],
    )
    outcome = checks.check_floor_price(order)
    assert outcome.passed is False
    assert outcome.details == {
        "below": [
            {"line": 2, "product": "PUMP-1", "price": "849.9900", "floor": "850.0000"},
            {"line": 3, "product": "VALVE-1", "price": "100.0000", "floor": "170.0000"},
        ]
    }
    assert checks.describe(CheckCode.FLOOR_PRICE, False, outcome.details) == (
        "Line 2 (PUMP-1): ¥849.99 below the floor price ¥850.00; "
        "Line 3 (VALVE-1): ¥100.00 below the floor price ¥170.00"
    )


# --- payment terms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_method", "order_method", "passed"),
    [
        (SettlementMethod.PREPAYMENT, SettlementMethod.PREPAYMENT, True),
        (SettlementMethod.PREPAYMENT, SettlementMethod.CASH_ON_DELIVERY, False),
        (SettlementMethod.PREPAYMENT, SettlementMethod.MONTHLY, False),
        (SettlementMethod.CASH_ON_DELIVERY, SettlementMethod.PREPAYMENT, True),
        (SettlementMethod.MONTHLY, SettlementMethod.MONTHLY, True),
        (SettlementMethod.MONTHLY, SettlementMethod.CREDIT_TERM, False),
        (SettlementMethod.CREDIT_TERM, SettlementMethod.MONTHLY, True),
    ],
)
def test_payment_method_no_more_generous_than_the_customers(
    rep, customer_method, order_method, passed
):
    customer = CustomerFactory(account_manager=rep, settlement_method=customer_method)
    order = draft_order(rep, customer=customer, settlement_method=order_method)
    outcome = checks.check_payment_terms(order)
    assert (outcome.code, outcome.passed) == (CheckCode.PAYMENT_TERMS, passed)
    assert outcome.details == {
        "order_method": order_method,
        "customer_method": customer_method,
        "credit_days": 0,
        "payment_due_date": "",
        "latest_due_date": "",
    }


def test_payment_terms_describe_names_both_methods(rep):
    customer = CustomerFactory(account_manager=rep)
    order = draft_order(rep, customer=customer, settlement_method=SettlementMethod.MONTHLY)
    outcome = checks.check_payment_terms(order)
    assert checks.describe(CheckCode.PAYMENT_TERMS, outcome.passed, outcome.details) == (
        "Order: Monthly settlement (月结); customer: Prepayment (预付款)."
    )


@pytest.mark.parametrize(("days_after", "passed"), [(30, True), (31, False)])
def test_credit_term_due_date_within_the_credit_days(rep, days_after, passed):
    customer = CustomerFactory(
        account_manager=rep, settlement_method=SettlementMethod.CREDIT_TERM, credit_days=30
    )
    order = draft_order(
        rep,
        customer=customer,
        order_date=MONDAY,
        payment_due_date=MONDAY + dt.timedelta(days=days_after),
    )
    outcome = checks.check_payment_terms(order)
    assert outcome.passed is passed
    assert outcome.details == {
        "order_method": SettlementMethod.CREDIT_TERM,
        "customer_method": SettlementMethod.CREDIT_TERM,
        "credit_days": 30,
        "payment_due_date": (MONDAY + dt.timedelta(days=days_after)).isoformat(),
        "latest_due_date": "2026-04-01",
    }
    assert checks.describe(CheckCode.PAYMENT_TERMS, passed, outcome.details) == (
        "Order: Credit term (账期); customer: Credit term (账期). "
        f"Payment due {outcome.details['payment_due_date']}, latest allowed 2026-04-01."
    )


# --- delivery date ------------------------------------------------------------------------


def mto_order(owner, *, order_date, required_date, cycle=5):
    product = ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=cycle)
    return draft_order(
        owner,
        lines=[{"product": product, "quantity": 1}],
        order_date=order_date,
        required_date=required_date,
    )


@pytest.mark.parametrize(
    ("required", "passed"),
    [(dt.date(2026, 3, 6), False), (dt.date(2026, 3, 9), True), (dt.date(2026, 3, 10), True)],
)
def test_delivery_date_against_the_production_cycle(rep, required, passed):
    order = mto_order(rep, order_date=MONDAY, required_date=required)
    outcome = checks.check_delivery_date(order)
    assert (outcome.code, outcome.passed) == (CheckCode.DELIVERY_DATE, passed)
    # 5 working days after Monday 2 March 2026 is Monday 9 March
    assert outcome.details == {
        "requested": required.isoformat(),
        "earliest": "2026-03-09",
        "cycle_working_days": 5,
    }
    assert checks.describe(CheckCode.DELIVERY_DATE, passed, outcome.details) == (
        f"Requested {required.isoformat()}; earliest possible 2026-03-09 "
        "(5 working days of standard cycle)."
    )


def test_delivery_date_across_national_day(rep):
    order_date = dt.date(2026, 9, 30)
    # National Day 2026: 1-7 October off, Saturday 10 October a make-up working day (调休)
    assert add_working_days(order_date, 3) == dt.date(2026, 10, 10)
    too_early = mto_order(rep, order_date=order_date, required_date=dt.date(2026, 10, 9), cycle=3)
    in_time = mto_order(rep, order_date=order_date, required_date=dt.date(2026, 10, 10), cycle=3)

    early, on_time = checks.check_delivery_date(too_early), checks.check_delivery_date(in_time)

    assert (early.passed, early.details["earliest"]) == (False, "2026-10-10")
    assert (on_time.passed, on_time.details["earliest"]) == (True, "2026-10-10")


def test_the_longest_make_to_order_cycle_counts_and_stock_lines_do_not(rep):
    short = ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=2)
    long = ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=10)
    stock = ProductFactory(supply_mode=SupplyMode.MAKE_TO_STOCK, production_cycle_days=30)
    order = draft_order(
        rep,
        lines=[{"product": p, "quantity": 1} for p in (short, long, stock)],
        order_date=MONDAY,
        required_date=dt.date(2026, 3, 16),
    )
    outcome = checks.check_delivery_date(order)
    assert (outcome.passed, outcome.details["cycle_working_days"]) == (True, 10)
    assert outcome.details["earliest"] == "2026-03-16"


def test_stock_only_order_without_a_date_passes(rep):
    order = draft_order(rep, order_date=MONDAY)
    outcome = checks.check_delivery_date(order)
    assert outcome.passed is True
    assert outcome.details == {"requested": "", "earliest": "2026-03-02", "cycle_working_days": 0}
    assert checks.describe(CheckCode.DELIVERY_DATE, True, outcome.details) == (
        "No delivery date requested; earliest possible 2026-03-02."
    )


def test_promised_date_is_checked_when_no_required_date(rep):
    product = ProductFactory(supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=5)
    order = draft_order(
        rep,
        lines=[{"product": product, "quantity": 1}],
        order_date=MONDAY,
        promised_date=dt.date(2026, 3, 3),
    )
    outcome = checks.check_delivery_date(order)
    assert (outcome.passed, outcome.details["requested"]) == (False, "2026-03-03")


# --- checks in the approval flow ----------------------------------------------------------


def below_floor_order(owner):
    product = ProductFactory(list_price=Decimal("1000"), code="PUMP-9")
    return draft_order(
        owner, lines=[{"product": product, "quantity": 2, "unit_price": Decimal("800")}]
    )


def test_checks_are_computed_for_the_first_step_at_submission(rep):
    order = services.order_submit(order=below_floor_order(rep), actor=rep)
    found = results(order, S.SALES_REVIEW)
    # the sales head's checks: price policy, terms, delivery date (credit is finance's)
    assert {code: passed for code, (passed, _details) in found.items()} == {
        CheckCode.FLOOR_PRICE: False,
        CheckCode.PAYMENT_TERMS: True,
        CheckCode.DELIVERY_DATE: True,
    }
    assert found[CheckCode.FLOOR_PRICE][1]["below"] == [
        {"line": 1, "product": "PUMP-9", "price": "800.0000", "floor": "850.0000"}
    ]
    assert not CheckResult.objects.exclude(step=S.SALES_REVIEW).exists()


def test_checks_are_recomputed_when_the_next_step_opens(rep, sales_head, monthly_customer):
    order = services.order_submit(order=order_for(rep, monthly_customer, "6000.00"), actor=rep)
    sales = results(order, S.SALES_REVIEW)
    assert set(sales) == {CheckCode.FLOOR_PRICE, CheckCode.PAYMENT_TERMS, CheckCode.DELIVERY_DATE}
    # meanwhile another order of the customer is approved
    force_status(order_for(rep, monthly_customer, "5000.00"), S.APPROVED)

    order = services.order_approve(order=order, actor=sales_head)

    finance = results(order, S.FINANCE_REVIEW)
    assert set(finance) == {CheckCode.CREDIT, CheckCode.PAYMENT_TERMS, CheckCode.FLOOR_PRICE}
    assert finance[CheckCode.CREDIT] == (
        False,
        {
            "receivables": "0.00",
            "unsettled_orders": "5000.00",
            "this_order": "6000.00",
            "exposure": "11000.00",
            "credit_limit": "10000.00",
            "prepayment": False,
        },
    )
    assert finance[CheckCode.CREDIT][1]["exposure"] == "11000.00"


def test_approving_over_a_failed_check_without_a_reason_is_refused(rep, sales_head):
    order = services.order_submit(order=below_floor_order(rep), actor=rep)
    events_before = OrderEvent.objects.count()

    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as exc:
            services.order_approve(order=order, actor=sales_head, override_reason=reason)
        assert exc.value.code == ErrorCode.VALIDATION_ERROR
        assert exc.value.fields == {
            "override_reason": ["Required to approve with failed checks (Floor price)."]
        }
        assert exc.value.message == (
            "These checks failed: Floor price. Give a reason to approve anyway."
        )

    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW
    assert OrderEvent.objects.count() == events_before
    assert not ApprovalDecision.objects.exists()
    assert ApprovalRound.objects.get(order=order).outcome == "open"
    assert not CheckResult.objects.filter(step=S.FINANCE_REVIEW).exists()


def test_approving_over_a_failed_check_with_a_reason_records_it(rep, sales_head):
    order = services.order_submit(order=below_floor_order(rep), actor=rep)

    order = services.order_approve(
        order=order, actor=sales_head, comment="同意", override_reason=" 老客户批量折扣 "
    )

    assert order.status == S.FINANCE_REVIEW
    decision = ApprovalDecision.objects.get(order=order)
    assert (
        decision.step,
        decision.decision,
        decision.comment,
        decision.override_reason,
        decision.failed_checks,
    ) == (S.SALES_REVIEW, Decision.APPROVE, "同意", "老客户批量折扣", [CheckCode.FLOOR_PRICE])
    event = decision.event
    assert (event.transition, event.actor, event.comment) == (T.APPROVE, sales_head, "同意")
    assert event.payload == {
        "step": S.SALES_REVIEW,
        "override_reason": "老客户批量折扣",
        "failed_checks": [CheckCode.FLOOR_PRICE],
    }


def test_each_step_overrides_its_own_failed_checks(rep, sales_head, finance):
    order = services.order_submit(order=below_floor_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head, override_reason="特价审批单")
    # the floor price still fails at finance's step: finance needs its own reason
    with pytest.raises(ValidationFailed):
        services.order_approve(order=order, actor=finance)
    assert Order.objects.get(pk=order.pk).status == S.FINANCE_REVIEW
    order = services.order_approve(order=order, actor=finance, override_reason="同意特价")
    assert order.status == S.GM_REVIEW
    assert list(ApprovalDecision.objects.order_by("id").values_list("step", "override_reason")) == [
        (S.SALES_REVIEW, "特价审批单"),
        (S.FINANCE_REVIEW, "同意特价"),
    ]


def test_approving_with_all_checks_passed_needs_no_reason(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head)
    decision = ApprovalDecision.objects.get(order=order)
    assert (decision.failed_checks, decision.override_reason) == ([], "")
    assert decision.event.payload == {"step": S.SALES_REVIEW}


def test_rejecting_needs_no_override_reason(rep, sales_head):
    order = services.order_submit(order=below_floor_order(rep), actor=rep)
    order = services.order_reject(order=order, actor=sales_head, comment="低于限价")
    assert order.status == S.REJECTED
    decision = ApprovalDecision.objects.get(order=order)
    assert (decision.decision, decision.override_reason, decision.failed_checks) == (
        Decision.REJECT,
        "",
        [CheckCode.FLOOR_PRICE],
    )
    assert decision.event.payload == {"step": S.SALES_REVIEW}


def test_an_override_at_the_last_step_approves_the_order(rep, sales_head):
    activate_policy(S.SALES_REVIEW)
    order = services.order_submit(order=below_floor_order(rep), actor=rep)
    order = services.order_approve(order=order, actor=sales_head, override_reason="战略客户")
    assert order.status == S.APPROVED
    assert ApprovalDecision.objects.get(order=order).failed_checks == [CheckCode.FLOOR_PRICE]


# --- describe -----------------------------------------------------------------------------


def all_outcomes(rep):
    customer = CustomerFactory(
        account_manager=rep,
        settlement_method=SettlementMethod.CREDIT_TERM,
        credit_days=30,
        credit_limit=Decimal("100"),
    )
    product = ProductFactory(
        list_price=Decimal("1000"), supply_mode=SupplyMode.MAKE_TO_ORDER, production_cycle_days=5
    )
    order = draft_order(
        rep,
        customer=customer,
        lines=[{"product": product, "quantity": 1, "unit_price": Decimal("800")}],
        order_date=MONDAY,
        required_date=dt.date(2026, 3, 3),
        payment_due_date=dt.date(2026, 5, 1),
    )
    return checks.run_checks(order)


def test_every_failed_check_describes_its_numbers_in_chinese(rep):
    outcomes = all_outcomes(rep)
    assert [(o.code, o.passed) for o in outcomes] == [
        (CheckCode.CREDIT, False),
        (CheckCode.FLOOR_PRICE, False),
        (CheckCode.PAYMENT_TERMS, False),
        (CheckCode.DELIVERY_DATE, False),
    ]
    with translation.override("zh-hans"):
        texts = [checks.describe(o.code, o.passed, o.details) for o in outcomes]
    assert "¥800.00" in texts[0] and "¥100.00" in texts[0]
    assert "¥800.00" in texts[1] and "¥850.00" in texts[1] and "系统限价" in texts[1]
    assert "2026-05-01" in texts[2] and "2026-04-01" in texts[2]
    assert "2026-03-03" in texts[3] and "2026-03-09" in texts[3]
    assert all(text and text.isascii() is False for text in texts)


def test_describe_of_an_unknown_code_is_empty():
    assert checks.describe("unknown", False, {}) == ""


def test_the_override_refusal_reads_in_chinese(rep, sales_head):
    order = services.order_submit(order=below_floor_order(rep), actor=rep)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as exc:
        services.order_approve(order=order, actor=sales_head)
    assert str(exc.value.message).startswith("以下检查未通过：")
    assert exc.value.fields["override_reason"][0].startswith("检查未通过时批准必须填写")
    assert Order.objects.get(pk=order.pk).status == S.SALES_REVIEW
