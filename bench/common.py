"""What the benchmarks share: where the bench database lives, running the command
again against it, preparing PostgreSQL databases, and percentiles.

A benchmark never touches the configured database. `yiyang bench ...` works out
the bench database's URL, and if Django is not already configured for it, runs
itself again in a child process with DATABASE_URL set to it (settings read
DATABASE_URL once, at import, so this is the one clean way to get the exact
production settings pointed at another database). See docs/benchmarks.md.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

CHILD_ENV = "YIYANG_BENCH_CHILD"


class BenchError(Exception):
    """A benchmark cannot run as asked; the command prints the message."""


def backend_of(database_url: str) -> str:
    scheme = urlsplit(database_url).scheme
    if scheme.startswith(("postgres", "pgsql")):
        return "postgresql"
    if scheme.startswith("sqlite"):
        return "sqlite"
    raise ValueError(f"unsupported database URL for a benchmark: {database_url!r}")


def bench_database_url(bench: str, size: int, database_url: str | None, var_dir: Path) -> str:
    """The URL given, or the bench's own SQLite file under var/ (one per size)."""
    if database_url:
        backend_of(database_url)
        return database_url
    path = (Path(var_dir) / f"bench-{bench}-{size}.sqlite3").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def rerun_against(database_url: str, argv: list[str]) -> int:
    """Run `yiyang <argv>` in a child process whose settings use database_url. On
    PostgreSQL, connections persist across requests (DB_CONN_MAX_AGE=60) as
    docs/deployment.md says to deploy it, unless DB_CONN_MAX_AGE is set."""
    env = dict(os.environ, DATABASE_URL=database_url, YIYANG_DEBUG="0")
    env[CHILD_ENV] = "1"
    if backend_of(database_url) == "postgresql":
        env.setdefault("DB_CONN_MAX_AGE", "60")
    env.setdefault("DJANGO_SETTINGS_MODULE", "yiyang.settings")
    return subprocess.call([sys.executable, "-m", "yiyang.cli", *argv], env=env)


def is_child() -> bool:
    return os.environ.get(CHILD_ENV) == "1"


# --- PostgreSQL databases ---------------------------------------------------------
def _split_postgres(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise ValueError("the PostgreSQL URL must name a database, e.g. …/yiyang_bench")
    return name, urlunsplit(parts._replace(path="/postgres"))


def ensure_postgres_database(database_url: str, *, recreate: bool = False) -> bool:
    """Create the URL's database if it is missing (or drop it first when recreate);
    returns True when a new, empty database was created."""
    import psycopg
    from psycopg import sql

    name, admin_url = _split_postgres(database_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


# --- figures ------------------------------------------------------------------------
def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually measured."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples_ms: list[float]) -> tuple[float, float]:
    return round(statistics.median(samples_ms), 2), round(percentile(samples_ms, 95), 2)
