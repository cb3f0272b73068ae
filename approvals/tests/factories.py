"""factory_boy factories and builders for approval policies and delegations."""

import datetime as dt

import factory
from django.utils import timezone

from approvals.models import ApprovalPolicy, Delegation, PolicyStep


class ApprovalPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalPolicy

    name = factory.Sequence(lambda n: f"Policy {n}")
    is_active = False
    distinct_approvers = True


class PolicyStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyStep

    policy = factory.SubFactory(ApprovalPolicyFactory)
    step = "sales_review"
    position = factory.Sequence(lambda n: n + 1)
    min_amount = None
    order_types = factory.LazyFunction(list)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda d: d.start_date + dt.timedelta(days=3))
    reason = "出差"


def activate_policy(*steps, distinct_approvers: bool = True, name: str = "") -> ApprovalPolicy:
    """Make a new policy the active one. Each step is a review state or a dict of PolicyStep
    fields (step, min_amount, order_types, position); positions follow the order given."""
    ApprovalPolicy.objects.filter(is_active=True).update(is_active=False)
    policy = ApprovalPolicyFactory(
        name=name or "Test policy", is_active=True, distinct_approvers=distinct_approvers
    )
    for index, spec in enumerate(steps, start=1):
        fields = {"step": spec} if isinstance(spec, str) else dict(spec)
        fields.setdefault("position", index * 10)
        PolicyStepFactory(policy=policy, **fields)
    return policy
