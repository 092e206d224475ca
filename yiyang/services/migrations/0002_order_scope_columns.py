from django.db import migrations, models
from django.db.models.functions import Substr


def fill(apps, schema_editor):
    Order = apps.get_model("services", "Order")
    Order.objects.update(town_code=Substr("region_code", 1, 9), county_code=Substr("region_code", 1, 6))


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]

    operations = [
        migrations.AddField(model_name="order", name="town_code",
                            field=models.CharField(default="", editable=False, max_length=9),
                            preserve_default=False),
        migrations.AddField(model_name="order", name="county_code",
                            field=models.CharField(default="", editable=False, max_length=6),
                            preserve_default=False),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
