from django.db import models


class ImportBatchQuerySet(models.QuerySet):
    def restrict(self, user):
        """A user's own imports: an upload holds personal data of its uploader's area."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user).select_related("validate_job", "write_job")
