"""Checking a ledger completely before anything is written.

LedgerCheck reads the rows once: it finds the header row, normalises every cell,
applies the registry's rules (yiyang.lib.idcard, elders.forms' phone rule and
messages, the minimum age, the uploader's scope) and collects every problem as
(row, column, value, reason). Whole-file checks follow: duplicates inside the file
and ID numbers already in the registry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _

from yiyang.core import crypto
from yiyang.core.choices import RegionLevel
from yiyang.core.models import Region
from yiyang.elders.categories import birth_date_bound
from yiyang.elders.choices import Sex
from yiyang.elders.forms import validate_phone
from yiyang.elders.models import ID_KIND, Elder
from yiyang.ledgers import conf
from yiyang.ledgers.columns import (
    BY_KEY,
    CODED,
    CODED_FOLDED,
    FLAG_KEYS,
    NO_WORDS,
    YES_WORDS,
    fold,
    match_header,
    word_key,
)
from yiyang.lib import idcard, masking

HEADER_SEARCH_ROWS = 10
VALUE_SHOWN = 100  # characters of a cell kept in the problem list

# A staged (valid) row: these values in this order, JSON-friendly.
STAGED = ("row", "name", "id_number", "sex", "birth_date", "ethnicity", "phone", "address", "region",
          "economic_status", "living_arrangement", *FLAG_KEYS, "capability_level", "notes",
          "contact_name", "contact_relation", "contact_phone")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_PERSONAL = {"id_number": masking.mask_id_number, "phone": masking.mask_phone,
             "contact_phone": masking.mask_phone, "address": masking.mask_address}
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_REGION_CODE = re.compile(r"^\d{12}$")
# Columns whose cells hardly repeat (or whose cleaned value is an object): not memoised.
_UNMEMOISED = frozenset({"id_number", "name", "address", "notes"})
_MEMO_SIZE = 50_000
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
_SPACES = re.compile(r"\s+")
_EIGHT_DIGITS = re.compile(r"^\d{8}$")


class FileRejected(Exception):
    """The file as a whole cannot be read as a ledger; the message says why."""


@dataclass
class Problem:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Layout:
    header_row: int  # 1-based, as Excel numbers rows
    headers: list[str]
    positions: dict[str, int]  # column key -> index in the row

    @property
    def present(self) -> list[str]:
        return [key for key in STAGED if key in self.positions]


@dataclass
class Outcome:
    """Everything the check found: staged rows, problems, and counts."""

    layout: Layout | None = None
    rows: int = 0
    valid: list[list] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    faulty_rows: set[int] = field(default_factory=set)
    faulty_cells: dict[int, list] = field(default_factory=dict)  # row -> the file's cells
    faulty_columns: dict[int, set] = field(default_factory=dict)  # row -> column indexes
    registered: dict[int, int] = field(default_factory=dict)  # row -> existing elder id


def find_layout(rows: Iterator[list]) -> tuple[Layout, int]:
    """The header row among the first few rows (a title row above it is common);
    returns the layout and how many rows were consumed."""
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        try:
            cells = next(rows)
        except StopIteration:
            break
        positions, unknown = {}, []
        headers = ["" if c is None else str(c).strip() for c in cells]
        for index, text in enumerate(headers):
            key = match_header(text) if text else ""
            if key and key in positions:
                raise FileRejected(_("Row %(row)s has two columns for “%(column)s”: keep one.")
                                   % {"row": number, "column": BY_KEY[key].header})
            if key:
                positions[key] = index
            elif key is None:
                unknown.append(text)
        if sum(BY_KEY[k].required for k in positions) >= 2:
            missing = [c.header for c in BY_KEY.values() if c.required and c.key not in positions]
            if missing:
                raise FileRejected(_("The ledger has no column “%(columns)s” (row %(row)s holds the "
                                     "headers).") % {"columns": "”、“".join(missing), "row": number})
            return Layout(header_row=number, headers=headers, positions=positions), number
    raise FileRejected(_("No header row found in the first %(n)s rows: the sheet needs the columns "
                         "姓名, 身份证号 and 村（社区）代码. Download the template to see the layout.")
                       % {"n": HEADER_SEARCH_ROWS})


class LedgerCheck:
    """check = LedgerCheck(user); outcome = check.run(rows, progress)

    Rows found faulty keep their original cells (outcome.faulty_cells) for the error
    workbook; the registry is asked about ID numbers every REGISTRY_CHUNK rows, so
    only a short window of valid rows' cells is held at any time."""

    REGISTRY_CHUNK = 900

    def __init__(self, user, today: dt.date | None = None, first_row: int = 1,
                 first_column: int = 0, blank_formulas: set | None = None, on_final=None):
        self.user = user
        # Called with staged rows known valid and not registered (after the registry
        # was asked about them): the job builds their registry rows meanwhile.
        self.on_final = on_final
        self._window: list[list] = []
        self.first_column = first_column
        self.blank_formulas = blank_formulas or set()
        self.scope = user.scope_prefix or "-"
        self.today = today or dt.date.today()
        self.first_row = first_row
        self.latest_birth = birth_date_bound(settings.YIYANG_MIN_ELDER_AGE, self.today)
        self.villages = set(Region.objects.within(self.scope).filter(level=RegionLevel.VILLAGE)
                            .values_list("code", flat=True))
        self.outcome = Outcome()
        self._seen: dict[str, int] = {}  # ID number -> first row
        self._pending: dict[str, tuple[int, str, list]] = {}  # blind index -> (row, ID, cells)
        self._foreign: list[tuple[int, str]] = []  # (row, region code not in the scope)
        self._memo: dict[str, dict] = {}  # column key -> {text cell: (ok, value or messages)}

    # -- the whole file ----------------------------------------------------------------
    def run(self, rows: Iterable[list], progress=None) -> Outcome:
        rows = iter(rows)
        layout, consumed = find_layout(rows)
        self.outcome.layout = layout
        number = self.first_row - 1 + consumed
        layout.header_row = number
        for cells in rows:
            number += 1
            if not any(c not in ("", None) for c in cells):
                continue
            self.outcome.rows += 1
            if self.outcome.rows > conf.MAX_ROWS:
                raise FileRejected(_("The ledger has more than %(max)s rows; split it into several "
                                     "files.") % {"max": f"{conf.MAX_ROWS:,}"})
            self._row(number, cells)
            if len(self._pending) >= self.REGISTRY_CHUNK:
                self._against_registry()
            if progress and self.outcome.rows % 1000 == 0:
                progress(self.outcome.rows, len(self.outcome.problems))
        self._against_registry()
        self._resolve_regions()
        faulty = self.outcome.faulty_rows
        self.outcome.valid = [r for r in self.outcome.valid if r[0] not in faulty]
        self.outcome.registered = {r: pk for r, pk in self.outcome.registered.items() if r not in faulty}
        self.outcome.problems.sort(key=lambda p: p.row)
        return self.outcome

    def _problem(self, row: int, key: str, value, reason: str) -> None:
        layout = self.outcome.layout
        position = layout.positions.get(key)
        column = layout.headers[position] if position is not None else (BY_KEY[key].header if key else "")
        shown = "" if value is None else str(value)[:VALUE_SHOWN]
        if key in _PERSONAL:  # the problem list lives in the database: personal data masked
            shown = _PERSONAL[key](shown)
        self.outcome.problems.append(Problem(row, column, shown, reason))
        self.outcome.faulty_rows.add(row)
        self.outcome.faulty_columns.setdefault(row, set()).add(position)

    # -- one row ---------------------------------------------------------------------------
    def _row(self, number: int, cells: list) -> None:
        raw = {key: (cells[i] if i < len(cells) else "")
               for key, i in self.outcome.layout.positions.items()}
        before = len(self.outcome.problems)
        values = {}
        if self.blank_formulas:
            self._formulas(number, raw)
        for key, value in raw.items():
            try:
                values[key] = self._clean(key, value)
            except forms.ValidationError as exc:
                self._problem(number, key, value, " ".join(exc.messages))
        if len(self.outcome.problems) == before:
            self._cross_check(number, raw, values)
        region = values.get("region")
        if len(self.outcome.problems) == before and region in self.villages:
            # A blank cell is None: a default for a new elder, "unchanged" for an update.
            staged = [number] + [None if (v := values.get(key)) == "" else v for key in STAGED[1:]]
            self.outcome.valid.append(staged)
            self._window.append(staged)
            digest = crypto.blind_index(ID_KIND, values["id_number"])
            self._pending[digest] = (number, values["id_number"], cells)
            return
        if region and region not in self.villages:
            self._foreign.append((number, region))
            self.outcome.faulty_rows.add(number)
        self.outcome.faulty_cells[number] = cells

    def _formulas(self, number: int, raw: dict) -> None:
        for key, index in self.outcome.layout.positions.items():
            if (number, index + self.first_column) in self.blank_formulas:
                self._problem(number, key, "", _("This cell holds a formula without a computed "
                                                  "value: copy the column and paste it as values."))
                raw.pop(key)

    def _clean(self, key: str, value):
        if value.__class__ is not str or key in _UNMEMOISED:
            return self._clean_now(key, value)
        # Cleaning a text cell depends on the cell alone, and most columns repeat a
        # few values (villages, coded words, dates, contacts): each is cleaned once.
        memo = self._memo.setdefault(key, {})
        known = memo.get(value)
        if known is None:
            try:
                known = (True, self._clean_now(key, value))
            except forms.ValidationError as exc:
                known = (False, exc.messages)
            if len(memo) < _MEMO_SIZE:
                memo[value] = known
        if known[0]:
            return known[1]
        raise forms.ValidationError(known[1])

    def _clean_now(self, key: str, value):
        cleaner = _CLEANERS.get(key)
        if cleaner is not None:
            return cleaner(self, value)
        return _text(key, value)

    def _cross_check(self, number: int, raw: dict, values: dict) -> None:
        parsed: idcard.IdNumber = values.get("id_number")
        if parsed is None:
            return
        values["id_number"] = parsed.value
        birth = values.get("birth_date")
        if birth is None:
            birth = parsed.birth_date
        elif birth != parsed.birth_date:
            self._problem(number, "birth_date", raw["birth_date"], _(
                "Does not match the birth date in the ID number (%(date)s).")
                % {"date": parsed.birth_date.isoformat()})
        values["birth_date"] = birth.isoformat()
        sex = values.get("sex")
        if sex and sex != parsed.sex:
            self._problem(number, "sex", raw["sex"], _("Does not match the ID number, which says "
                                                         "%(sex)s.") % {"sex": _sex_word(parsed.sex)})
        values["sex"] = parsed.sex
        if birth > self.latest_birth:
            key = "birth_date" if "birth_date" in raw else "id_number"
            self._problem(number, key, raw[key], _("The registry holds residents aged %(age)s or over.")
                          % {"age": settings.YIYANG_MIN_ELDER_AGE})
        self._contact(number, raw, values)
        self._unique(number, raw["id_number"], parsed.value)

    def _contact(self, number: int, raw: dict, values: dict) -> None:
        name, phone = values.get("contact_name"), values.get("contact_phone")
        if name or phone:
            if not (name and phone):
                key = "contact_phone" if name else "contact_name"
                self._problem(number, key, raw.get(key, ""),
                              _("An emergency contact needs both a name and a phone number."))
            values["contact_relation"] = values.get("contact_relation") or "other"
        else:
            values["contact_relation"] = None

    def _unique(self, number: int, raw_id, value: str) -> None:
        first = self._seen.get(value)
        if first is not None:
            self._problem(number, "id_number", raw_id,
                          _("The same ID number is already on row %(row)s.") % {"row": first})
            return
        self._seen[value] = number

    def _region(self, value) -> str:
        code = _plain(value)
        if not _REGION_CODE.match(code):
            raise forms.ValidationError(_("A region code has 12 digits (see the sheet 区划代码)."))
        return code

    # -- whole-file checks -------------------------------------------------------------
    def _resolve_regions(self) -> None:
        """Codes outside the scope: another area's village, or no village at all."""
        codes = {code for _row, code in self._foreign}
        existing = set(Region.objects.filter(code__in=codes, level=RegionLevel.VILLAGE)
                       .values_list("code", flat=True)) if codes else set()
        for row, code in self._foreign:
            reason = (_("This village is outside your area.") if code in existing else
                      _("No village or community has the code %(code)s.") % {"code": code})
            self._problem(row, "region", code, reason)

    def _against_registry(self) -> None:
        """ID numbers already registered: in scope they follow the chosen policy (skip
        or update); outside it they are a problem (one elder, one registering area)."""
        pending, self._pending = self._pending, {}
        window, self._window = self._window, []
        if pending:
            # No ordering: the model's pinyin order made each lookup ten times slower.
            found = Elder.objects.filter(id_number_hash__in=list(pending)).order_by().values_list(
                "id_number_hash", "id", "region_id")
            for digest, pk, region in found:
                row, value, cells = pending[digest]
                if region.startswith(self.scope):
                    self.outcome.registered[row] = pk
                else:
                    self._problem(row, "id_number", value, _(
                        "This ID number is registered outside your area; ask the bureau to "
                        "move the elder."))
                    self.outcome.faulty_cells[row] = cells
        final = [r for r in window
                 if r[0] not in self.outcome.faulty_rows and r[0] not in self.outcome.registered]
        if final and self.on_final:
            self.on_final(final)


# --- cells ------------------------------------------------------------------------------------
def _plain(value) -> str:
    """A cell as text: numbers Excel stored exactly (region codes, phones) without ".0"."""
    if value.__class__ is str:
        return fold(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return fold(str(value))


def _too_long(key: str, text: str) -> None:
    limit = BY_KEY[key].max_length or conf.MAX_CELL_CHARS
    if len(text) > limit:
        raise forms.ValidationError(_("Too long: %(n)s characters, at most %(max)s.")
                                    % {"n": f"{len(text):,}", "max": limit})


def _text(key: str, value) -> str:
    text = _plain(value)
    _too_long(key, text)
    return text


def _required(key: str, value) -> str:
    text = _text(key, value)
    if not text:
        raise forms.ValidationError(_("Required."))
    return text


def _name(check, value) -> str:
    name = _SPACES.sub("", _required("name", value))
    if len(name) < 2:
        raise forms.ValidationError(_("A name has at least two characters."))
    return name


def _id_number(check, value) -> idcard.IdNumber:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer() or abs(value) >= 1e15:
            raise forms.ValidationError(_(
                "Excel stored this ID number as a number and lost its last digits (it shows "
                "%(shown)s). Format the column as text and type the number again.")
                % {"shown": f"{value:.15g}"})
    text = idcard.normalize(_required("id_number", value))
    if _SCIENTIFIC.match(text):
        raise forms.ValidationError(_(
            "This ID number is in scientific notation (%(shown)s): its last digits are lost. "
            "Format the column as text and type the number again.") % {"shown": text})
    if idcard.LEGACY_SHAPE.match(text):
        text = idcard.upgrade_legacy(text)
    if not idcard.SHAPE.match(text):
        raise forms.ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."))
    try:
        return idcard.parse(text)
    except idcard.InvalidIdNumber:
        pass
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise forms.ValidationError(_("The birth date %(digits)s in the ID number is not a date.")
                                    % {"digits": text[6:14]}) from None
    if born.year < 1880:
        raise forms.ValidationError(_("The birth date %(digits)s in the ID number is too early.")
                                    % {"digits": text[6:14]})
    raise forms.ValidationError(_("The check digit is wrong: the last character should be %(digit)s.")
                                % {"digit": idcard.check_digit(text[:17])})


def _date(check, value) -> dt.date | None:
    if value in ("", None):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000:  # an Excel serial day number (1900 date system)
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        text = _plain(value)
    else:
        text = fold(str(value))
    if _EIGHT_DIGITS.match(text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_TEXT.match(text)
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise forms.ValidationError(_("Not a date: write it like 1946-03-02."))


def _coded(key: str):
    """A coded column's cleaner: a word of the ledger to the registry's code (None if blank)."""
    words = CODED_FOLDED[key]

    def clean(check, value):
        text = _plain(value)
        if not text:
            return None
        word = word_key(text)
        if word not in words:
            allowed = "、".join(dict.fromkeys(w for w in CODED[key] if not w.isascii()))
            raise forms.ValidationError(_("Not an allowed value; use one of: %(values)s.")
                                        % {"values": allowed})
        return str(words[word]) if key != "capability_level" else words[word]

    return clean


def _flag(check, value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = word_key(_plain(value))
    if not text:
        return None
    if text in NO_WORDS:
        return False
    if text in YES_WORDS:
        return True
    raise forms.ValidationError(_("Write 是 or 否 (or leave the cell empty for 否)."))


def _phone(check, value) -> str:
    return validate_phone(_text("phone", value))


def _contact_phone(check, value) -> str:
    return validate_phone(_text("contact_phone", value))


def _sex_word(code: str) -> str:
    return "男" if code == Sex.MALE else "女"


_CLEANERS = {
    "name": _name,
    "id_number": _id_number,
    "birth_date": _date,
    "phone": _phone,
    "contact_phone": _contact_phone,
    "region": LedgerCheck._region,
    **{key: _coded(key) for key in CODED},
    **{key: _flag for key in FLAG_KEYS},
}
