"""Drop the stored "by:<birth year>" counts: each is the sum of the two
"sby:<sex>:<birth year>" counts, which stats.key_totals now adds up. A third fewer
counts to keep on every write (a county-wide import upserted 50,000 of them)."""

from collections import Counter

from django.db import migrations


def drop(apps, schema_editor):
    apps.get_model("elders", "ElderCount").objects.filter(key__startswith="by:").delete()


def restore(apps, schema_editor):
    ElderCount = apps.get_model("elders", "ElderCount")
    sums = Counter()
    for region, key, n in ElderCount.objects.filter(key__startswith="sby:").values_list(
            "region_id", "key", "count").iterator():
        sums[region, f"by:{key[6:]}"] += n
    ElderCount.objects.bulk_create([ElderCount(region_id=r, key=k, count=n)
                                    for (r, k), n in sums.items()], batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("elders", "0007_drop_redundant_fk_indexes")]

    operations = [migrations.RunPython(drop, restore)]
