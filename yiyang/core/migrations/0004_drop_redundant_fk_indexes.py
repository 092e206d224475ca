"""Drop the audit log's index on actor_id alone: audit_actor (actor_id, at) leads with
it, and every entry written (a ledger import writes one per new elder) maintained both.
Plain SQL: the schema editor's AlterField rebuilds the SQLite table, losing the
append-only triggers."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from yiyang.core.migration_tools import drop_single_column_indexes, restore_single_column_index


def drop(apps, schema_editor):
    drop_single_column_indexes(schema_editor, "core_auditlog", "actor_id")


def restore(apps, schema_editor):
    restore_single_column_index(schema_editor, "core_auditlog", "actor_id")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_user_phone")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditlog", name="actor",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False,
                                            null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="+", to=settings.AUTH_USER_MODEL,
                                            verbose_name="user"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
