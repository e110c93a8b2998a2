"""Resident ID number 居民身份证号 (GB 11643-1999, 公民身份号码).

18 characters: 6-digit region code (where the number was first assigned), 8-digit birth date YYYYMMDD,
3-digit sequence (odd = male, even = female), check character. The check is ISO 7064 MOD 11-2:
weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over the first 17 digits, check = "10X98765432"[sum mod 11].
Legacy 15-digit numbers (before 1999: YYMMDD of the 1900s, no check character) are valid and reported as
``legacy``; :func:`to_18` upgrades them.

Checks run in this order and the first failure is reported: empty, length, character, checksum, date
(impossible or before 1890), future_date, region (unknown region code; retired codes are known, and the
birth date is never compared with the code's period of use).

The standard's own example:

>>> validate("11010519491231002X")
'11010519491231002X'
>>> validate(" １１０１０５１９４９１２３１００２x ")   # full-width, lower-case x, spaces
'11010519491231002X'
>>> validate("11010519491231002Y")
Traceback (most recent call last):
    ...
hub.identifiers._errors.InvalidChecksum: resident ID 11010519491231002Y: check character is Y, expected X
>>> calc_check_digit("11010519491231002")
'X'
>>> p = parse("11010519491231002X")
>>> p.birth_date, p.sex, p.region_code, p.region_name, p.legacy
(datetime.date(1949, 12, 31), 'female', '110105', '北京市朝阳区', False)
>>> to_18("110105491231002")
'11010519491231002X'
>>> format("110105 19491231 002x")
'11010519491231002X'
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from hub.identifiers import regions, squeeze
from hub.identifiers._errors import (
    EmptyIdentifier,
    FutureDate,
    ImpossibleDate,
    InvalidCharacter,
    InvalidChecksum,
    InvalidIdentifier,
    InvalidLength,
    UnknownRegion,
)

LABEL = "resident ID"

#: GB 11643-1999 weights over the first 17 digits (2^(17-i) mod 11).
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

#: Check character indexed by the weighted sum mod 11.
CHECK_CHARACTERS = "10X98765432"

LENGTH = 18
LEGACY_LENGTH = 15

#: Birth years before this are rejected as ``date`` (no living person, a typo in the century).
EARLIEST_BIRTH_YEAR = 1890


@dataclass(frozen=True)
class ResidentId:
    """The parts of a valid resident ID number."""

    number: str  #: compact form as given (15 or 18 characters)
    region_code: str
    region_name: str | None  #: full name from GB/T 2260 (latest name of the code), None when not named
    birth_date: datetime.date
    sequence: str
    sex: str  #: "male" (odd sequence) or "female" (even)
    check: str | None  #: None for legacy numbers
    legacy: bool

    @property
    def number_18(self) -> str:
        """The 18-character form (legacy numbers upgraded)."""
        return to_18(self.number) if self.legacy else self.number


def compact(value: object) -> str:
    """Strip whitespace, convert full-width characters, upper-case (so x → X).

    >>> compact("  11010519491231002x")
    '11010519491231002X'
    """
    return squeeze(value)


def calc_check_digit(number: str) -> str:
    """The check character for the first 17 digits of ``number`` (17 or 18 characters given)."""
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], WEIGHTS, strict=False))
    return CHECK_CHARACTERS[total % 11]


def _birth_date(number: str) -> datetime.date:
    text = "19" + number[6:12] if len(number) == LEGACY_LENGTH else number[6:14]
    try:
        born = datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ImpossibleDate(LABEL, number, f"birth date {text} does not exist") from None
    if born.year < EARLIEST_BIRTH_YEAR:
        raise ImpossibleDate(LABEL, number, f"birth year {born.year} is before {EARLIEST_BIRTH_YEAR}")
    return born


def validate(value: object, *, today: datetime.date | None = None) -> str:
    """Return the compact number, or raise :class:`InvalidIdentifier` with the reason.

    ``today`` (default: the current date) is the limit for birth dates.

    >>> validate("11010519990230002X")
    Traceback (most recent call last):
        ...
    hub.identifiers._errors.InvalidChecksum: resident ID 11010519990230002X: check character is X, expected 3
    >>> validate("110105199902300023")
    Traceback (most recent call last):
        ...
    hub.identifiers._errors.ImpossibleDate: resident ID 110105199902300023: birth date 19990230 does not exist
    """
    number = compact(value)
    if not number:
        raise EmptyIdentifier(LABEL, value)
    if len(number) not in (LENGTH, LEGACY_LENGTH):
        raise InvalidLength(
            LABEL, number, f"has {len(number)} characters, expected {LENGTH} (or {LEGACY_LENGTH}, legacy)"
        )
    digits = number if len(number) == LEGACY_LENGTH else number[:-1]
    for position, char in enumerate(digits, start=1):
        if not ("0" <= char <= "9"):
            raise InvalidCharacter(LABEL, number, f"character {position} is {char!r}, expected a digit")
    if len(number) == LENGTH:
        expected = calc_check_digit(number)
        if number[-1] != expected:
            raise InvalidChecksum(LABEL, number, found=number[-1], expected=expected)
    born = _birth_date(number)
    today = today or datetime.date.today()
    if born > today:
        raise FutureDate(LABEL, number, f"birth date {born.isoformat()} is in the future")
    if not regions.is_known(number[:6]):
        raise UnknownRegion(LABEL, number, f"region code {number[:6]} is not a known region code")
    return number


def is_valid(value: object, *, today: datetime.date | None = None) -> bool:
    """True when :func:`validate` accepts the value."""
    try:
        validate(value, today=today)
    except InvalidIdentifier:
        return False
    return True


def format(value: object) -> str:
    """The standard presentation: the compact form."""
    return compact(value)


def to_18(value: object) -> str:
    """Upgrade a legacy 15-digit number to 18 characters (18-character numbers are returned compacted).

    >>> to_18("640104800101001")
    '640104198001010013'
    """
    number = compact(value)
    if len(number) == LEGACY_LENGTH:
        body = number[:6] + "19" + number[6:]
        return body + calc_check_digit(body)
    return number


def parse(value: object, *, today: datetime.date | None = None) -> ResidentId:
    """Validate and split into parts (see :class:`ResidentId`)."""
    number = validate(value, today=today)
    legacy = len(number) == LEGACY_LENGTH
    sequence = number[12:15] if legacy else number[14:17]
    return ResidentId(
        number=number,
        region_code=number[:6],
        region_name=regions.region_name(number[:6]),
        birth_date=_birth_date(number),
        sequence=sequence,
        sex="male" if int(sequence[-1]) % 2 else "female",
        check=None if legacy else number[-1],
        legacy=legacy,
    )


#: Characters kept visible at each end when a resident ID is shown or published masked.
MASK_KEEP_HEAD, MASK_KEEP_TAIL = 4, 4


def mask(value: object) -> str:
    """The published, masked form: the first and last four characters, stars in between.

    >>> mask("11010519491231002X")
    '1101**********002X'
    """
    number = compact(value)
    hidden = len(number) - MASK_KEEP_HEAD - MASK_KEEP_TAIL
    return number[:MASK_KEEP_HEAD] + "*" * hidden + number[-MASK_KEEP_TAIL:]
