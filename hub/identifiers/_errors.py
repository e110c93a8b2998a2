"""The errors an identifier check raises: one class per reason code, all :class:`hub.errors.InvalidIdentifier`.

Each class fixes ``reason`` to the short code that the vectorised checks (:mod:`hub.identifiers.vector`)
return for the same input, so a row rejected in bulk and a value rejected one by one say the same thing.

>>> err = InvalidChecksum("resident ID", "11010519491231002Y", found="Y", expected="X")
>>> str(err), err.reason, err.expected
('resident ID 11010519491231002Y: check character is Y, expected X', 'checksum', 'X')
"""

from __future__ import annotations

from hub.errors import InvalidIdentifier

__all__ = [
    "REASONS",
    "EmptyIdentifier",
    "FutureDate",
    "ImpossibleDate",
    "InvalidCharacter",
    "InvalidChecksum",
    "InvalidIdentifier",
    "InvalidLength",
    "UnknownCourt",
    "UnknownRegion",
    "UnknownType",
]

#: Every reason code, in the order the checks run (first failing check wins).
REASONS = ("empty", "length", "character", "checksum", "date", "future_date", "region", "type", "court")


class IdentifierError(InvalidIdentifier):
    """Base of the reason-specific classes: the message is ``"<label> <value>: <detail>"``."""

    reason = "invalid"

    def __init__(self, label: str, value: object, detail: str):
        self.label = label
        self.detail = detail
        super().__init__(f"{label} {value}: {detail}", value=value)


class EmptyIdentifier(IdentifierError):
    """No value at all: ``None``, NaN, an empty or whitespace-only string."""

    reason = "empty"

    def __init__(self, label: str, value: object = None):
        self.label = label
        self.detail = "is empty"
        InvalidIdentifier.__init__(self, f"{label} is empty (got {value!r})", value=value)


class InvalidLength(IdentifierError):
    """Wrong number of characters after compaction."""

    reason = "length"


class InvalidCharacter(IdentifierError):
    """A character not allowed at its position (letter where a digit belongs, I/O on a plate ...)."""

    reason = "character"


class InvalidChecksum(IdentifierError):
    """The check character does not match; ``found`` and ``expected`` say which it is and should be."""

    reason = "checksum"

    def __init__(self, label: str, value: object, *, found: str, expected: str):
        self.found = found
        self.expected = expected
        super().__init__(label, value, f"check character is {found}, expected {expected}")


class ImpossibleDate(IdentifierError):
    """A date that does not exist (19990230) or lies outside the plausible range."""

    reason = "date"


class FutureDate(IdentifierError):
    """A date after today (a birth date, a case year)."""

    reason = "future_date"


class UnknownRegion(IdentifierError):
    """A region code, province character or issuing office that is not known."""

    reason = "region"


class UnknownType(IdentifierError):
    """An unknown type code (credit-code authority/entity type, case type)."""

    reason = "type"


class UnknownCourt(IdentifierError):
    """A court code that is not a known Ningxia court (``province`` keeps the parsed province character)."""

    reason = "court"

    def __init__(self, label: str, value: object, detail: str, *, province: str | None = None):
        self.province = province
        super().__init__(label, value, detail)
