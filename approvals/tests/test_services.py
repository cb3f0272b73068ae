"""delegation_create / delegation_revoke: who may delegate, to whom and for which dates."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.models import Delegation
from approvals.selectors import delegation_list, delegations_active_for
from approvals.services import delegation_create, delegation_revoke, policy_get_active
from core.errors import ErrorCode, NotFound, PermissionDenied, ValidationFailed
from core.roles import Role
from tests.factories import UserFactory

from .factories import DelegationFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def days(n):
    return today() + dt.timedelta(days=n)


def test_an_approver_delegates_for_a_date_range(finance, other_rep):
    delegation = delegation_create(
        actor=finance, delegate=other_rep, start_date=today(), end_date=days(3), reason="出差"
    )
    stored = Delegation.objects.get()
    assert stored == delegation
    assert (
        stored.approver,
        stored.delegate,
        stored.start_date,
        stored.end_date,
        stored.reason,
        stored.revoked_at,
    ) == (finance, other_rep, today(), days(3), "出差", None)
    assert list(delegations_active_for(user=other_rep)) == [delegation]
    assert list(delegation_list(user=finance)) == [delegation]
    assert list(delegation_list(user=other_rep)) == [delegation]


def test_a_delegation_may_start_in_the_past_while_it_is_still_running(gm, other_rep):
    delegation_create(actor=gm, delegate=other_rep, start_date=days(-2), end_date=today())
    assert Delegation.objects.count() == 1


def test_the_reason_is_cut_to_its_column(finance, other_rep):
    delegation = delegation_create(
        actor=finance, delegate=other_rep, start_date=today(), end_date=today(), reason="长" * 250
    )
    assert len(delegation.reason) == 200


@pytest.mark.parametrize(
    ("start", "end", "fields"),
    [
        (3, 1, {"end_date": ["The end date is before the start date."]}),
        (-5, -1, {"end_date": ["The period is already over."]}),
        (
            -1,
            -3,
            {"end_date": ["The end date is before the start date.", "The period is already over."]},
        ),
    ],
    ids=["end before start", "past period", "both"],
)
def test_refused_dates(finance, other_rep, start, end, fields):
    with pytest.raises(ValidationFailed) as exc:
        delegation_create(
            actor=finance, delegate=other_rep, start_date=days(start), end_date=days(end)
        )
    assert exc.value.code == ErrorCode.VALIDATION_ERROR
    assert exc.value.fields == fields
    assert not Delegation.objects.exists()


@pytest.mark.parametrize("missing", ["start_date", "end_date"])
def test_both_dates_are_required(finance, other_rep, missing):
    dates = {"start_date": today(), "end_date": days(1), missing: None}
    with pytest.raises(ValidationFailed) as exc:
        delegation_create(actor=finance, delegate=other_rep, **dates)
    assert exc.value.fields == {missing: ["Choose a date."]}
    assert not Delegation.objects.exists()


def test_cannot_delegate_to_self(finance):
    with pytest.raises(ValidationFailed) as exc:
        delegation_create(actor=finance, delegate=finance, start_date=today(), end_date=days(1))
    assert exc.value.fields == {"delegate": ["You cannot delegate to yourself."]}
    assert not Delegation.objects.exists()


def test_cannot_delegate_to_an_inactive_user_or_nobody(finance):
    inactive = UserFactory(roles=[Role.SALES_REP], is_active=False)
    for delegate in (inactive, None):
        with pytest.raises(ValidationFailed) as exc:
            delegation_create(
                actor=finance, delegate=delegate, start_date=today(), end_date=days(1)
            )
        assert exc.value.fields == {"delegate": ["Choose an active user."]}
    assert not Delegation.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.WAREHOUSE, None])
def test_a_non_approver_cannot_delegate(other_rep, role):
    user = UserFactory(roles=[role] if role else [])
    with pytest.raises(PermissionDenied) as exc:
        delegation_create(actor=user, delegate=other_rep, start_date=today(), end_date=days(1))
    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert not Delegation.objects.exists()


@pytest.mark.parametrize("role", [Role.SALES_HEAD, Role.PRODUCTION, Role.FINANCE, Role.GM])
def test_every_step_role_may_delegate(other_rep, role):
    approver = UserFactory(roles=[role])
    delegation_create(actor=approver, delegate=other_rep, start_date=today(), end_date=days(1))
    assert Delegation.objects.get().approver == approver


def test_an_approver_cannot_delegate_for_someone_else(finance, gm, other_rep):
    with pytest.raises(PermissionDenied):
        delegation_create(
            actor=finance, approver=gm, delegate=other_rep, start_date=today(), end_date=days(1)
        )
    assert not Delegation.objects.exists()


def test_an_admin_delegates_for_an_approver(admin_user, gm, other_rep):
    delegation = delegation_create(
        actor=admin_user, approver=gm, delegate=other_rep, start_date=today(), end_date=days(2)
    )
    assert (delegation.approver, delegation.delegate) == (gm, other_rep)


def test_an_admin_cannot_delegate_for_a_non_approver(admin_user, rep, other_rep):
    with pytest.raises(PermissionDenied):
        delegation_create(
            actor=admin_user, approver=rep, delegate=other_rep, start_date=today(), end_date=days(2)
        )
    assert not Delegation.objects.exists()


def test_the_database_refuses_self_delegation_and_reversed_dates(finance, other_rep):
    for fields in (
        {"delegate": finance},
        {"delegate": other_rep, "start_date": days(2), "end_date": days(1)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            DelegationFactory(approver=finance, **fields)
    assert not Delegation.objects.exists()


# --- revoke -------------------------------------------------------------------------------


def test_the_approver_revokes(finance, other_rep):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)

    revoked = delegation_revoke(actor=finance, delegation_id=delegation.pk)

    stored = Delegation.objects.get()
    assert stored.revoked_at is not None and stored.revoked_at == revoked.revoked_at
    assert list(delegations_active_for(user=other_rep)) == []
    # revoking again changes nothing
    again = delegation_revoke(actor=finance, delegation_id=delegation.pk)
    assert again.revoked_at == stored.revoked_at


def test_an_admin_revokes_for_the_approver(admin_user, finance, other_rep):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    delegation_revoke(actor=admin_user, delegation_id=delegation.pk)
    assert Delegation.objects.get().revoked_at is not None


@pytest.mark.parametrize("who", ["delegate", "other approver"])
def test_others_cannot_revoke(finance, gm, other_rep, who):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    actor = other_rep if who == "delegate" else gm
    with pytest.raises(PermissionDenied):
        delegation_revoke(actor=actor, delegation_id=delegation.pk)
    assert Delegation.objects.get().revoked_at is None


def test_revoking_an_unknown_delegation_is_not_found(finance):
    with pytest.raises(NotFound):
        delegation_revoke(actor=finance, delegation_id=987654)


def test_policy_get_active_is_the_default_policy():
    policy = policy_get_active()
    assert policy is not None and policy.is_active is True
    assert [s.step for s in policy.steps.all()] == [
        "sales_review",
        "technical_review",
        "finance_review",
        "gm_review",
    ]
