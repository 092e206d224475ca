"""Streaming export of a filtered registry list (masked, audited). CSV here; the Excel
ledger export builds on the same restricted queryset."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.utils.translation import gettext as _

from yiyang.core import audit
from yiyang.core.choices import AuditAction
from yiyang.elders import lookup
from yiyang.elders.querysets import is_personal_term

CHUNK = 2000


class _Echo:
    def write(self, value):
        return value


def header() -> list[str]:
    return [_("Name"), _("Sex"), _("Birth date"), _("ID number"), _("Phone"), _("Address"),
            _("Town"), _("Village / community"), _("Region code"), _("Economic status"),
            _("Living arrangement"), _("Capability level"), _("Status")]


def row(elder) -> list:
    return [
        elder.name, elder.get_sex_display(), elder.birth_date.isoformat(), elder.id_number_masked,
        elder.phone_masked, elder.address_masked, elder.region.parent.name if elder.region.parent
        else "", elder.region.name, elder.region_id, elder.get_economic_status_display(),
        elder.get_living_arrangement_display(), elder.get_capability_level_display() or "",
        elder.get_status_display(),
    ]


def csv_lines(queryset) -> Iterator[str]:
    """Yield CSV lines; rows are read in chunks so a million never sit in memory."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header())  # BOM: Excel opens UTF-8 Chinese correctly
    for elder in queryset.select_related("region", "region__parent").iterator(chunk_size=CHUNK):
        yield writer.writerow(row(elder))


def audited_filters(filters: dict) -> dict:
    """An export's filters as the audit log keeps them: set ones only, a searched ID or
    phone number masked (the log is append-only: no personal number in clear)."""
    shown = {k: v for k, v in filters.items() if v not in ("", None)}
    if is_personal_term(shown.get("q", "")):
        shown["q"] = lookup.masked(shown["q"])
    return shown


def record_export(user, filters: dict, count: int) -> None:
    shown = audited_filters(filters)
    audit.record(AuditAction.EXPORT, actor=user, region_code=user.scope_prefix or "",
                 changes={"filters": shown, "rows": count}, detail=f"csv {count} rows")
