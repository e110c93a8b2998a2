"""Organisation code 组织机构代码 (GB 11714-1997).

An 8-character body of digits and capital letters, then a check character, shown ``XXXXXXXX-X``.
Character values: 0-9 for digits, A=10 ... Z=35. Weights 3 7 9 10 5 8 4 2; check = 11 - sum mod 11,
where 10 is written X and 11 is written 0. Since 2015 the code lives on as characters 9-17 of the unified
social credit code (:mod:`hub.identifiers.uscc`).

Checks, first failure reported: empty, length, character, checksum.

The standard's example:

>>> validate("D2143569-X")
'D2143569X'
>>> format("d2143569x")
'D2143569-X'
>>> calc_check_digit("D2143569")
'X'
>>> validate("D2143569-1")
Traceback (most recent call last):
    ...
hub.identifiers._errors.InvalidChecksum: organisation code D2143569-1: check character is 1, expected X
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from hub.identifiers import squeeze
from hub.identifiers._errors import (
    EmptyIdentifier,
    InvalidCharacter,
    InvalidChecksum,
    InvalidIdentifier,
    InvalidLength,
)

LABEL = "organisation code"
LENGTH = 9

#: Body alphabet, value = index (0-9, A=10 ... Z=35).
ALPHABET = string.digits + string.ascii_uppercase

#: GB 11714-1997 weights over the 8 body characters.
WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: Check characters: index = 11 - sum mod 11, taken mod 11 (11 → 0), 10 → X.
CHECK_CHARACTERS = "0123456789X"


@dataclass(frozen=True)
class OrgCode:
    """The parts of a valid organisation code."""

    number: str  #: compact, 9 characters
    body: str
    check: str

    @property
    def formatted(self) -> str:
        return f"{self.body}-{self.check}"


def compact(value: object) -> str:
    """Strip whitespace and the hyphen, convert full-width characters, upper-case.

    >>> compact(" d2143569－x ")
    'D2143569X'
    """
    return squeeze(value, delete="-")


def calc_check_digit(body: str) -> str:
    """Check character for an 8-character body (a 9-character code may be given; its check is ignored)."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(body[:8], WEIGHTS, strict=False))
    return CHECK_CHARACTERS[(11 - total % 11) % 11]


def validate(value: object) -> str:
    """Return the compact code (9 characters, no hyphen), or raise :class:`InvalidIdentifier`."""
    number = compact(value)
    if not number:
        raise EmptyIdentifier(LABEL, value)
    if len(number) != LENGTH:
        raise InvalidLength(LABEL, _show(number), f"has {len(number)} characters, expected {LENGTH}")
    for position, char in enumerate(number[:8], start=1):
        if char not in ALPHABET:
            raise InvalidCharacter(
                LABEL, _show(number), f"character {position} is {char!r}, expected a digit or capital letter"
            )
    expected = calc_check_digit(number)
    if number[-1] != expected:
        raise InvalidChecksum(LABEL, _show(number), found=number[-1], expected=expected)
    return number


def _show(number: str) -> str:
    return f"{number[:8]}-{number[8:]}" if len(number) == LENGTH else number


def is_valid(value: object) -> bool:
    """True when :func:`validate` accepts the value."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: object) -> str:
    """The standard presentation ``XXXXXXXX-X`` (other lengths are returned compacted)."""
    return _show(compact(value))


def parse(value: object) -> OrgCode:
    """Validate and split into body and check character."""
    number = validate(value)
    return OrgCode(number=number, body=number[:8], check=number[8])
