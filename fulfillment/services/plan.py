"""The execution plan (执行计划, REQUIREMENTS §6, 000 D21), in working days:

    site survey   = order date + survey cycle
    into stock    = required arrival − transport cycle (by the order's transport mode)
    ship          = into stock + 1 working day (goods checked, shipping instruction a day ahead),
                    never after the arrival
    arrival       = the required arrival date (the market's date always rules)
    installation  = arrival (the actual one once known) + installation cycle
    acceptance    = installation (actual once known) + acceptance cycle

Moving the required arrival date moves every plan date; actual dates are recorded as they
happen (into stock, ship, arrival automatically; survey, installation, acceptance by hand).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import add_working_days
from core.errors import PermissionDenied, ValidationFailed
from core.roles import Role, has_role
from orders import permissions as order_perms
from orders.models import Order

from ..enums import DEFAULT_CYCLES, CycleKey
from ..models import ExecutionPlan, StandardCycle

MANUAL_MILESTONES = ("survey", "installation", "acceptance")


def standard_cycles() -> dict[str, int]:
    cycles = {str(key): days for key, days in DEFAULT_CYCLES.items()}
    cycles.update(StandardCycle.objects.values_list("key", "working_days"))
    return cycles


def transport_cycle(cycles: dict[str, int], delivery_method: str) -> int:
    return cycles.get(f"transport_{delivery_method}", cycles[CycleKey.TRANSPORT_ROAD])


def plan_dates(order: Order, cycles: dict[str, int], actual: dict | None = None) -> dict:
    """The planned_* dates for `order` (pure: no writes). `actual` holds the actual_* dates
    known so far; installation follows the actual arrival, acceptance the actual installation."""
    actual = actual or {}
    planned = dict.fromkeys(
        (
            "planned_survey",
            "planned_into_stock",
            "planned_ship",
            "planned_arrival",
            "planned_installation",
            "planned_acceptance",
        )
    )
    planned["planned_survey"] = add_working_days(order.order_date, cycles[CycleKey.SURVEY])
    arrival = order.required_date or order.promised_date
    if arrival is None:
        return planned
    into_stock = add_working_days(arrival, -transport_cycle(cycles, order.delivery_method))
    planned["planned_arrival"] = arrival
    planned["planned_into_stock"] = into_stock
    planned["planned_ship"] = min(add_working_days(into_stock, 1), arrival)
    installed_from = actual.get("actual_arrival") or arrival
    installation = add_working_days(installed_from, cycles[CycleKey.INSTALLATION])
    planned["planned_installation"] = installation
    accepted_from = actual.get("actual_installation") or installation
    planned["planned_acceptance"] = add_working_days(accepted_from, cycles[CycleKey.ACCEPTANCE])
    return planned


def plan_update(*, order: Order, **actual) -> ExecutionPlan:
    """(Re)compute the plan of `order`, recording any actual_<milestone>=date given."""
    with transaction.atomic():
        plan, _created = ExecutionPlan.objects.select_for_update().get_or_create(order=order)
        for name, value in actual.items():
            setattr(plan, name, value)
        known = {f: getattr(plan, f) for f in ("actual_arrival", "actual_installation")}
        for name, value in plan_dates(order, standard_cycles(), known).items():
            setattr(plan, name, value)
        plan.save()
    return plan


def may_record_milestone(user, order: Order) -> bool:
    return order_perms.is_owner(user, order) or has_role(
        user, Role.WAREHOUSE, Role.PRODUCTION, Role.SALES_HEAD, Role.ADMIN
    )


def plan_record_actual(*, order: Order, actor, milestone: str, day: dt.date) -> ExecutionPlan:
    """Record the actual site survey, installation or acceptance date (engineering's report)."""
    if not may_record_milestone(actor, order):
        raise PermissionDenied()
    if milestone not in MANUAL_MILESTONES:
        raise ValidationFailed(
            fields={"milestone": [_("Choose survey, installation or acceptance.")]}
        )
    if not isinstance(day, dt.date):
        raise ValidationFailed(fields={"day": [_("Enter the date as YYYY-MM-DD.")]})
    if day > timezone.localdate():
        raise ValidationFailed(fields={"day": [_("An actual date cannot be in the future.")]})
    if day < order.order_date:
        raise ValidationFailed(fields={"day": [_("The date is before the order date.")]})
    return plan_update(order=order, **{f"actual_{milestone}": day})
