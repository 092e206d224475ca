"""Drop the single-column indexes Django made for two foreign keys whose column
already leads other indexes: elders_elder.region_id (the village pinyin and birth-date
indexes) and elders_eldercount.region_id (the unique (region, key) constraint and the
region cover). Each new elder wrote one index fewer (two on PostgreSQL, with the
"_like" twin); queries on the column use the composite indexes. docs/ledgers.md.

Done by name with plain SQL: the schema editor's AlterField rebuilds a whole SQLite
table (a million rows, and its triggers lost) to drop an index.
"""

import django.db.models.deletion
from django.db import migrations, models

from yiyang.core.migration_tools import drop_single_column_indexes, restore_single_column_index

COLUMNS = [("elders_elder", "region_id"), ("elders_eldercount", "region_id")]


def drop(apps, schema_editor):
    for table, column in COLUMNS:
        drop_single_column_indexes(schema_editor, table, column)


def restore(apps, schema_editor):
    for table, column in COLUMNS:
        restore_single_column_index(schema_editor, table, column)


class Migration(migrations.Migration):
    dependencies = [("elders", "0006_drop_hash_like_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="elder", name="region",
                    field=models.ForeignKey(db_index=False,
                                            on_delete=django.db.models.deletion.PROTECT,
                                            to="core.region", verbose_name="village / community"),
                ),
                migrations.AlterField(
                    model_name="eldercount", name="region",
                    field=models.ForeignKey(db_constraint=False, db_index=False,
                                            on_delete=django.db.models.deletion.CASCADE,
                                            to="core.region"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
