from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "yiyang.assessment"
    label = "assessment"
    verbose_name = _("Capability assessment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Local scales are data: JSON files named in settings (docs/assessment.md).
        from yiyang.assessment import scales

        for path in getattr(settings, "YIYANG_ASSESSMENT_SCALE_FILES", ()):
            scales.register_file(path)
