"""GB 11643-1999 resident ID numbers: check digit, birth date, sex, legacy numbers."""

import datetime as dt
import random

import pytest

from yiyang.lib import idcard


def reference_check_digit(first17: str) -> str:
    """python-stdnum's formula (DOMAIN.md §6.1), independent of the code under test."""
    c = (1 - 2 * int(first17, 13)) % 11
    return "X" if c == 10 else str(c)


@pytest.mark.parametrize(("number", "birth_date", "sex"), [
    ("11010519491231002X", dt.date(1949, 12, 31), "F"),
    ("110101199003074477", dt.date(1990, 3, 7), "M"),
])
def test_it_accepts_the_worked_examples(number, birth_date, sex):
    parsed = idcard.parse(number)
    assert parsed.value == number
    assert parsed.birth_date == birth_date
    assert parsed.sex == sex
    assert parsed.address_code == number[:6]
    assert idcard.is_valid(number)


def test_it_computes_the_worked_examples_check_digits():
    assert idcard.check_digit("11010519491231002") == "X"
    assert idcard.check_digit("11010119900307447") == "7"
    assert idcard.check_digit("44052418800101001") == "4"


def test_it_agrees_with_the_reference_check_digit_on_random_numbers():
    rng = random.Random(11643)
    for _ in range(2000):
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        assert idcard.check_digit(first17) == reference_check_digit(first17), first17


@pytest.mark.parametrize("wrong", "0123456789X".replace("X", ""))
def test_it_rejects_every_wrong_check_digit(wrong):
    number = "11010519491231002" + wrong
    with pytest.raises(idcard.InvalidIdNumber, match="check digit"):
        idcard.parse(number)
    assert not idcard.is_valid(number)


def test_it_names_the_expected_check_digit():
    with pytest.raises(idcard.InvalidIdNumber, match=r"should be 7"):
        idcard.parse("110101199003074478")


@pytest.mark.parametrize("date_part", ["19490231", "19491301", "19490000", "20230229"])
def test_it_rejects_a_birth_date_that_is_not_a_date(date_part):
    first17 = "110105" + date_part + "002"
    number = first17 + reference_check_digit(first17)  # the check digit itself is right
    with pytest.raises(idcard.InvalidIdNumber, match="not a date"):
        idcard.parse(number)


def test_it_rejects_a_birth_date_before_1880():
    first17 = "11010518791231002"
    with pytest.raises(idcard.InvalidIdNumber, match="too early"):
        idcard.parse(first17 + reference_check_digit(first17))


def test_it_upgrades_a_15_digit_number():
    parsed = idcard.parse("110105491231002")
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"
    assert idcard.upgrade_legacy("110101900307447") == "110101199003074477"


def test_it_rejects_a_15_digit_number_with_a_bad_date():
    with pytest.raises(idcard.InvalidIdNumber, match="not a date"):
        idcard.parse("110105491331002")


def test_it_accepts_a_lower_case_x_and_stores_it_upper_case():
    assert idcard.parse("11010519491231002x").value == "11010519491231002X"


def test_it_folds_full_width_digits_and_spaces():
    assert idcard.parse("１１０１０５１９４９１２３１００２Ｘ").value == "11010519491231002X"
    assert idcard.parse("１１０１０５１９４９１２３１００２ｘ").value == "11010519491231002X"
    assert idcard.parse(" 110101 19900307 4477 ").value == "110101199003074477"


@pytest.mark.parametrize("raw", [
    "", "1101011990030744", "1101011990030744777", "11010119900307447A", "X10101199003074477",
    "110101-19900307-4477", "abcdefghijklmnopqr",
])
def test_it_rejects_a_malformed_number_with_a_readable_reason(raw):
    with pytest.raises(idcard.InvalidIdNumber, match="18 characters"):
        idcard.parse(raw)


@pytest.mark.parametrize(("sequence", "sex"), [(1, "M"), (2, "F"), (999, "M"), (0, "F")])
def test_it_reads_the_sex_from_the_sequence_parity(sequence, sex):
    number = idcard.make("372025", dt.date(1950, 1, 2), sequence)
    assert number[-1] == reference_check_digit(number[:17])
    assert idcard.parse(number).sex == sex
