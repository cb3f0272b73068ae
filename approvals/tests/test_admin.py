"""The approvals admin: the policy with its steps (order types as checkboxes, a note that
changes apply to later submissions), the read-only record of rounds and decisions, delegations."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals.models import ApprovalDecision, ApprovalPolicy, ApprovalRound, Delegation
from orders import services
from orders.tests.helpers import draft_order

from .factories import ApprovalPolicyFactory, DelegationFactory, PolicyStepFactory

pytestmark = pytest.mark.django_db

POLICY_ADD = reverse("admin:approvals_approvalpolicy_add")


def policy_form(*steps, **fields) -> dict:
    """The add/change form of a policy with `steps`, each a dict of step fields."""
    data = {
        "name": "两级审批",
        "distinct_approvers": "on",
        "notes": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{index}-{key}"] = value
    data.update(fields)
    return data


@pytest.fixture
def decided(rep, sales_head):
    order = services.order_submit(order=draft_order(rep), actor=rep)
    return services.order_approve(order=order, actor=sales_head, comment="好")


def test_admin_pages_open(client, admin_user, decided, finance, other_rep):
    DelegationFactory(approver=finance, delegate=other_rep)
    client.force_login(admin_user)
    round_ = ApprovalRound.objects.get()
    decision = ApprovalDecision.objects.get()
    policy = ApprovalPolicy.objects.first() or ApprovalPolicyFactory()
    for url in (
        reverse("admin:approvals_approvalpolicy_changelist"),
        POLICY_ADD,
        reverse("admin:approvals_approvalpolicy_change", args=[policy.pk]),
        reverse("admin:approvals_approvalround_changelist"),
        reverse("admin:approvals_approvalround_change", args=[round_.pk]),
        reverse("admin:approvals_approvaldecision_changelist") + "?q=SO",
        reverse("admin:approvals_approvaldecision_change", args=[decision.pk]),
        reverse("admin:approvals_delegation_changelist"),
        reverse("admin:approvals_delegation_add"),
    ):
        assert client.get(url).status_code == 200, url


def test_policy_page_says_changes_apply_to_later_submissions(client, admin_user):
    client.force_login(admin_user)

    html = client.get(POLICY_ADD).content.decode()

    assert "Changes apply to orders submitted afterwards" in html
    assert 'type="checkbox" name="steps-__prefix__-order_types" value="non_regular"' in html


def test_policy_with_steps_and_order_types_is_saved_as_a_list(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        POLICY_ADD,
        policy_form(
            {"position": "1", "step": "sales_review"},
            {
                "position": "2",
                "step": "technical_review",
                "order_types": ["non_regular", "export"],
            },
            {"position": "3", "step": "gm_review", "min_amount": "500000"},
        ),
    )

    assert response.status_code == 302
    policy = ApprovalPolicy.objects.get(name="两级审批")
    steps = [(s.step, s.order_types, s.min_amount) for s in policy.steps.all()]
    assert steps == [
        ("sales_review", [], None),
        ("technical_review", ["export", "non_regular"], None),
        ("gm_review", [], 500000),
    ]


def test_unknown_order_type_and_repeated_step_are_refused(client, admin_user):
    client.force_login(admin_user)

    unknown = client.post(
        POLICY_ADD, policy_form({"position": "1", "step": "sales_review", "order_types": "bogus"})
    )
    repeated = client.post(
        POLICY_ADD,
        policy_form(
            {"position": "1", "step": "sales_review"}, {"position": "2", "step": "sales_review"}
        ),
    )

    assert unknown.status_code == 200
    assert "Select a valid choice. bogus is not one of the available choices." in (
        unknown.content.decode()
    )
    assert repeated.status_code == 200
    assert "Please correct the duplicate data for step." in repeated.content.decode()
    assert not ApprovalPolicy.objects.filter(name="两级审批").exists()


def test_second_active_policy_is_refused_with_a_clear_message(client, admin_user):
    current = ApprovalPolicy.objects.filter(is_active=True).first()
    if current is None:
        current = ApprovalPolicyFactory(name="现行", is_active=True)
        PolicyStepFactory(policy=current)
    client.force_login(admin_user)

    response = client.post(
        POLICY_ADD, policy_form({"position": "1", "step": "gm_review"}, is_active="on")
    )

    assert response.status_code == 200
    assert f"“{current.name}” is the active policy" in response.content.decode()
    assert list(ApprovalPolicy.objects.filter(is_active=True)) == [current]


def test_active_policy_without_steps_is_refused(client, admin_user):
    ApprovalPolicy.objects.update(is_active=False)
    client.force_login(admin_user)

    response = client.post(POLICY_ADD, policy_form(is_active="on"))

    assert response.status_code == 200
    assert "An active policy needs at least one step" in response.content.decode()
    assert not ApprovalPolicy.objects.filter(name="两级审批").exists()


def test_make_active_action_switches_the_active_policy(client, admin_user):
    new = ApprovalPolicyFactory(name="新流程")
    PolicyStepFactory(policy=new, step="gm_review")
    client.force_login(admin_user)

    client.post(
        reverse("admin:approvals_approvalpolicy_changelist"),
        {"action": "make_active", "_selected_action": [new.pk]},
    )

    assert list(ApprovalPolicy.objects.filter(is_active=True)) == [new]


def test_rounds_and_decisions_are_read_only(client, admin_user, decided):
    client.force_login(admin_user)
    round_ = ApprovalRound.objects.get()
    decision = ApprovalDecision.objects.get()

    assert client.get(reverse("admin:approvals_approvalround_add")).status_code == 403
    assert client.get(reverse("admin:approvals_approvaldecision_add")).status_code == 403
    client.post(
        reverse("admin:approvals_approvaldecision_change", args=[decision.pk]),
        {"comment": "改过"},
    )
    html = client.get(reverse("admin:approvals_approvalround_change", args=[round_.pk])).content
    decision.refresh_from_db()
    assert decision.comment == "好"
    assert "好" in html.decode()  # the decision inline shows the comment


def test_delegation_admin_refuses_self_and_reversed_dates(client, admin_user, finance):
    client.force_login(admin_user)
    today = timezone.localdate()

    response = client.post(
        reverse("admin:approvals_delegation_add"),
        {
            "approver": finance.pk,
            "delegate": finance.pk,
            "start_date": today.isoformat(),
            "end_date": (today - dt.timedelta(days=1)).isoformat(),
        },
    )

    form = response.context["adminform"].form
    assert form.errors["delegate"] == ["An approver cannot delegate to themselves."]
    assert form.errors["end_date"] == ["The end date is before the start date."]
    assert not Delegation.objects.exists()


def test_delegation_admin_revoke_action(client, admin_user, finance, other_rep):
    delegation = DelegationFactory(approver=finance, delegate=other_rep)
    client.force_login(admin_user)

    client.post(
        reverse("admin:approvals_delegation_changelist"),
        {"action": "revoke", "_selected_action": [delegation.pk]},
    )

    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
