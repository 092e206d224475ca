"""Resident identity numbers (公民身份号码) after GB 11643-1999.

Positions 1-6 are the address code, 7-14 the birth date, 15-17 a sequence whose
parity gives the sex (odd male, even female), 18 a check digit over the first 17.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^\d{17}[\dX]$")
LEGACY_SHAPE = re.compile(r"^\d{15}$")
_SPACES = re.compile(r"\s+")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")


class InvalidIdNumber(ValueError):
    """Raised with a message a person can act on."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def address_code(self) -> str:
        return self.value[:6]


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(raw: str) -> str:
    """Strip spaces, fold full-width digits and a lower-case x."""
    return _SPACES.sub("", str(raw or "")).translate(_FULLWIDTH).upper()


def upgrade_legacy(number15: str) -> str:
    """Turn a 15-digit number (6 + YYMMDD + 3) into its 18-digit form."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_digit(first17)


def parse(raw: str) -> IdNumber:
    """Validate an ID number and return it with the birth date and sex it encodes."""
    value = normalize(raw)
    if LEGACY_SHAPE.match(value):
        value = upgrade_legacy(value)
    if not SHAPE.match(value):
        raise InvalidIdNumber("an ID number has 18 characters: 17 digits and a digit or X")
    try:
        birth_date = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber(f"the birth date {value[6:14]} in the ID number is not a date") from exc
    if birth_date.year < 1880:
        raise InvalidIdNumber(f"the birth date {value[6:14]} in the ID number is too early")
    expected = check_digit(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(f"the check digit is wrong (the last character should be {expected})")
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth_date, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidIdNumber:
        return False
    return True


def make(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number; the sequence's parity sets the sex (odd male)."""
    first17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
