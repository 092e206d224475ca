"""PostgreSQL only: drop the varchar_pattern_ops ("_like") twins Django makes for the
blind-index columns (id_number_hash, phone_hash). A keyed hash is only ever compared
for equality, which the plain indexes serve; the twins are random-key indexes that
every insert must maintain. Measured (docs/ledgers.md): inserting 100,000 elders
into the 1 M-row registry took 20.2 s, 12.3 s without these and phone_hash's index.
"""

from django.db import migrations

TWINS = [("elders_elder", "id_number_hash"), ("elders_elder", "phone_hash"),
         ("elders_emergencycontact", "phone_hash")]


def _twins(cursor):
    found = []
    for table, column in TWINS:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s "
            "AND indexdef LIKE %s",
            [table, f"{table}_{column}%_like", "%varchar_pattern_ops%"])
        found += [row[0] for row in cursor.fetchall()]
    return found


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in _twins(cursor):
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in TWINS:
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{table}_{column}_like" '
                           f'ON "{table}" ("{column}" varchar_pattern_ops)')


class Migration(migrations.Migration):
    dependencies = [("elders", "0005_birth_indexes_with_sex")]

    operations = [migrations.RunPython(drop, create)]
