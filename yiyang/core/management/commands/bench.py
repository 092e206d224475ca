"""`yiyang bench NAME`: benchmarks on a dedicated bench database (docs/benchmarks.md).

Each benchmark is a module of the `bench` package listed in BENCHES. It provides
HELP, add_arguments(parser), size(options) -> int (names its SQLite file) and
run(options, log) -> dict, which prints the figures as one JSON object last.
"""

import sys
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.common import (
    BenchError,
    backend_of,
    bench_database_url,
    ensure_postgres_database,
    is_child,
    rerun_against,
)

BENCHES = {
    "registry": "bench.registry",
    "import": "bench.ledger_import",
    "dashboard": "bench.dashboard",
    "services": "bench.services",
    "alarms": "bench.alarms",
    "escalation": "bench.escalation",
}


def _available() -> dict:
    modules = {}
    for name, path in BENCHES.items():
        try:
            modules[name] = import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
    return modules


class Command(BaseCommand):
    help = ("Benchmark a part of Yiyang on a bench database; the last line of output is the "
            "figures as one JSON object.")
    requires_system_checks = []

    def add_arguments(self, parser):
        benches = parser.add_subparsers(dest="bench", required=True, metavar="BENCH")
        for name, module in _available().items():
            # argparse formats help texts with %: "1% faulty rows" broke `yiyang bench --help`.
            sub = benches.add_parser(name, help=module.HELP.replace("%", "%%"))
            sub.add_argument(
                "--database-url", default=None,
                help="a PostgreSQL database for the bench (created if missing, e.g. "
                     "postgresql://postgres@127.0.0.1:5432/yiyang_bench); default: an SQLite "
                     f"file var/bench-{name}-<size>.sqlite3")
            module.add_arguments(sub)

    def handle(self, *args, bench, database_url, **options):
        module = _available()[bench]
        try:
            size = module.size(options)
        except BenchError as exc:
            raise CommandError(str(exc)) from exc
        target = bench_database_url(bench, size, database_url, settings.VAR_DIR)
        if settings.DATABASE_URL != target:
            if is_child():
                raise CommandError(f"DATABASE_URL should be {target}, not {settings.DATABASE_URL}")
            if backend_of(target) == "postgresql":
                ensure_postgres_database(target)
            argv = self._argv_after_bench(bench) + ["--database-url", target]
            if code := rerun_against(target, argv):
                raise SystemExit(code)
            return
        try:
            module.run(options, log=self._log)
        except BenchError as exc:
            raise CommandError(str(exc)) from exc

    @staticmethod
    def _argv_after_bench(bench: str) -> list[str]:
        """The command line as typed, from `bench NAME` on (argparse: a later
        --database-url wins over one given)."""
        argv = sys.argv[1:]
        start = argv.index("bench") if "bench" in argv else None
        if start is None or bench not in argv[start:]:
            return ["bench", bench]
        return argv[start:]

    def _log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
