"""Alert recipients and messages, acknowledgement, and reads for pages and the API."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, PermissionDenied
from core.notifications import users_with_roles
from core.roles import Role, has_role, sees_all_records
from orders.models import ChangeRequest
from orders.permissions import STEP_ROLE

from ..enums import OPEN_ALERTS, OWNER, AlertStatus, RuleCode
from ..models import Alert

STEP = "step"  # the role deciding the watched review step or change-request step


def _role_user_ids(roles) -> set[int]:
    roles = [r for r in roles if r not in (OWNER, STEP)]
    if not roles:
        return set()
    return set(users_with_roles(*roles).values_list("pk", flat=True))


def alert_recipients(alert: Alert, roles: list[str]) -> set[int]:
    ids = _role_user_ids(roles)
    if OWNER in roles:
        ids.add(alert.order.owner_id)
    if STEP in roles:
        step = alert.key
        if alert.rule.code == RuleCode.CHANGE_REQUEST and alert.key.startswith("cr"):
            request = ChangeRequest.objects.filter(pk=alert.key[2:]).first()
            step = request.current_step if request else ""
        role = STEP_ROLE.get(step)
        if role:
            ids |= _role_user_ids([role])
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
        messages.append(
            (alert_recipients(alert, roles), subject, body, f"/orders/{alert.order_id}/", key)
        )
    return messages


def may_see_all_alerts(user) -> bool:
    return sees_all_records(user)


def alert_list(*, user, filters: dict | None = None) -> QuerySet[Alert]:
    """Open alerts by default; reps see those of their own orders. Filters: status ("all"),
    rule, order, overdue_only."""
    filters = filters or {}
    qs = Alert.objects.select_related("rule", "order", "order__customer", "order__owner")
    if not may_see_all_alerts(user):
        qs = qs.filter(order__owner=user)
    status = filters.get("status") or "open"
    if status == "open":
        qs = qs.filter(status__in=OPEN_ALERTS)
    elif status in AlertStatus.values:
        qs = qs.filter(status=status)
    if filters.get("rule"):
        qs = qs.filter(rule__code=filters["rule"])
    if filters.get("order"):
        qs = qs.filter(order_id=filters["order"])
    return qs.order_by("due_at", "id")


def alert_acknowledge(*, alert: Alert, actor) -> Alert:
    """Someone responsible says they are on it: no escalation; the alert still resolves by
    itself when its condition clears."""
    with transaction.atomic():
        locked = Alert.objects.select_for_update().select_related("rule", "order").get(pk=alert.pk)
        allowed = alert_recipients(locked, locked.rule.alert_roles + locked.rule.escalate_roles)
        if actor.pk not in allowed and not has_role(actor, Role.ADMIN):
            raise PermissionDenied()
        if locked.status != AlertStatus.OPEN:
            raise InvalidTransition(
                _("This alert is “%(status)s”.") % {"status": locked.get_status_display()}
            )
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor
        locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return locked
