"""The execution plan (执行计划, REQUIREMENTS §6, 000 D21) in working days, across the 2026
Spring Festival and National Day holidays and their make-up working days (调休)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.errors import PermissionDenied, ValidationFailed
from fulfillment.enums import CycleKey
from fulfillment.models import ExecutionPlan, StandardCycle
from fulfillment.services.plan import plan_dates, plan_record_actual, plan_update, standard_cycles
from orders.models import Order
from orders.permissions import STEP_ROLE
from orders.services.change_requests import change_request_create, change_request_decide
from orders.tests.helpers import draft_order
from tests.factories import CustomerFactory, UserFactory

from .conftest import approve_fully

pytestmark = pytest.mark.django_db

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
PLANNED = (
    "planned_survey",
    "planned_into_stock",
    "planned_ship",
    "planned_arrival",
    "planned_installation",
    "planned_acceptance",
)


def planned(plan) -> dict:
    return {name.removeprefix("planned_"): getattr(plan, name) for name in PLANNED}


def an_order(rep, mts, **header):
    customer = CustomerFactory(account_manager=rep, settlement_method="monthly")
    return draft_order(
        rep,
        customer=customer,
        lines=[{"product": mts, "quantity": Decimal("1"), "unit_price": mts.list_price}],
        **header,
    )


def test_the_cycles_seeded_by_the_migration():
    assert standard_cycles() == {
        "survey": 7,
        "transport_express": 3,
        "transport_truckload": 4,
        "transport_air": 2,
        "transport_road": 5,
        "transport_pickup": 1,
        "installation": 5,
        "acceptance": 10,
    }
    assert StandardCycle.objects.count() == 8


def test_plan_across_spring_festival(rep, mts):
    # Tuesday 10 February 2026; holidays 15–23 February; Saturdays 14 and 28 February worked.
    order = an_order(
        rep, mts, order_date=D(2026, 2, 10), required_date=D(2026, 2, 27), delivery_method="road"
    )

    plan = plan_update(order=order)

    assert planned(plan) == {
        "survey": D(2026, 2, 26),  # 11, 12, 13, 14 (Sat), 24, 25, 26
        "into_stock": D(2026, 2, 13),  # 5 working days back from the 27th: 26, 25, 24, 14, 13
        "ship": D(2026, 2, 14),  # the make-up Saturday
        "arrival": D(2026, 2, 27),
        "installation": D(2026, 3, 5),  # 28 (Sat), 2, 3, 4, 5 March
        "acceptance": D(2026, 3, 19),  # 6, 9–13, 16–19
    }
    assert ExecutionPlan.objects.get(order=order) == plan


def test_plan_across_national_day(rep, mts):
    # Monday 21 September 2026; holidays 25–27 September and 1–7 October; Saturday 10 October
    # is worked.
    order = an_order(
        rep,
        mts,
        order_date=D(2026, 9, 21),
        required_date=D(2026, 10, 12),
        delivery_method="express",
    )

    plan = plan_update(order=order)

    assert planned(plan) == {
        "survey": D(2026, 10, 8),  # 22, 23, 24, 28, 29, 30 September, 8 October
        "into_stock": D(2026, 10, 8),  # 3 back from the 12th: 10 (Sat), 9, 8
        "ship": D(2026, 10, 9),
        "arrival": D(2026, 10, 12),
        "installation": D(2026, 10, 19),
        "acceptance": D(2026, 11, 2),
    }


def test_ship_is_never_after_the_arrival(rep, mts):
    # Customer pickup on a holiday: into stock the working day before, ship not after arrival.
    order = an_order(
        rep, mts, order_date=D(2026, 9, 21), required_date=D(2026, 10, 4), delivery_method="pickup"
    )
    plan = plan_update(order=order)
    assert (plan.planned_into_stock, plan.planned_ship, plan.planned_arrival) == (
        D(2026, 9, 30),
        D(2026, 10, 4),
        D(2026, 10, 4),
    )


@pytest.mark.parametrize(
    "method, into_stock",
    [
        ("express", D(2026, 11, 25)),
        ("truckload", D(2026, 11, 24)),
        ("air", D(2026, 11, 26)),
        ("road", D(2026, 11, 23)),
        ("pickup", D(2026, 11, 27)),
    ],
)
def test_the_transport_cycle_follows_the_delivery_method(rep, mts, method, into_stock):
    order = an_order(
        rep, mts, order_date=D(2026, 11, 2), required_date=D(2026, 11, 30), delivery_method=method
    )
    assert plan_update(order=order).planned_into_stock == into_stock


def test_the_promised_date_stands_in_for_a_missing_required_date(rep, mts):
    order = an_order(rep, mts, order_date=D(2026, 11, 2), promised_date=D(2026, 11, 30))
    assert plan_update(order=order).planned_arrival == D(2026, 11, 30)


def test_without_any_delivery_date_only_the_survey_is_planned(rep, mts):
    order = an_order(rep, mts, order_date=D(2026, 11, 2))
    plan = plan_update(order=order)
    assert planned(plan) == {
        "survey": D(2026, 11, 11),
        "into_stock": None,
        "ship": None,
        "arrival": None,
        "installation": None,
        "acceptance": None,
    }


def test_an_unknown_transport_mode_counts_as_road_freight(rep, mts):
    order = an_order(rep, mts, order_date=D(2026, 11, 2), required_date=D(2026, 11, 30))
    order.delivery_method = "boat"
    assert plan_dates(order, standard_cycles())["planned_into_stock"] == D(2026, 11, 23)


def test_standard_cycle_edits_take_effect(rep, mts):
    order = an_order(
        rep, mts, order_date=D(2026, 11, 2), required_date=D(2026, 11, 30), delivery_method="road"
    )
    plan_update(order=order)

    StandardCycle.objects.filter(key=CycleKey.SURVEY).update(working_days=3)
    StandardCycle.objects.filter(key=CycleKey.TRANSPORT_ROAD).update(working_days=10)
    StandardCycle.objects.filter(key=CycleKey.ACCEPTANCE).update(working_days=1)
    plan = plan_update(order=order)

    assert (plan.planned_survey, plan.planned_into_stock, plan.planned_acceptance) == (
        D(2026, 11, 5),
        D(2026, 11, 16),
        D(2026, 12, 8),  # installation 7 December + 1
    )


def test_a_deleted_cycle_falls_back_to_its_default(rep, mts):
    StandardCycle.objects.filter(key=CycleKey.INSTALLATION).delete()
    assert standard_cycles()["installation"] == 5


# --- actual dates ---------------------------------------------------------------------------
def test_the_actual_arrival_moves_installation_and_acceptance(rep, mts):
    order = an_order(
        rep, mts, order_date=D(2026, 2, 10), required_date=D(2026, 2, 27), delivery_method="road"
    )
    plan_update(order=order)

    plan = plan_update(order=order, actual_arrival=D(2026, 3, 2))

    assert plan.actual_arrival == D(2026, 3, 2)
    assert plan.planned_arrival == D(2026, 2, 27)  # the plan keeps the market's date
    assert (plan.planned_installation, plan.planned_acceptance) == (D(2026, 3, 9), D(2026, 3, 23))


@pytest.mark.parametrize("who", ["owner", "warehouse", "production", "sales_head", "admin_user"])
def test_recording_the_actual_installation(rep, mts, request, who):
    order = an_order(
        rep, mts, order_date=D(2026, 2, 10), required_date=D(2026, 2, 27), delivery_method="road"
    )
    plan_update(order=order)
    actor = rep if who == "owner" else request.getfixturevalue(who)

    plan = plan_record_actual(order=order, actor=actor, milestone="installation", day=D(2026, 3, 2))

    assert plan.actual_installation == D(2026, 3, 2)
    assert plan.planned_installation == D(2026, 3, 5)
    assert plan.planned_acceptance == D(2026, 3, 16)  # from the actual installation


def test_recording_survey_and_acceptance(rep, mts):
    order = an_order(rep, mts, order_date=D(2026, 2, 10), required_date=D(2026, 2, 27))
    plan_record_actual(order=order, actor=rep, milestone="survey", day=D(2026, 2, 12))
    plan = plan_record_actual(order=order, actor=rep, milestone="acceptance", day=D(2026, 3, 20))
    assert (plan.actual_survey, plan.actual_acceptance) == (D(2026, 2, 12), D(2026, 3, 20))


def plan_row(order):
    return list(ExecutionPlan.objects.filter(order=order).values())


@pytest.mark.parametrize(
    "milestone, day, field, message",
    [
        ("ship", D(2026, 3, 2), "milestone", "Choose survey, installation or acceptance."),
        ("arrival", D(2026, 3, 2), "milestone", "Choose survey, installation or acceptance."),
        ("into_stock", D(2026, 3, 2), "milestone", "Choose survey, installation or acceptance."),
        ("", D(2026, 3, 2), "milestone", "Choose survey, installation or acceptance."),
        ("installation", "2026-03-02", "day", "Enter the date as YYYY-MM-DD."),
        ("installation", None, "day", "Enter the date as YYYY-MM-DD."),
        ("installation", "future", "day", "An actual date cannot be in the future."),
        ("installation", D(2026, 2, 9), "day", "The date is before the order date."),
    ],
)
def test_plan_record_actual_refusals(rep, mts, milestone, day, field, message):
    order = an_order(rep, mts, order_date=D(2026, 2, 10), required_date=D(2026, 2, 27))
    plan_update(order=order)
    before = plan_row(order)
    if day == "future":
        from django.utils import timezone

        day = timezone.localdate() + dt.timedelta(days=1)

    with pytest.raises(ValidationFailed) as info:
        plan_record_actual(order=order, actor=rep, milestone=milestone, day=day)

    assert info.value.fields == {field: [message]}
    assert plan_row(order) == before


@pytest.mark.parametrize("who", ["other_rep", "finance", "gm"])
def test_plan_record_actual_permission(rep, mts, request, who):
    order = an_order(rep, mts, order_date=D(2026, 2, 10), required_date=D(2026, 2, 27))
    plan_update(order=order)
    before = plan_row(order)
    with pytest.raises(PermissionDenied):
        plan_record_actual(
            order=order,
            actor=request.getfixturevalue(who),
            milestone="installation",
            day=D(2026, 3, 2),
        )
    assert plan_row(order) == before


# --- through the order's life -------------------------------------------------------------------
def decide_all(request):
    """Approve every step of a change request with a fresh approver of the step's role."""
    while request.status == "pending":
        approver = UserFactory(roles=[STEP_ROLE[request.current_step]])
        request = change_request_decide(request=request, actor=approver, approve=True)
    return request


def test_approval_plans_and_a_changed_required_date_moves_every_date(rep, warehouse, mts):
    from fulfillment.services import stock_receive

    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI), tick=False):
        stock_receive(product=mts, quantity=Decimal("5"), actor=warehouse)
        order = approve_fully(an_order(rep, mts, required_date=D(2026, 12, 1)))
        plan = ExecutionPlan.objects.get(order=order)
        assert planned(plan) == {
            "survey": D(2026, 12, 2),
            "into_stock": D(2026, 11, 24),
            "ship": D(2026, 11, 25),
            "arrival": D(2026, 12, 1),
            "installation": D(2026, 12, 8),
            "acceptance": D(2026, 12, 22),
        }

        request = change_request_create(
            order=order,
            actor=rep,
            kind="change",
            reason="客户工地推迟",
            header={"required_date": D(2026, 12, 4)},
        )
        assert decide_all(request).status == "approved"

    order = Order.objects.get(pk=order.pk)
    assert order.required_date == D(2026, 12, 4)
    plan = ExecutionPlan.objects.get(order=order)
    assert planned(plan) == {
        "survey": D(2026, 12, 2),
        "into_stock": D(2026, 11, 27),
        "ship": D(2026, 11, 30),
        "arrival": D(2026, 12, 4),
        "installation": D(2026, 12, 11),
        "acceptance": D(2026, 12, 25),
    }
