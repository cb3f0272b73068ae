from django.db import migrations

# The defaults of the standard execution cycles (标准执行周期), in working days.
DEFAULTS = {
    "survey": 7,
    "transport_express": 3,
    "transport_truckload": 4,
    "transport_air": 2,
    "transport_road": 5,
    "transport_pickup": 1,
    "installation": 5,
    "acceptance": 10,
}


def seed(apps, schema_editor):
    StandardCycle = apps.get_model("fulfillment", "StandardCycle")
    for key, days in DEFAULTS.items():
        StandardCycle.objects.get_or_create(key=key, defaults={"working_days": days})


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0003_production_shipping")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
