"""Add the "sby:<sex>:<birth year>" keys to the pre-aggregated counts (the dashboard's
age pyramid by sex): counted once from the registry; elders.stats keeps them exact
from then on."""

from django.db import migrations
from django.db.models import Count


def add_sex_birth_year_counts(apps, schema_editor):
    Elder = apps.get_model("elders", "Elder")
    ElderCount = apps.get_model("elders", "ElderCount")
    ElderCount.objects.filter(key__startswith="sby:").delete()
    rows = (Elder.objects.filter(status="active").order_by()
            .values_list("region_id", "sex", "birth_date__year").annotate(n=Count("id")))
    ElderCount.objects.bulk_create(
        [ElderCount(region_id=region, key=f"sby:{sex}:{year}", count=n)
         for region, sex, year, n in rows.iterator()],
        batch_size=5000,
    )


def remove_sex_birth_year_counts(apps, schema_editor):
    apps.get_model("elders", "ElderCount").objects.filter(key__startswith="sby:").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("elders", "0003_pinyin_order"),
    ]

    operations = [
        migrations.RunPython(add_sex_birth_year_counts, remove_sex_birth_year_counts),
    ]
