"""Bank card number: 16 to 19 digits with a Luhn check digit (ISO/IEC 7812); UnionPay cards start with 62.

Apply this to card numbers only: corporate account numbers are bank-specific and do not always pass Luhn.

Checks, first failure reported: empty, length, character, checksum. The Luhn arithmetic is
python-stdnum's (:mod:`stdnum.luhn`).

>>> validate("6222 0210 0111 2345 673")
Traceback (most recent call last):
    ...
hub.identifiers._errors.InvalidChecksum: bank card 6222021001112345673: check character is 3, expected 0
>>> validate("6222-0210-0111-2345-670")
'6222021001112345670'
>>> format("6222021001112345670")
'6222 0210 0111 2345 670'
>>> parse("6222021001112345670").unionpay
True
>>> calc_check_digit("622202100111234567")
'0'
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import luhn

from hub.identifiers import squeeze
from hub.identifiers._errors import (
    EmptyIdentifier,
    InvalidCharacter,
    InvalidChecksum,
    InvalidIdentifier,
    InvalidLength,
)

LABEL = "bank card"
MIN_LENGTH = 16
MAX_LENGTH = 19

#: Issuer identification prefix of China UnionPay cards.
UNIONPAY_PREFIX = "62"


@dataclass(frozen=True)
class BankCard:
    """The parts of a valid card number."""

    number: str
    issuer_prefix: str  #: the first six digits (issuer identification number)
    unionpay: bool
    length: int
    masked: str  #: first six and last four shown


def compact(value: object) -> str:
    """Strip whitespace and hyphens, convert full-width digits."""
    return squeeze(value, delete="-")


def calc_check_digit(number: str) -> str:
    """Luhn check digit to append to ``number`` (given without its check digit)."""
    return luhn.calc_check_digit(number)


def validate(value: object) -> str:
    """Return the compact number, or raise :class:`InvalidIdentifier` with the reason."""
    number = compact(value)
    if not number:
        raise EmptyIdentifier(LABEL, value)
    if not MIN_LENGTH <= len(number) <= MAX_LENGTH:
        raise InvalidLength(
            LABEL, number, f"has {len(number)} characters, expected {MIN_LENGTH} to {MAX_LENGTH} digits"
        )
    for position, char in enumerate(number, start=1):
        if not ("0" <= char <= "9"):
            raise InvalidCharacter(LABEL, number, f"character {position} is {char!r}, expected a digit")
    expected = calc_check_digit(number[:-1])
    if number[-1] != expected:
        raise InvalidChecksum(LABEL, number, found=number[-1], expected=expected)
    return number


def is_valid(value: object) -> bool:
    """True when :func:`validate` accepts the value."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: object) -> str:
    """Groups of four digits separated by spaces."""
    number = compact(value)
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def mask(value: object) -> str:
    """First six and last four digits shown (PIPL: mask on display).

    >>> mask("6222021001112345670")
    '622202*********5670'
    """
    number = compact(value)
    return number[:6] + "*" * max(len(number) - 10, 0) + number[-4:]


def parse(value: object) -> BankCard:
    """Validate and describe the card number."""
    number = validate(value)
    return BankCard(
        number=number,
        issuer_prefix=number[:6],
        unionpay=number.startswith(UNIONPAY_PREFIX),
        length=len(number),
        masked=mask(number),
    )
