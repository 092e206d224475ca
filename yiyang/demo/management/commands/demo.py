"""`yiyang demo`: build the synthetic county into the embedded database (once)."""

import re
from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand

from yiyang.core.models import Region, User
from yiyang.demo.loader import DEMO_PASSWORD, build

TOWN_WORKER_NAME = re.compile(r"^town\d{2}$")  # loader._town_worker_specs

# Run in this order after the registry is built: each needs the elders and accounts.
DEMO_MODULES = [
    "yiyang.assessment.demo", "yiyang.dashboard.demo", "yiyang.services.demo", "yiyang.alarms.demo",
]


class Command(BaseCommand):
    help = "Build a realistic synthetic county with demo accounts (skipped if one exists)."

    def add_arguments(self, parser):
        parser.add_argument("--elders", type=int, default=130_000,
                            help="how many residents aged 60+ (default 130,000)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true",
                            help="flush the database first and build anew")

    def handle(self, *args, elders, seed, reset, **options):
        call_command("migrate", verbosity=0)
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        if Region.objects.exists():
            self.stdout.write("The demo county is already built (use --reset to rebuild).")
        else:
            self.stdout.write(f"Building the demo county with {elders:,} elders…")
            build(elders, seed=seed, log=self.stdout.write)
            self._populate_modules()
        self._print_accounts()

    def _populate_modules(self):
        """Each domain app with demo data of its own adds it to the fresh county."""
        for module in DEMO_MODULES:
            try:
                populate = import_module(module).populate
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
                continue
            populate(log=self.stdout.write)

    def _print_accounts(self):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD})"))
        town_workers = []
        for user in User.objects.select_related("scope_region").order_by("id"):
            if TOWN_WORKER_NAME.match(user.username):
                town_workers.append(user)
                continue
            scope = user.scope_region.name if user.scope_region else ""
            self.stdout.write(f"  {user.username:<10} {user.get_role_display():<28} {scope}")
        if town_workers:
            first, last = town_workers[0], town_workers[-1]
            self.stdout.write(f"  {first.username}…{last.username} {first.get_role_display()} "
                              f"of the other {len(town_workers)} towns, numbered in code order")
        self.stdout.write("Open http://127.0.0.1:8000 and log in with one of them.")
