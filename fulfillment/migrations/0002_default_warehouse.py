from django.db import migrations


def create_default(apps, schema_editor):
    Warehouse = apps.get_model("fulfillment", "Warehouse")
    if not Warehouse.objects.filter(is_default=True).exists():
        Warehouse.objects.get_or_create(
            code="MAIN", defaults={"name": "主仓库 / Main warehouse", "is_default": True}
        )


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0001_stock")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
