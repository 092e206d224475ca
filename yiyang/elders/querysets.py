"""Reads of the registry: scoping, filters and search, all index-friendly."""

from __future__ import annotations

import re

from django.db import connection, models
from django.db.models.expressions import RawSQL

from yiyang.core import crypto, scoping
from yiyang.core.choices import Role
from yiyang.core.models import prefix_upper_bound
from yiyang.elders.choices import ElderStatus, GrantKind
from yiyang.lib import idcard
from yiyang.lib.chinese import is_pinyin_query, query_grams

_ROLE_GRANT = {
    Role.CAREGIVER: GrantKind.CAREGIVER,
    Role.FAMILY: GrantKind.FAMILY,
    Role.VOLUNTEER: GrantKind.VOLUNTEER,
}
_PHONE = re.compile(r"^1\d{10}$|^0\d{9,11}$")
_ID_LIKE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")


def personal_term_kind(term: str) -> str | None:
    """"id" or "phone" for a search term that is such a number, else None."""
    compact = idcard.normalize(term)
    if _ID_LIKE.match(compact):
        return "id"
    return "phone" if _PHONE.match(compact) else None


def is_personal_term(term: str) -> bool:
    """An ID or phone number: personal data that must not travel in a URL."""
    return personal_term_kind(term) is not None


def is_name_term(term: str) -> bool:
    """Whether ElderQuerySet.search(term) looks the term up in the name bigram index
    (not an ID number, a phone number or pinyin initials)."""
    term = term.strip()
    compact = idcard.normalize(term)
    return bool(query_grams(term)) and not (
        _ID_LIKE.match(compact) or _PHONE.match(compact) or is_pinyin_query(term)
    )


class ElderQuerySet(models.QuerySet):
    # scoping ---------------------------------------------------------------------
    def restrict(self, user, action: str = "view", within: str | None = None):
        """The elders this user may act on: the front door for every read.

        within narrows to a region code prefix. A prefix inside the user's scope
        replaces the scope filter, which it implies: a town in a county admin's scope
        is then one town_code condition that the town's indexes answer alone (with
        both conditions, counting a town's elders reads every row)."""
        if not scoping.can(user, action):
            return self.none()
        prefix = user.scope_prefix
        if prefix is None:
            return self.none()
        if within:
            if within.startswith(prefix):
                prefix = within
            elif not prefix.startswith(within):
                return self.none()
        qs = self.in_prefix(prefix)
        if scoping.is_region_scoped(user):
            return qs
        return qs.filter(id__in=self._granted_ids(user))

    @staticmethod
    def _granted_ids(user):
        from yiyang.elders.models import ElderGrant

        if user.role == Role.PROVIDER_ADMIN:
            if user.organisation_id is None:
                return ElderGrant.objects.none().values("elder_id")
            grants = ElderGrant.objects.filter(
                organisation_id=user.organisation_id, kind=GrantKind.PROVIDER
            )
        elif user.role in _ROLE_GRANT:
            grants = ElderGrant.objects.filter(user=user, kind=_ROLE_GRANT[user.role])
        else:
            return ElderGrant.objects.none().values("elder_id")
        return grants.values("elder_id")

    def in_prefix(self, prefix: str):
        """Elders whose village code starts with prefix, on the column indexed for it."""
        if len(prefix) == 12:
            return self.filter(region_id=prefix)
        if len(prefix) == 9:
            return self.filter(town_code=prefix)
        if len(prefix) == 6:
            return self.filter(county_code=prefix)
        column = "region_id" if len(prefix) > 9 else "town_code" if len(prefix) > 6 else "county_code"
        return self.filter(**{f"{column}__gte": prefix, f"{column}__lt": prefix_upper_bound(prefix)})

    # filters ---------------------------------------------------------------------
    def active(self):
        return self.filter(status=ElderStatus.ACTIVE)

    def search(self, term: str):
        """One box for a name, pinyin initials, a phone number or an exact ID number."""
        term = term.strip()
        if not term:
            return self
        compact = idcard.normalize(term)
        if _ID_LIKE.match(compact):
            try:
                value = idcard.parse(compact).value
            except idcard.InvalidIdNumber:
                return self.none()
            return self.filter(id_number_hash=crypto.blind_index("id", value))
        if _PHONE.match(compact):
            return self.filter(phone_hash=crypto.blind_index("phone", compact))
        if is_pinyin_query(term):
            initials = term.lower()
            return self.filter(
                name_initials__gte=initials, name_initials__lt=prefix_upper_bound(initials)
            )
        return self.name_contains(term)

    def name_contains(self, term: str):
        grams = query_grams(term)
        if not grams:
            return self
        if connection.vendor == "postgresql":
            qs = self.filter(
                RawSQL(
                    "string_to_array(elders_elder.name_grams, ' ') @> %s::text[]",
                    (grams,),
                    output_field=models.BooleanField(),
                )
            )
        elif connection.vendor == "sqlite":
            # FTS5 phrases: a double quote inside one is written twice.
            match = " AND ".join('"{}"'.format(g.replace('"', '""')) for g in grams)
            qs = self.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM elders_name_fts WHERE elders_name_fts MATCH %s", (match,)
                )
            )
        else:
            qs = self
        return qs.filter(name__contains=term) if len(grams) > 1 else qs

    def apply_filters(self, filters: dict, today=None):
        """Apply ElderFilterForm's cleaned data (also used by the API and exports)."""
        from yiyang.elders.categories import age_band_q, category_q

        qs = self
        status = filters.get("status") or ElderStatus.ACTIVE
        if status != "all":
            qs = qs.filter(status=status)
        if region := filters.get("region"):
            qs = qs.in_prefix(region)
        if category := filters.get("category"):
            qs = qs.filter(category_q(category, today))
        if living := filters.get("living_arrangement"):
            qs = qs.filter(living_arrangement=living)
        level = filters.get("capability_level")
        if level == "none":
            qs = qs.filter(capability_level__isnull=True)
        elif level not in (None, ""):
            qs = qs.filter(capability_level=int(level))
        if band := filters.get("age_band"):
            qs = qs.filter(age_band_q(band, today))
        if sex := filters.get("sex"):
            qs = qs.filter(sex=sex)
        if term := filters.get("q"):
            qs = qs.search(term)
        return qs

    def capped_count(self, cap: int) -> tuple[int, bool]:
        """An exact count up to cap, else (cap, True): counting 100,000 matches
        exactly costs more than the page itself (PERFORMANCE-NOTES.md)."""
        n = self.order_by().values("id")[: cap + 1].count()
        return (cap, True) if n > cap else (n, False)
