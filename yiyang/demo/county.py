"""A realistic synthetic county (shaped on the requirement documents: ~33 towns, ~450
villages, 130,000 residents aged 60+ at about a quarter of the population).

Everything is drawn from a seeded random generator, so the same size gives the same
county. Rows are produced as plain tuples for a fast bulk load (see loader.py).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from yiyang.core import crypto
from yiyang.lib import idcard, masking
from yiyang.lib.chinese import name_grams, pinyin_initials

from . import names

COUNTY_CODE = "372025"  # structurally valid, fictional: Shandong (37), prefecture 20, county 25
COUNTY_NAME = "颐阳县"
STREET_TOWNS = 2  # 街道: the county seat
AGE_BANDS = ((60, 69, 0.56), (70, 79, 0.30), (80, 89, 0.12), (90, 99, 0.0195), (100, 105, 0.0005))
LEVELS_BY_AGE = {  # GB/T 42195 level shares among assessed elders, by age band
    60: (0.78, 0.14, 0.05, 0.02, 0.01),
    70: (0.62, 0.22, 0.09, 0.05, 0.02),
    80: (0.38, 0.30, 0.17, 0.10, 0.05),
    90: (0.18, 0.30, 0.24, 0.17, 0.11),
}
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 155 158 159 176 177 186 187 188 189".split()
)


@dataclass
class RegionRow:
    code: str
    name: str
    level: int
    parent: str | None
    population: int | None = None
    rural: bool = True


ELDER_COLUMNS = (
    "id", "created", "last_updated", "name", "name_initials", "name_grams", "sex", "birth_date",
    "ethnicity", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc", "phone_hash",
    "phone_masked", "address_enc", "address_masked", "region_id", "town_code", "county_code",
    "economic_status", "living_arrangement", "is_gugua", "is_sanlao", "is_youfu",
    "is_jisheng_special", "is_left_behind", "capability_level", "status", "status_date",
    "status_reason", "notes",
)
CONTACT_COLUMNS = (
    "created", "last_updated", "elder_id", "name", "relation", "phone_enc", "phone_hash",
    "phone_masked", "position",
)


class CountyGenerator:
    def __init__(self, elders: int, *, seed: int = 2026, today: dt.date | None = None,
                 towns: int = 33, villages: int = 450):
        self.rng = random.Random(seed)
        self.elders = elders
        self.today = today or dt.date.today()
        self.now = dt.datetime.now(dt.UTC)
        self.town_count, self.village_count = towns, villages
        self.used_ids: set[str] = set()
        self.regions: list[RegionRow] = []
        self.villages: list[RegionRow] = []

    # regions ---------------------------------------------------------------------
    def build_regions(self) -> list[RegionRow]:
        county_code = COUNTY_CODE + "000000"
        self.regions = [RegionRow(county_code, COUNTY_NAME, 3, None)]
        stems = self.rng.sample(names.TOWN_STEMS, self.town_count)
        shares = self._village_split()
        for i, stem in enumerate(stems):
            street = i < STREET_TOWNS
            town_code = f"{COUNTY_CODE}{(i + 1) if street else 100 + i:03d}000"
            town_name = stem + ("街道" if street else ("镇" if i % 5 else "乡"))
            self.regions.append(RegionRow(town_code, town_name, 4, county_code, rural=not street))
            self._add_villages(town_code, street, shares[i])
        self.villages = [r for r in self.regions if r.level == 5]
        return self.regions

    def _village_split(self) -> list[int]:
        base, extra = divmod(self.village_count, self.town_count)
        return [base + (1 if i < extra else 0) for i in range(self.town_count)]

    def _add_villages(self, town_code: str, street: bool, count: int) -> None:
        taken: set[str] = set()
        for j in range(count):
            name = self._village_name(street, taken)
            code = town_code[:9] + (f"{j + 1:03d}" if street else f"{200 + j + 1:03d}")
            self.regions.append(RegionRow(code, name, 5, town_code, rural=not street))

    def _village_name(self, street: bool, taken: set[str]) -> str:
        while True:
            if street:
                name = self.rng.choice(names.COMMUNITY_NAMES) + "社区"
            else:
                name = "".join(self.rng.sample(names.VILLAGE_STEMS, 2)) + self.rng.choice(
                    names.VILLAGE_SUFFIX)
            if name not in taken:
                taken.add(name)
                return name

    def village_weights(self) -> list[float]:
        # Street communities are denser; villages vary around the mean.
        return [(2.2 if not v.rural else 1.0) * self.rng.uniform(0.6, 1.4) for v in self.villages]

    # elders ----------------------------------------------------------------------
    def elder_rows(self, first_id: int):
        """Yield (elder_row, [contact_rows]) for every elder."""
        placed = self.rng.choices(self.villages, weights=self.village_weights(), k=self.elders)
        for offset, village in enumerate(placed):
            yield self._elder(first_id + offset, village)

    def _elder(self, pk: int, village: RegionRow):
        rng = self.rng
        age = self._age()
        sex = self._sex(age)
        birth_date = self._birth_date(age)
        surname = rng.choice(names.SURNAMES)
        name = surname + rng.choice(names.MALE_GIVEN if sex == "M" else names.FEMALE_GIVEN)
        id_number = self._id_number(birth_date, sex)
        living, gugua, left_behind = self._living(age, village.rural)
        economic = self._economic(gugua)
        level = self._level(age)
        status, status_date, reason = self._status()
        phone = self._phone() if rng.random() < 0.86 else ""
        address = self._address(village)
        row = (
            pk, self.now, self.now, name, pinyin_initials(name), name_grams(name), sex, birth_date,
            "汉族" if rng.random() < 0.985 else rng.choice(["回族", "满族", "蒙古族"]),
            crypto.seal(id_number), crypto.blind_index("id", id_number),
            masking.mask_id_number(id_number),
            crypto.seal(phone), crypto.blind_index("phone", phone), masking.mask_phone(phone),
            crypto.seal(address), masking.mask_address(address),
            village.code, village.code[:9], village.code[:6],
            economic, living, gugua, age >= 80 and rng.random() < 0.04, rng.random() < 0.02,
            age < 78 and rng.random() < 0.006, left_behind, level, status, status_date, reason, "",
        )
        return row, self._contacts(pk, surname, living, gugua)

    def _age(self) -> int:
        low, high, _ = self.rng.choices(AGE_BANDS, weights=[b[2] for b in AGE_BANDS])[0]
        # Within a band, younger years are more common.
        span = high - low + 1
        return low + min(span - 1, int(self.rng.triangular(0, span, 0)))

    def _sex(self, age: int) -> str:
        female_share = 0.5 if age < 70 else 0.54 if age < 80 else 0.6 if age < 90 else 0.7
        return "F" if self.rng.random() < female_share else "M"

    def _birth_date(self, age: int) -> dt.date:
        latest = self.today.replace(year=self.today.year - age) if not (
            self.today.month == 2 and self.today.day == 29) else self.today.replace(
            year=self.today.year - age, day=28)
        return latest - dt.timedelta(days=self.rng.randrange(0, 365))

    def _id_number(self, birth_date: dt.date, sex: str) -> str:
        while True:
            sequence = self.rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            number = idcard.make(COUNTY_CODE, birth_date, sequence)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _living(self, age: int, rural: bool) -> tuple[str, bool, bool]:
        r = self.rng.random()
        alone_share = 0.10 if age < 80 else 0.18
        if r < 0.012:
            return "institution", False, False
        if r < 0.012 + alone_share:
            gugua = self.rng.random() < 0.22
            return "alone", gugua, rural and not gugua and self.rng.random() < 0.3
        if r < 0.012 + alone_share + 0.30:
            return "empty_nest", False, rural and self.rng.random() < 0.25
        return "with_family", False, False

    def _economic(self, gugua: bool) -> str:
        r = self.rng.random()
        if gugua and r < 0.6:
            return "tekun"
        if r < 0.008:
            return "tekun"
        if r < 0.07:
            return "dibao"
        if r < 0.09:
            return "dibian"
        return "none"

    def _level(self, age: int) -> int | None:
        if self.rng.random() > 0.75:
            return None
        shares = LEVELS_BY_AGE[min(90, age // 10 * 10)]
        return self.rng.choices(range(5), weights=shares)[0]

    def _status(self):
        r = self.rng.random()
        if r < 0.015:
            day = self.today - dt.timedelta(days=self.rng.randrange(1, 700))
            return "deceased", day, self.rng.choice(["病故", "自然死亡", "医院开具死亡证明"])
        if r < 0.019:
            day = self.today - dt.timedelta(days=self.rng.randrange(1, 700))
            return "moved", day, self.rng.choice(["随子女迁往外地", "户口迁出", "入住外县养老机构"])
        return "active", None, ""

    def _phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(0, 10**8):08d}"

    def _address(self, village: RegionRow) -> str:
        if village.rural:
            return f"{village.name}{self.rng.randint(1, 9)}组{self.rng.randint(1, 80)}号"
        street = self.rng.choice(names.STREET_NAMES)
        return (f"{street}{self.rng.randint(1, 300)}号{self.rng.randint(1, 6)}单元"
                f"{self.rng.randint(1, 6)}0{self.rng.randint(1, 4)}室")

    def _contacts(self, elder_id: int, surname: str, living: str, gugua: bool) -> list[tuple]:
        if gugua:
            people = [("neighbour", self.rng.choice(names.SURNAMES))] if self.rng.random() < 0.7 else []
        else:
            kids = self.rng.choice([1, 1, 2, 2, 2])
            people = [(self.rng.choice(["son", "son", "daughter"]), surname) for _ in range(kids)]
            if living == "empty_nest" and self.rng.random() < 0.3:
                people.insert(0, ("spouse", self.rng.choice(names.SURNAMES)))
        rows = []
        for position, (relation, family_name) in enumerate(people, start=1):
            given = names.FEMALE_GIVEN if relation == "daughter" else names.MALE_GIVEN
            phone = self._phone()
            rows.append((
                self.now, self.now, elder_id, family_name + self.rng.choice(given), relation,
                crypto.seal(phone), crypto.blind_index("phone", phone), masking.mask_phone(phone),
                position,
            ))
        return rows
