from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "yiyang.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from yiyang.core import receivers  # noqa: F401  (login audit)
