"""Load official holidays and make-up workdays from the chinesecalendar package (DESIGN §3)."""

from django.db import migrations

SOURCE = "chinese-calendar"


def seed(apps, schema_editor):
    from core.calendar import seed_models

    seed_models(apps.get_model("core", "CalendarDay"), apps.get_model("core", "CalendarYear"))


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source=SOURCE).delete()
    apps.get_model("core", "CalendarYear").objects.filter(source=SOURCE).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_roles")]

    operations = [migrations.RunPython(seed, unseed)]
