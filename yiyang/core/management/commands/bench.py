"""`yiyang bench registry`: benchmarks on a dedicated bench database (docs/benchmarks.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.common import (
    backend_of,
    bench_database_url,
    ensure_postgres_database,
    is_child,
    rerun_against,
)


class Command(BaseCommand):
    help = ("Benchmark the registry's pages on a bench database of a given size; the last "
            "line of output is the figures as one JSON object.")
    requires_system_checks = []

    def add_arguments(self, parser):
        benches = parser.add_subparsers(dest="bench", required=True, metavar="BENCH")
        registry = benches.add_parser(
            "registry", help="town list, name search, ID search and county category counts")
        registry.add_argument("--elders", type=int, default=1_000_000,
                              help="size of the synthetic county (default 1,000,000)")
        registry.add_argument(
            "--database-url", default=None,
            help="a PostgreSQL database for the bench (created if missing, e.g. "
                 "postgresql://postgres@127.0.0.1:5432/yiyang_bench); default: an SQLite file "
                 "var/bench-registry-<elders>.sqlite3")
        registry.add_argument("--requests", type=int, default=40,
                              help="timed requests per page (default 40, after 5 warm-up ones)")
        registry.add_argument("--rebuild", action="store_true",
                              help="build the bench database anew even if it has the right size")
        registry.add_argument("--explain", action="store_true",
                              help="also print the query plan of each page's registry queries")

    def handle(self, *args, bench, elders, database_url, requests, rebuild, explain, **options):
        if elders < 1000 or requests < 1:
            raise CommandError("--elders must be at least 1000 and --requests at least 1")
        target = bench_database_url(bench, elders, database_url, settings.VAR_DIR)
        if settings.DATABASE_URL != target:
            if is_child():
                raise CommandError(f"DATABASE_URL should be {target}, not {settings.DATABASE_URL}")
            if backend_of(target) == "postgresql":
                ensure_postgres_database(target)
            argv = ["bench", bench, "--elders", str(elders), "--requests", str(requests),
                    "--database-url", target]
            argv += ["--rebuild"] * rebuild + ["--explain"] * explain
            if code := rerun_against(target, argv):
                raise SystemExit(code)
            return

        from bench.registry import BenchError, run

        try:
            run(elders, requests=requests, rebuild=rebuild, explain=explain, log=self._log)
        except BenchError as exc:
            raise CommandError(str(exc)) from exc

    def _log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
