"""Deviation reports (偏差处理报告) and complaints (投诉), REQUIREMENTS §6: raised on an order with
a cause category and a responsible person, worked on, resolved with the resolution written down.
Serious ones are reported to top management (the general managers are notified)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import outbox
from core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from core.numbering import next_number
from core.roles import Role, has_role
from orders import permissions as order_perms
from orders.enums import OrderStatus
from orders.models import Order

from ..enums import (
    OPEN_DEVIATION,
    DeviationCategory,
    DeviationKind,
    DeviationSeverity,
    DeviationStatus,
)
from ..models import Deviation

D = DeviationStatus
# Allowed status moves; resolving needs the resolution, reopening a reason in the resolution.
MOVES = {
    D.OPEN: (D.IN_PROGRESS, D.RESOLVED),
    D.IN_PROGRESS: (D.RESOLVED,),
    D.RESOLVED: (D.CLOSED, D.IN_PROGRESS),
    D.CLOSED: (),
}
MANAGERS = (Role.SALES_HEAD, Role.GM, Role.ADMIN)


def may_raise_deviation(user, order: Order) -> bool:
    """Anyone working on the order: its rep and the execution, finance and management roles."""
    return order_perms.is_owner(user, order) or has_role(
        user, Role.WAREHOUSE, Role.PRODUCTION, Role.FINANCE, *MANAGERS
    )


def may_work_on(user, deviation: Deviation) -> bool:
    return user.pk in (deviation.owner_id, deviation.raised_by_id) or has_role(user, *MANAGERS)


def _active_user(owner):
    """The active user `owner` names (a user or an id); None for anything else, e.g. "abc"."""
    owner_id = getattr(owner, "pk", owner)
    try:
        owner_id = int(owner_id)
    except (TypeError, ValueError):
        return None
    return get_user_model().objects.filter(pk=owner_id, is_active=True).first()


def _clean(data: dict, errors: dict) -> dict:
    cleaned = {}
    for key, choices in (
        ("kind", DeviationKind),
        ("category", DeviationCategory),
        ("severity", DeviationSeverity),
    ):
        value = data.get(key) or (DeviationSeverity.NORMAL if key == "severity" else "")
        if value not in choices.values:
            errors[key] = [_("Choose a value from the list.")]
        cleaned[key] = value
    for key, limit in (("title", 150), ("description", 5000), ("cause", 5000)):
        cleaned[key] = (data.get(key) or "").strip()
        if len(cleaned[key]) > limit:
            errors[key] = [_("At most %(n)s characters.") % {"n": limit}]
    for key in ("title", "description"):
        if not cleaned[key]:
            errors.setdefault(key, [_("This field is required.")])
    user = _active_user(data.get("owner"))
    if user is None:
        errors["owner"] = [_("Choose the person responsible.")]
    cleaned["owner"] = user
    return cleaned


def _refuse_archived(order: Order) -> None:
    if order.status == OrderStatus.ARCHIVED:
        raise InvalidTransition(
            _("The order is archived: its records can no longer change."),
            extra={"status": order.status},
        )


def deviation_create(*, order: Order, actor, **data) -> Deviation:
    if not may_raise_deviation(actor, order):
        raise PermissionDenied()
    _refuse_archived(order)
    errors: dict = {}
    cleaned = _clean(data, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        deviation = Deviation.objects.create(
            number=next_number("DV", timezone.localdate()),
            order=order,
            raised_by=actor,
            **cleaned,
        )
        outbox.enqueue("fulfillment.deviation_changed", deviation_id=deviation.pk)
    return deviation


def deviation_update(
    *, deviation: Deviation, actor, status: str = "", resolution=None, cause=None, owner=None
) -> Deviation:
    """Move the status on, write the cause analysis and resolution, hand it to someone else."""
    with transaction.atomic():
        locked = Deviation.objects.select_for_update().select_related("order").get(pk=deviation.pk)
        if not may_work_on(actor, locked):
            raise PermissionDenied()
        _refuse_archived(locked.order)
        if locked.status == D.CLOSED:
            raise InvalidTransition(_("This report is closed."), extra={"status": locked.status})
        errors = {}
        if resolution is not None:
            locked.resolution = str(resolution).strip()
        if cause is not None:
            locked.cause = str(cause).strip()
        if owner is not None:
            user = _active_user(owner)
            if user is None:
                errors["owner"] = [_("Choose the person responsible.")]
            else:
                locked.owner = user
        previous = locked.status
        if status and status != locked.status:
            if status not in MOVES.get(locked.status, ()):
                errors["status"] = [
                    _("A report that is “%(status)s” cannot move to that status.")
                    % {"status": locked.get_status_display()}
                ]
            elif (
                status == D.CLOSED
                and not has_role(actor, *MANAGERS)
                and (actor.pk != locked.raised_by_id)
            ):
                errors["status"] = [_("Only whoever raised it or a manager closes a report.")]
            else:
                locked.status = status
        if locked.status in (D.RESOLVED, D.CLOSED) and not locked.resolution:
            errors["resolution"] = [_("Write down the resolution.")]
        if errors:
            raise ValidationFailed(fields=errors)
        if locked.status in (D.RESOLVED, D.CLOSED) and previous in OPEN_DEVIATION:
            locked.resolved_at = timezone.now()
        elif locked.status in OPEN_DEVIATION:
            locked.resolved_at = None
        locked.save()
        if locked.status != previous or owner is not None:
            outbox.enqueue("fulfillment.deviation_changed", deviation_id=locked.pk)
    return locked
