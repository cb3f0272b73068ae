"""Alert recipients and messages, acknowledgement, and reads for pages and the API."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.calendar import is_working_day, working_hours_between
from core.errors import InvalidTransition, NotFound, PermissionDenied
from core.notifications import users_with_roles
from core.roles import Role, sees_all_records, user_roles
from orders.enums import ChangeRequestStatus, OrderStatus
from orders.models import ChangeRequest
from orders.permissions import STEP_ROLE

from ..enums import OPEN_ALERTS, OWNER, AlertStatus, OffsetUnit, RuleCode
from ..models import Alert, DeadlineRule

STEP = "step"  # the role deciding the watched review step or change-request step
# Rules whose alerts watch a review step or a change request's step ("step" makes sense).
STEP_RULES = (RuleCode.APPROVAL_STEP, RuleCode.CHANGE_REQUEST)
# The status filter's values besides the statuses: "open" covers open and acknowledged.
STATUS_FILTERS = ("open", "unacknowledged", "acknowledged", "resolved", "all")
UNACKNOWLEDGED = "unacknowledged"
# Names a rule may alert or escalate to: the roles, the order's rep, the step's approver.
AUDIENCE_NAMES = (*Role.values, OWNER, STEP)


# --- who is alerted ------------------------------------------------------------------------------
def _role_user_ids(roles, cache: dict | None = None) -> set[int]:
    roles = tuple(sorted(r for r in roles if r not in (OWNER, STEP)))
    if not roles:
        return set()
    if cache is not None and roles in cache:
        return cache[roles]
    ids = set(users_with_roles(*roles).values_list("pk", flat=True))
    if cache is not None:
        cache[roles] = ids
    return ids


def _alert_step(alert: Alert) -> str:
    """The review step (an order status) an approval-step or change-request alert is about."""
    if alert.rule.code == RuleCode.APPROVAL_STEP:
        return alert.key
    if alert.rule.code == RuleCode.CHANGE_REQUEST and alert.key.startswith("cr"):
        request = ChangeRequest.objects.filter(pk=alert.key[2:]).only("current_step").first()
        return request.current_step if request else ""
    return ""


def alert_recipients(alert: Alert, roles: list[str], cache: dict | None = None) -> set[int]:
    ids = set(_role_user_ids(roles, cache))
    if OWNER in roles:
        ids.add(alert.order.owner_id)
    if STEP in roles:
        role = STEP_ROLE.get(_alert_step(alert))
        if role:
            ids |= _role_user_ids([role], cache)
    return ids


def describe(alert: Alert) -> str:
    """One line saying what is late, for notifications and lists."""
    details = {
        "order": alert.order.number,
        "rule": alert.rule.get_code_display(),
        "due": timezone.localtime(alert.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    return _("%(order)s: %(rule)s — due %(due)s") % details


def alert_messages(alert_ids, *, escalation: bool) -> list[tuple]:
    alerts = Alert.objects.filter(pk__in=alert_ids, status__in=OPEN_ALERTS).select_related(
        "rule", "order", "order__customer"
    )
    cache: dict = {}  # role names -> user ids, read once per task
    messages = []
    for alert in alerts:
        roles = alert.rule.escalate_roles if escalation else alert.rule.alert_roles
        subject = (
            _("Escalated: %(what)s") % {"what": describe(alert)}
            if escalation
            else _("Deadline: %(what)s") % {"what": describe(alert)}
        )
        body = "\n".join(
            [
                _("Order: %(number)s") % {"number": alert.order.number},
                _("Customer: %(customer)s") % {"customer": alert.order.customer.name},
                alert.rule.description,
            ]
        )
        key = f"alert-{alert.pk}-{'escalated' if escalation else 'raised'}"
        link = reverse("orders:detail", args=[alert.order_id])
        messages.append((alert_recipients(alert, roles, cache), subject, body, link, key))
    return messages


# --- who may do what -----------------------------------------------------------------------------
def may_see_all_alerts(user) -> bool:
    return sees_all_records(user)


def addressed_to(user, alert: Alert, *, step: str | None = None) -> bool:
    """Whether the rule alerts or escalates to this user (or they are an administrator).
    `step`: the watched step when the caller knows it (lists read them at once)."""
    if user is None or not user.is_authenticated:
        return False
    roles = user_roles(user)
    if Role.ADMIN in roles:
        return True
    named = set(alert.rule.alert_roles) | set(alert.rule.escalate_roles)
    if named & roles:
        return True
    if OWNER in named and alert.order.owner_id == user.pk:
        return True
    if STEP in named:
        return STEP_ROLE.get(_alert_step(alert) if step is None else step) in roles
    return False


def may_acknowledge(user, alert: Alert, *, step: str | None = None) -> bool:
    """The people the rule alerts or escalates to (and administrators) acknowledge an open
    alert."""
    return alert.status == AlertStatus.OPEN and addressed_to(user, alert, step=step)


def _change_request_steps(alerts) -> dict[str, str]:
    """{alert key: current step} of the change requests the alerts watch, in one query."""
    ids = [
        a.key[2:]
        for a in alerts
        if a.rule.code == RuleCode.CHANGE_REQUEST and a.key.startswith("cr") and a.key[2:].isdigit()
    ]
    if not ids:
        return {}
    rows = ChangeRequest.objects.filter(pk__in=ids).values_list("pk", "current_step")
    return {f"cr{pk}": step for pk, step in rows}


def alerts_prepare(user, alerts, now: dt.datetime | None = None) -> list[Alert]:
    """Set `late_hours` (working hours past due, open alerts), `may_acknowledge` and
    `step_label` (the review step an approval alert waits on) on each alert of a page, in at
    most one query whatever the page holds."""
    alerts = list(alerts)
    now = now or timezone.now()
    steps = _change_request_steps(alerts)
    for alert in alerts:
        step = steps.get(alert.key, "") if alert.rule.code == RuleCode.CHANGE_REQUEST else alert.key
        alert.late_hours = (
            round(max(working_hours_between(alert.due_at, now), 0.0), 1)
            if alert.status in OPEN_ALERTS
            else None
        )
        alert.may_acknowledge = may_acknowledge(user, alert, step=step)
        alert.step_label = (
            str(OrderStatus(alert.key).label)
            if alert.rule.code == RuleCode.APPROVAL_STEP and alert.key in OrderStatus.values
            else ""
        )
    return alerts


# --- reading -------------------------------------------------------------------------------------
def _visible(user) -> QuerySet[Alert]:
    """Every alert for those who see every order; a rep's own orders' alerts otherwise."""
    qs = Alert.objects.all()
    if not may_see_all_alerts(user):
        qs = qs.filter(order__owner=user)
    return qs


def _responsible(user) -> Q:
    """Alerts the rule addresses to this user: by role, as the order's rep, or as the approver
    of the watched step (one query for the rules)."""
    roles = user_roles(user)
    whole_rules, q = [], Q(pk__in=[])
    steps = [status for status, role in STEP_ROLE.items() if role in roles]
    for rule in DeadlineRule.objects.only("pk", "code", "alert_roles", "escalate_roles"):
        named = set(rule.alert_roles) | set(rule.escalate_roles)
        if named & roles:
            whole_rules.append(rule.pk)
            continue
        if OWNER in named:
            q |= Q(rule=rule, order__owner=user)
        if STEP in named and steps:
            if rule.code == RuleCode.APPROVAL_STEP:
                q |= Q(rule=rule, key__in=steps)
            elif rule.code == RuleCode.CHANGE_REQUEST:
                keys = (
                    ChangeRequest.objects.filter(
                        status=ChangeRequestStatus.PENDING, current_step__in=steps
                    )
                    .annotate(alert_key=Concat(Value("cr"), Cast("pk", CharField())))
                    .values("alert_key")
                )
                q |= Q(rule=rule, key__in=keys)
    return q | Q(rule__in=whole_rules)


def working_moment_before(now: dt.datetime, hours: float) -> dt.datetime:
    """The moment `hours` working hours before `now` (hours >= 0): what is due by then is
    overdue by at least that much."""
    if hours <= 0:
        return now
    tz = timezone.get_default_timezone()
    start = dt.time.fromisoformat(settings.WORKING_HOURS_START)
    end = dt.time.fromisoformat(settings.WORKING_HOURS_END)
    remaining = dt.timedelta(hours=hours)
    local = timezone.localtime(now, tz)
    day = local.date()
    cursor = None
    if is_working_day(day) and local > dt.datetime.combine(day, start, tz):
        cursor = min(local, dt.datetime.combine(day, end, tz))
    while True:
        if cursor is None:
            day -= dt.timedelta(days=1)
            while not is_working_day(day):
                day -= dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, end, tz)
        available = cursor - dt.datetime.combine(day, start, tz)
        if remaining <= available:
            return cursor - remaining
        remaining -= available
        cursor = None


def alert_list(*, user, filters: dict | None = None) -> QuerySet[Alert]:
    """Open alerts by default; reps see those of their own orders. Filters: status ("open":
    open or acknowledged, "unacknowledged", "acknowledged", "resolved", "all"), rule (code),
    order (id), overdue_hours (overdue by at least that many working hours), mine (addressed
    to the user), escalated."""
    filters = filters or {}
    qs = _visible(user).select_related(
        "rule", "order", "order__customer", "order__owner", "acknowledged_by"
    )
    status = filters.get("status") or "open"
    if status == "open":
        qs = qs.filter(status__in=OPEN_ALERTS)
    elif status == UNACKNOWLEDGED:
        qs = qs.filter(status=AlertStatus.OPEN)
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if filters.get("rule"):
        qs = qs.filter(rule__code=filters["rule"])
    if filters.get("order"):
        qs = qs.filter(order_id=filters["order"])
    if filters.get("overdue_hours"):
        qs = qs.filter(due_at__lte=working_moment_before(timezone.now(), filters["overdue_hours"]))
    if filters.get("mine"):
        qs = qs.filter(_responsible(user))
    if filters.get("escalated"):
        qs = qs.filter(escalated_at__isnull=False)
    return qs.order_by("due_at", "id")


def alert_get(*, user, alert_id) -> Alert:
    alert = (
        _visible(user)
        .select_related("rule", "order", "order__customer", "order__owner", "acknowledged_by")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(_("No such alert."))
    return alert


def alert_counts(user) -> dict[str, int]:
    """The dashboard's figures, in one query: open alerts the user sees, and how many of them
    were escalated."""
    is_open = Q(status__in=OPEN_ALERTS)
    return _visible(user).aggregate(
        open=Count("pk", filter=is_open),
        escalated=Count("pk", filter=is_open & Q(escalated_at__isnull=False)),
    )


def order_open_alerts(order) -> list[Alert]:
    """The order's open alerts, for its page (one query)."""
    return list(
        Alert.objects.filter(order=order, status__in=OPEN_ALERTS)
        .select_related("rule", "order", "acknowledged_by")
        .order_by("due_at", "id")
    )


# --- describing rules ----------------------------------------------------------------------------
def _span(n: int, unit: str) -> str:
    if unit == OffsetUnit.WORKING_HOURS:
        return ngettext("%(n)s working hour", "%(n)s working hours", n) % {"n": n}
    if unit == OffsetUnit.WORKING_DAYS:
        return ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}
    if unit == OffsetUnit.HOURS:
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    return ngettext("%(n)s calendar day", "%(n)s calendar days", n) % {"n": n}


def _anchors() -> dict[str, str]:
    return {
        RuleCode.APPROVAL_STEP: _("the order reaches the step"),
        RuleCode.CHANGE_REQUEST: _("the request is made"),
        RuleCode.PRODUCTION_INSTRUCTION: _("the final approval"),
        RuleCode.FOLLOW_UP: _("the promised date"),
        RuleCode.SHIPMENT_OVERDUE: _("the promised date"),
        RuleCode.RECEIPT_MISSING: _("the ship date"),
        RuleCode.CUSTOMER_FEEDBACK: _("delivery"),
        RuleCode.INVOICE_DUE: _("each shipment"),
        RuleCode.PAYMENT_OVERDUE: _("the invoice's due date"),
    }


def audience_label(name: str) -> str:
    if name == OWNER:
        return _("the order's sales rep")
    if name == STEP:
        return _("the approver of the step")
    return str(Role(name).label) if name in Role.values else name


def rule_summary(rule: DeadlineRule) -> str:
    """The rule in one readable sentence: when it is due, who is alerted, who is escalated to."""
    anchor = _anchors().get(rule.code, rule.code)
    if rule.offset > 0:
        when = _("Due %(span)s after %(anchor)s.") % {
            "span": _span(rule.offset, rule.offset_unit),
            "anchor": anchor,
        }
    elif rule.offset < 0:
        when = _("Due %(span)s before %(anchor)s.") % {
            "span": _span(-rule.offset, rule.offset_unit),
            "anchor": anchor,
        }
    else:
        when = _("Due at %(anchor)s.") % {"anchor": anchor}
    alerted = ", ".join(audience_label(n) for n in rule.alert_roles) or _("nobody")
    parts = [when, _("Alerts %(who)s.") % {"who": alerted}]
    if rule.escalate_roles:
        parts.append(
            ngettext(
                "Escalates to %(who)s %(n)s working hour past due.",
                "Escalates to %(who)s %(n)s working hours past due.",
                rule.escalate_after,
            )
            % {
                "who": ", ".join(audience_label(n) for n in rule.escalate_roles),
                "n": rule.escalate_after,
            }
        )
    else:
        parts.append(_("No escalation."))
    if not rule.is_active:
        parts.append(_("Inactive."))
    return " ".join(parts)


# --- writing -------------------------------------------------------------------------------------
def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    """Someone responsible says they are on it: no escalation; the alert still resolves by
    itself when its condition clears."""
    with transaction.atomic():
        locked = (
            Alert.objects.select_for_update(of=("self",))
            .select_related("rule", "order")
            .get(pk=alert.pk)
        )
        visible = may_see_all_alerts(actor) or locked.order.owner_id == actor.pk
        if not visible or not addressed_to(actor, locked):
            raise PermissionDenied(
                _("Only the people this rule alerts or escalates to can acknowledge it.")
            )
        if locked.status != AlertStatus.OPEN:
            raise InvalidTransition(
                _("This alert is “%(status)s”.") % {"status": locked.get_status_display()},
                extra={"status": locked.status},
            )
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return locked
