"""The default approval policy (REQUIREMENTS §4): sales head → finance → general manager for
every order, plus a technical/production review for non-regular orders (001 G)."""

from django.db import migrations

STEPS = [
    ("sales_review", 1, []),
    ("technical_review", 2, ["non_regular"]),
    ("finance_review", 3, []),
    ("gm_review", 4, []),
]


def create_default(apps, schema_editor):
    Policy = apps.get_model("approvals", "ApprovalPolicy")
    Step = apps.get_model("approvals", "PolicyStep")
    if Policy.objects.exists():
        return
    policy = Policy.objects.create(
        name="默认审批流程 / Default chain", is_active=True, distinct_approvers=True
    )
    for step, position, order_types in STEPS:
        Step.objects.create(policy=policy, step=step, position=position, order_types=order_types)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
