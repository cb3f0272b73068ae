"""Seed the periodic tasks that Celery beat runs from the database (DESIGN §5).

The rows are editable in the admin (Periodic tasks); this migration only creates the ones that
are missing, so an administrator's changes survive. Crontab schedules added later use the
business time zone, Asia/Shanghai.
"""

from django.db import migrations
from django.utils import timezone

# name (also the task name), interval in minutes, expiry in seconds, description
INTERVAL_TASKS = (
    (
        "core.outbox_flush",
        1,
        50,
        "Send queued side effects (outbox) that could not reach the broker at the time.",
    ),
    (
        "core.notifications_retry",
        10,
        540,
        "Mail notifications whose first delivery failed.",
    ),
)


def _mark_changed(apps):
    # DatabaseScheduler reloads its schedule when this timestamp moves; historical models
    # send no signals, so a beat already running would otherwise not notice the new rows.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, minutes, expire_seconds, description in INTERVAL_TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": name,
                "interval": interval,
                # A run that waited longer than its own period is pointless: the next one comes.
                "expire_seconds": expire_seconds,
                "description": description,
                "enabled": True,
            },
        )
    _mark_changed(apps)


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[row[0] for row in INTERVAL_TASKS]).delete()
    _mark_changed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_seed_calendar"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
