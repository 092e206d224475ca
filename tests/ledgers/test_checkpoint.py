"""SQLite: a bulk write commits without copying its write-ahead log into the database
file; a background thread does that right after, and the connection's own automatic
checkpoints come back."""

import time

from django.db.utils import ConnectionHandler

from yiyang.elders import bulk

ROWS, ROW_BYTES = 20_000, 500


def database_file_bytes(path) -> int:
    """The size of the database file itself: the pages not yet checkpointed live in the
    WAL beside it. (Reading the file while the checkpoint writes it is not safe, its
    size is.)"""
    return path.stat().st_size


def test_a_bulk_write_is_checkpointed_in_the_background(tmp_path, monkeypatch, django_db_blocker):
    path = tmp_path / "bulk.sqlite3"
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path,
                                             "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL"}}})
    wrapper = handler["default"]
    monkeypatch.setattr(bulk, "connection", wrapper)
    django_db_blocker.unblock()  # a database of this test's own, not the test database
    try:
        with bulk.checkpoint_in_background():
            assert wrapper.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
            with wrapper.cursor() as cursor:  # autocommit: committed here, > 1,000 pages
                cursor.execute("CREATE TABLE t (x TEXT)")
                cursor.executemany("INSERT INTO t VALUES (%s)", [("x" * ROW_BYTES,) for _ in range(ROWS)])
            assert database_file_bytes(path) < 100_000  # the commit did not checkpoint
        deadline = time.monotonic() + 20
        while database_file_bytes(path) < ROWS * ROW_BYTES and time.monotonic() < deadline:
            time.sleep(0.05)
        assert database_file_bytes(path) >= ROWS * ROW_BYTES
        assert wrapper.connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    finally:
        wrapper.close()
        django_db_blocker.restore()
