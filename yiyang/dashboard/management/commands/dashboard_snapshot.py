"""`yiyang dashboard_snapshot`: record this month's registry figures of every county
and town (and their children) as the month's snapshot. Run it daily (cron or a systemd
timer), or leave it to `yiyang worker`, which runs it every night (yiyang/jobs/daily.py):
each run replaces the month's row, so a month keeps its last state."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from yiyang.dashboard import services


class Command(BaseCommand):
    help = "Record this month's snapshot of the registry figures (run daily)."

    def handle(self, *args, **options):
        self.stdout.write(services.take_all_snapshots(timezone.localdate()))
