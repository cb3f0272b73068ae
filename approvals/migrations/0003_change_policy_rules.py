"""Which review steps a change request needs, per category (REQUIREMENTS §5): delivery dates
only → sales head; price, quantity or amount increases and added lines → the whole chain;
cancellation → sales head and general manager; other changes, hold and resume → sales head."""

from django.db import migrations, models

RULES = {
    "date_only": ["sales_review"],
    "increase": ["sales_review", "finance_review", "gm_review"],
    "other": ["sales_review"],
    "cancel": ["sales_review", "gm_review"],
    "hold": ["sales_review"],
    "resume": ["sales_review"],
}


def seed_rules(apps, schema_editor):
    Rule = apps.get_model("approvals", "ChangePolicyRule")
    for category, steps in RULES.items():
        Rule.objects.get_or_create(category=category, defaults={"steps": steps})


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0002_default_policy"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChangePolicyRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("date_only", "Delivery dates only"),
                            ("increase", "Price, quantity or amount increase"),
                            ("other", "Other change (decrease, removed lines, terms)"),
                            ("cancel", "Cancellation"),
                            ("hold", "Hold"),
                            ("resume", "Resume"),
                        ],
                        max_length=10,
                        unique=True,
                        verbose_name="category",
                    ),
                ),
                (
                    "steps",
                    models.JSONField(
                        default=list,
                        help_text="Taken in the order sales head → technical → finance → general manager.",
                        verbose_name="steps",
                    ),
                ),
            ],
            options={
                "verbose_name": "change request rule",
                "verbose_name_plural": "change request rules",
                "ordering": ["category"],
            },
        ),
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
    ]
