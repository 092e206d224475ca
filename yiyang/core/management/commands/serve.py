"""`yiyang serve`: the ASGI server (uvicorn) for the embedded or a real deployment."""

import uvicorn
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Yiyang over HTTP (and WebSocket) with uvicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1,
                            help="processes; use more only with PostgreSQL (see docs/deployment.md)")

    def handle(self, *args, host, port, workers, **options):
        self.stdout.write(f"Yiyang is serving at http://{host}:{port}/ (Ctrl+C stops it)")
        uvicorn.run("yiyang.asgi:application", host=host, port=port, workers=workers,
                    proxy_headers=True, log_level="warning", access_log=False)
