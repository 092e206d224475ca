"""Indexes for Chinese name search over name bigrams (PERFORMANCE-NOTES.md):
SQLite FTS5 over the name_grams column (unicode61 keeps each CJK gram one token),
PostgreSQL a GIN index on the grams as text[]."""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS elders_name_fts USING fts5(
         name_grams, content='elders_elder', content_rowid='id', tokenize='unicode61')""",
    """CREATE TRIGGER IF NOT EXISTS elders_name_fts_ai AFTER INSERT ON elders_elder BEGIN
         INSERT INTO elders_name_fts(rowid, name_grams) VALUES (new.id, new.name_grams); END""",
    """CREATE TRIGGER IF NOT EXISTS elders_name_fts_ad AFTER DELETE ON elders_elder BEGIN
         INSERT INTO elders_name_fts(elders_name_fts, rowid, name_grams)
         VALUES ('delete', old.id, old.name_grams); END""",
    """CREATE TRIGGER IF NOT EXISTS elders_name_fts_au AFTER UPDATE OF name_grams ON elders_elder
       BEGIN
         INSERT INTO elders_name_fts(elders_name_fts, rowid, name_grams)
         VALUES ('delete', old.id, old.name_grams);
         INSERT INTO elders_name_fts(rowid, name_grams) VALUES (new.id, new.name_grams); END""",
]
POSTGRES = [
    """CREATE INDEX IF NOT EXISTS elders_elder_name_grams_gin
         ON elders_elder USING gin (string_to_array(name_grams, ' '))""",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS elders_name_fts_{name}")
        schema_editor.execute("DROP TABLE IF EXISTS elders_name_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS elders_elder_name_grams_gin")


class Migration(migrations.Migration):
    dependencies = [("elders", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
