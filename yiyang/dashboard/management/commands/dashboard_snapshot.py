"""`yiyang dashboard_snapshot`: record this month's registry figures of every county
and town (and their children) as the month's snapshot. Run it daily (cron or a systemd
timer): each run replaces the month's row, so a month keeps its last state."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region
from yiyang.dashboard import services


class Command(BaseCommand):
    help = "Record this month's snapshot of the registry figures (run daily)."

    def handle(self, *args, **options):
        day = timezone.localdate()
        taken = 0
        for region in Region.objects.filter(level__lte=RegionLevel.TOWN).order_by("code"):
            taken += len(services.take_snapshot(region, day))
        self.stdout.write(f"Recorded {taken} snapshots for {day:%Y-%m}.")
