"""Identities of synthetic debtors: resident IDs, credit codes with organisation codes, check characters.

Resident IDs (GB 11643) and unified social credit codes (GB 32100, with a GB 11714 organisation code
inside) get correct check characters, birth dates and sexes that agree with the ID, mostly Ningxia region
codes, some other provinces and some retired Ningxia codes for older people (a code is where the number
was first assigned: it may predate or postdate the birth, see ``/work/shared/domain.md``). No two
identities of a run share a number. This is the generation side; the hub's validators live in
:mod:`hub.identifiers`.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hub.identifiers.courts import BASIC_COURTS, INTERMEDIATE_COURTS

from .dates import add_years
from .draws import Draws
from .pools import (
    BASIC_PLACES,
    WEIGHTED_NINGXIA_REGIONS,
    WEIGHTED_ORG_SUFFIXES,
    WEIGHTED_REGIONS_BY_CITY,
    WEIGHTED_USCC_PREFIXES,
    NamePools,
)
from .realism import (
    COOPS,
    INDUSTRIES,
    ORG_PLACES,
    OTHER_REGIONS,
    P_LOCAL_REGION,
    P_MALE,
    P_OTHER_PROVINCE,
    P_RETIRED_CODE,
    RETIRED_BORN_BEFORE,
    RETIRED_NINGXIA_REGIONS,
    SHOPS,
)

# ---------------------------------------------------------------------------------------------------
# Identifier arithmetic

RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RIC_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORGCODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}


def ric_check_char(body: str) -> str:
    """GB 11643 check character of the first 17 digits of a resident ID.

    >>> ric_check_char("11010519491231002")
    'X'
    """
    return RIC_CHECK[sum(int(c) * w for c, w in zip(body, RIC_WEIGHTS, strict=True)) % 11]


def orgcode_check_char(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body (A=10 ... Z=35).

    >>> orgcode_check_char("60003734")  # the organisation code inside 91110000600037341L
    '1'
    """
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORGCODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_check_char(body: str) -> str:
    """GB 32100 check character of the first 17 characters of a unified social credit code.

    >>> uscc_check_char("91110000600037341")
    'L'
    """
    total = sum(_USCC_VALUES[c] * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def region_of_court(code: str) -> str | None:
    """宁0104 → 640104 (basic courts are named by their county's region code)."""
    return "64" + code[1:] if code in BASIC_COURTS else None


class SeenIds:
    """A Bloom filter over identifier bodies so that two different people never share an ID.

    A false positive only makes the caller draw again, so the filter keeps memory flat (a few MB for a
    million debtors) without ever letting a real duplicate through. Hashing is arithmetic on the digits,
    not ``hash()``, which is salted per process and would break determinism.
    """

    _C1 = 0x9E3779B97F4A7C15
    _C2 = 0xC2B2AE3D27D4EB4F
    _M64 = (1 << 64) - 1

    def __init__(self, expected: int):
        self.nbits = max(16, (max(expected, 1) * 16).bit_length())
        self.bits = bytearray(1 << (self.nbits - 3))
        self.shift = 64 - self.nbits

    def add(self, key: int) -> bool:
        """Record ``key``; False if it may have been seen before (then draw another)."""
        h1 = (key * self._C1) & self._M64
        h2 = ((key * self._C2) & self._M64) | 1
        positions = [((h1 + i * h2) & self._M64) >> self.shift for i in range(3)]
        bits = self.bits
        if all(bits[p >> 3] & (1 << (p & 7)) for p in positions):
            return False
        for p in positions:
            bits[p >> 3] |= 1 << (p & 7)
        return True


# ---------------------------------------------------------------------------------------------------
# Drawing identities


class Identities:
    """Draws identities of new people and organisations from the builder's ``rng``, unique in the run.

    ``expected`` is about the number of identities the run will draw: it sizes the uniqueness filter.
    """

    def __init__(self, rng: random.Random, draws: Draws, names: NamePools, expected: int):
        self.rng = rng
        self.draws = draws
        self.names = names
        self.seen = SeenIds(expected)

    def person(self, court: str, on: date, minor: bool = False) -> dict[str, Any]:
        """Identity of a new person: name, resident ID, birth date and sex that agree."""
        rng = self.rng
        male = rng.random() < P_MALE
        birth = self._birth(on, minor)
        region = self._region(court, birth.year)
        return {
            "name": self.draws.pick(self.names.male_names if male else self.names.female_names),
            "id_type": "RIC",
            "id_number": self._resident_id(region, birth, male),
            "birth_date": birth,
            "sex": "M" if male else "F",
        }

    def organisation(self, court: str) -> dict[str, Any]:
        """Identity of a new organisation near ``court``: name and unified social credit code."""
        rng = self.rng
        prefix = WEIGHTED_USCC_PREFIXES.pick(rng)
        local = region_of_court(court) or WEIGHTED_NINGXIA_REGIONS.pick(rng)
        place = BASIC_PLACES.get("宁" + local[2:], "")
        word = rng.choice(self.names.company_prefixes)
        if prefix == "92":
            name = f"{place.split('市')[-1] or place}{word}{rng.choice(SHOPS)}"
        elif prefix == "93":
            name = f"{place}{word}{rng.choice(COOPS)}专业合作社"
        else:
            name = f"{rng.choice(ORG_PLACES)}{word}{rng.choice(INDUSTRIES)}{WEIGHTED_ORG_SUFFIXES.pick(rng)}"
        region = local if rng.random() < 0.6 else local[:4] + "00"
        while True:
            if rng.random() < 0.7:
                body = "MA" + "".join(rng.choices(USCC_ALPHABET, k=6))
            else:
                body = f"{rng.randrange(10**8):08d}"
            code17 = f"{prefix}{region}{body}{orgcode_check_char(body)}"
            if self.seen.add(int(code17, 36) + (1 << 96)):
                break
        return {"name": name, "id_type": "USCC", "id_number": code17 + uscc_check_char(code17)}

    def break_check(self, number: str, alphabet: str) -> str:
        """``number`` with a wrong check character from ``alphabet`` (the ``bad_checksum`` defect)."""
        wrong = [c for c in alphabet if c != number[-1]]
        return number[:-1] + self.rng.choice(wrong)

    def _region(self, court: str, birth_year: int) -> str:
        rng = self.rng
        r = rng.random()
        if r < P_OTHER_PROVINCE:
            return rng.choice(OTHER_REGIONS)
        if r < P_OTHER_PROVINCE + P_RETIRED_CODE and birth_year < RETIRED_BORN_BEFORE:
            return rng.choice(RETIRED_NINGXIA_REGIONS)
        if rng.random() < P_LOCAL_REGION:
            local = region_of_court(court)
            if local is not None:
                return local
            by_city = WEIGHTED_REGIONS_BY_CITY.get("64" + court[1:3]) if court in INTERMEDIATE_COURTS else None
            if by_city is not None:
                return by_city.pick(rng)
        return WEIGHTED_NINGXIA_REGIONS.pick(rng)

    def _birth(self, on: date, minor: bool) -> date:
        """A birth date making the person an adult on ``on`` (or, for the defect, aged 15 to 17)."""
        rng = self.rng
        if minor:
            return add_years(on, -rng.randint(15, 17)) - timedelta(days=rng.randint(0, 300))
        latest = min(date(2004, 12, 31), add_years(on, -18) - timedelta(days=1))
        while True:
            year = rng.triangular(1950, 2005, 1976)
            birth = date(1950, 1, 1) + timedelta(days=int((year - 1950) * 365.25))
            if birth <= latest:
                return birth

    def _resident_id(self, region: str, birth: date, male: bool) -> str:
        while True:
            seq = 2 * self.draws.int_between(0, 499) + 1 if male else 2 * self.draws.int_between(1, 499)
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            if self.seen.add(int(body)):
                return body + ric_check_char(body)
