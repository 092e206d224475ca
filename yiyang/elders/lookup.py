"""Searching the registry by an ID or phone number without putting the number in a URL
(where access logs, browser history and the Referer header would keep it).

The search box posts such a term (static/js/yiyang.js); the server keeps it sealed in the
user's session under a random token and redirects to the list with `find=<token>`, so the
list, its pages, filters and exports work as with any other search. A token is worth
nothing outside the session that made it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from yiyang.core import crypto
from yiyang.elders.forms import ElderFilterForm
from yiyang.elders.querysets import personal_term_kind
from yiyang.lib import idcard, masking

SESSION_KEY = "elders_lookups"
KEEP = 10  # the latest lookups of a session stay usable (back button, other tabs)


@dataclass(frozen=True)
class Lookup:
    token: str
    masked: str = ""
    expired: bool = False


def remember(session, term: str) -> str:
    token = secrets.token_urlsafe(9)
    kept = [item for item in session.get(SESSION_KEY, []) if item[0] != token][-(KEEP - 1):]
    session[SESSION_KEY] = [*kept, (token, crypto.seal(term.strip()))]
    return token


def recall(session, token: str) -> str | None:
    for kept_token, sealed in session.get(SESSION_KEY, []):
        if secrets.compare_digest(kept_token, token):
            return crypto.unseal(sealed)
    return None


def masked(term: str) -> str:
    compact = idcard.normalize(term)
    mask = masking.mask_id_number if personal_term_kind(compact) == "id" else masking.mask_phone
    return mask(compact)


def registry_filters(request) -> tuple[ElderFilterForm, dict, Lookup | None]:
    """The registry list's filters from the query string, with a `find` token resolved."""
    form = ElderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    token = request.GET.get("find", "")
    if not token or filters.get("q"):  # a new term typed in the box wins
        return form, filters, None
    term = recall(request.session, token)
    if term is None:
        return form, {**filters, "q": ""}, Lookup(token, expired=True)
    return form, {**filters, "q": term}, Lookup(token, masked=masked(term))


def list_query(data, token: str = "") -> dict[str, str]:
    """The set filters of a posted search form; with a token, it stands for the term."""
    kept = {name: data.get(name, "") for name in ElderFilterForm.base_fields if name != "q" or not token}
    return {**{k: v for k, v in kept.items() if v}, **({"find": token} if token else {})}

