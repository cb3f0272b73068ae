"""Writes of the approvals app that are not order transitions: delegations and the policy.
Decisions themselves go through orders.services (order_approve / order_reject)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.roles import Role, has_role, user_roles
from orders.permissions import STEP_ROLE

from .models import ApprovalPolicy, Delegation

APPROVER_ROLES = frozenset(STEP_ROLE.values())


def delegation_create(
    *,
    actor,
    delegate,
    start_date: dt.date,
    end_date: dt.date,
    reason: str = "",
    approver=None,
) -> Delegation:
    """An approver names a stand-in for a date range; an admin may do it for any approver."""
    approver = approver or actor
    if approver != actor and not has_role(actor, Role.ADMIN):
        raise PermissionDenied(_("You may only delegate your own approvals."))
    if not (set(user_roles(approver)) & APPROVER_ROLES):
        raise PermissionDenied(_("Only approvers can delegate approvals."))
    errors = {}
    if delegate is None or not delegate.is_active:
        errors["delegate"] = [_("Choose an active user.")]
    elif delegate.pk == approver.pk:
        errors["delegate"] = [_("You cannot delegate to yourself.")]
    for field, value in (("start_date", start_date), ("end_date", end_date)):
        if value is None:
            errors[field] = [_("Choose a date.")]
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = [_("The end date is before the start date.")]
    if end_date and end_date < timezone.localdate():
        errors.setdefault("end_date", []).append(_("The period is already over."))
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            return Delegation.objects.create(
                approver=approver,
                delegate=delegate,
                start_date=start_date,
                end_date=end_date,
                reason=(reason or "")[:200],
            )
    except IntegrityError as exc:  # pragma: no cover - guarded above, kept for races
        raise ValidationFailed(fields={"delegate": [str(exc)]}) from exc


def delegation_revoke(*, actor, delegation_id: int) -> Delegation:
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
        if delegation is None:
            raise NotFound()
        if delegation.approver_id != actor.pk and not has_role(actor, Role.ADMIN):
            raise PermissionDenied()
        if delegation.revoked_at is None:
            delegation.revoked_at = timezone.now()
            delegation.save(update_fields=["revoked_at", "updated_at"])
    return delegation


def policy_get_active() -> ApprovalPolicy | None:
    return ApprovalPolicy.objects.filter(is_active=True).prefetch_related("steps").first()
