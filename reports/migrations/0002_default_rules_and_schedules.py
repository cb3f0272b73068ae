"""Default deadline rules from the regulations (REQUIREMENTS §9) and the beat schedules of the
reports app (DESIGN §5). Only missing rows are created: an administrator's edits survive."""

from django.db import migrations
from django.utils import timezone

# code, offset, unit, alerted, escalated to, escalate after (working hours), description
RULES = (
    ("approval_step", 1, "working_days", ["step"], ["gm"], 9,
     "Each approval step is decided within 1 working day (000 D5)."),
    ("change_request", 2, "working_days", ["step"], ["gm"], 9,
     "A change request is handled within 2 working days."),
    ("production_instruction", 4, "working_hours", ["production"], ["sales_head", "gm"], 4,
     "The production instruction is in the system within 4 working hours of approval (001 G)."),
    ("follow_up", -2, "working_days", ["owner"], ["sales_head"], 18,
     "Follow up with the customer 2 working days before the promised date (001 G)."),
    ("shipment_overdue", 1, "days", ["warehouse", "owner"], ["sales_head", "gm"], 9,
     "Not shipped by the end of the promised date: late-order warning (000 D5)."),
    ("receipt_missing", 5, "working_days", ["warehouse", "owner"], ["sales_head"], 18,
     "The signed delivery receipt is back within 5 working days of shipping."),
    ("customer_feedback", 24, "hours", ["owner"], ["sales_head"], 9,
     "Customer feedback is collected within 24 hours of delivery (002 S5)."),
    ("invoice_due", 3, "working_days", ["finance"], ["gm"], 18,
     "Shipped goods are invoiced within 3 working days."),
    ("payment_overdue", 1, "days", ["finance", "owner"], ["sales_head", "gm"], 45,
     "An invoice unpaid after its due date is overdue."),
)  # fmt: skip

# name (also the task), crontab (minute, hour, day of week, day of month), description
CRONTAB_TASKS = (
    ("reports.weekly_report", ("0", "17", "5", "*"),
     "Weekly tracking report, Fridays 17:00 (000 D21)."),
    ("reports.monthly_report", ("0", "9", "*", "25"),
     "Monthly execution report, the 25th at 09:00 (000 D6, D21)."),
)  # fmt: skip
SCAN = ("reports.deadline_scan", 15, 840, "Deadline scan: raise, escalate and resolve alerts.")


def _mark_changed(apps):
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def forwards(apps, schema_editor):
    DeadlineRule = apps.get_model("reports", "DeadlineRule")
    for code, offset, unit, alerted, escalated, after, description in RULES:
        DeadlineRule.objects.get_or_create(
            code=code,
            defaults={
                "offset": offset,
                "offset_unit": unit,
                "alert_roles": alerted,
                "escalate_roles": escalated,
                "escalate_after": after,
                "description": description,
            },
        )
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, minutes, expires, description = SCAN
    interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=name,
        defaults={
            "task": name,
            "interval": interval,
            "expire_seconds": expires,
            "description": description,
        },
    )
    for name, (minute, hour, weekday, monthday), description in CRONTAB_TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=weekday,
            day_of_month=monthday,
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": name, "crontab": crontab, "description": description}
        )
    _mark_changed(apps)


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(
        name__in=[SCAN[0], *(row[0] for row in CRONTAB_TASKS)]
    ).delete()
    _mark_changed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_deadlines_alerts_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
