"""`yiyang worker`: runs queued background jobs (django-tasks-db's db_worker) and, beside
them, the daily routines (yiyang/jobs/daily.py)."""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from yiyang.jobs import daily
from yiyang.jobs.services import recover_interrupted


class Command(BaseCommand):
    help = "Run background jobs from the database queue until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="stop when the queue is empty")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args, batch, interval, **options):
        if interrupted := recover_interrupted():
            self.stderr.write(f"{interrupted} interrupted job(s) marked failed; they can be run again")
        argv = ["--interval", str(interval), "--no-startup-delay", "--queue-name", "*"]
        stop = threading.Event()
        if not batch:
            daily.start_thread(stop)
        try:
            call_command("db_worker", *argv, *(["--batch"] if batch else []))
        finally:
            stop.set()
