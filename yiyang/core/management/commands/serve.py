"""`yiyang serve`: the ASGI server (uvicorn) for the embedded or a real deployment.

With the database job queue (the embedded default) it also starts one
`yiyang worker` process beside itself, so that `make demo` runs imports and
reports without a second command; `--no-worker` leaves that to a separate service.
"""

import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Yiyang over HTTP (and WebSocket) with uvicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1,
                            help="processes; use more only with PostgreSQL (see docs/deployment.md)")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a background-job worker beside the server")

    def handle(self, *args, host, port, workers, no_worker, **options):
        worker = None
        if settings.TASK_BACKEND == "database" and not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "yiyang.cli", "worker"])
        self.stdout.write(f"Yiyang is serving at http://{host}:{port}/ (Ctrl+C stops it)")
        try:
            uvicorn.run("yiyang.asgi:application", host=host, port=port, workers=workers,
                        proxy_headers=True, log_level="warning", access_log=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
