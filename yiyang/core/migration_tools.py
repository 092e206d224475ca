"""Helpers for migrations that change indexes by hand (imported by migrations: keep
their behaviour stable)."""

from __future__ import annotations


def drop_single_column_indexes(schema_editor, table: str, column: str) -> None:
    """Drop every non-unique index on exactly `column` (and PostgreSQL's "_like" twin)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if (info["index"] and not info["unique"] and not info["primary_key"]
                and info["columns"] == [column]):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def restore_single_column_index(schema_editor, table: str, column: str) -> None:
    name = schema_editor.quote_name(f"{table}_{column}_idx")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON "
                          f"{schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})")
