from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "yiyang.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        # Every app's jobs.py registers its handlers (yiyang.jobs.registry).
        for config in apps.get_app_configs():
            if config.name.startswith("yiyang."):
                try:
                    import_module(f"{config.name}.jobs")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.jobs":
                        raise
