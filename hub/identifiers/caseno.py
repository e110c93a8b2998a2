"""Case number 案号 (SPC rules on case numbers, 2016, amended 2018).

``（year）`` + court code + type code + sequence + ``号``, e.g. ``（2019）宁0104执123号``. Court codes
are :mod:`hub.identifiers.courts`: 宁 the high court, 宁01 an intermediate court, 宁0104 a basic court.
The hub handles enforcement cases, so the type code must be one of :data:`ENFORCEMENT_TYPES`.

Parentheses come full-width and half-width in the wild; both are accepted, with surrounding and inner
spaces, and the canonical form uses full-width parentheses and drops leading zeros of the sequence.

Checks, first failure reported: empty, character (not shaped like a case number, sequence 0),
date (year before :data:`EARLIEST_YEAR`), future_date (year after this year), court (not a Ningxia court,
or an unknown Ningxia court code), type (not an enforcement type code).

>>> validate(" (2019)宁0104执123号 ")
'（2019）宁0104执123号'
>>> p = parse("（2021）宁01执恢7号")
>>> p.year, p.court_code, p.court_name, p.type_code, p.type_name, p.sequence
(2021, '宁01', '银川市中级人民法院', '执恢', '恢复执行', 7)
>>> validate("（2019）京0105执123号")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
hub.identifiers._errors.UnknownCourt: ...: court 京0105 is not a Ningxia court (province 京, 北京市)
>>> split("（2019）京0105执123号").province
'京'
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from hub.identifiers import courts, squeeze
from hub.identifiers._errors import (
    EmptyIdentifier,
    FutureDate,
    ImpossibleDate,
    InvalidCharacter,
    InvalidIdentifier,
    UnknownCourt,
    UnknownType,
)
from hub.identifiers.plate import PROVINCES

LABEL = "case number"

#: First year accepted in a case number.
EARLIEST_YEAR = 1990

#: Enforcement type codes (案件类型代字) → meaning. [check 执协, 执他 and the meanings of the last three]
ENFORCEMENT_TYPES: dict[str, str] = {
    "执": "执行实施",
    "执恢": "恢复执行",
    "执保": "财产保全执行",
    "执异": "执行异议",
    "执复": "执行复议",
    "执监": "执行监督",
    "执协": "执行协调",
    "执他": "其他执行",
}

#: The Supreme People's Court's code (not a province character).
SUPREME_COURT_CODE = "最高法"

_HAN = "\u4e00-\u9fff"
PATTERN = re.compile(
    rf"（(?P<year>\d{{4}})）"
    rf"(?P<court>{SUPREME_COURT_CODE}|(?P<province>[{_HAN}])(?:\d{{2}}){{0,2}})"
    rf"(?P<type>[{_HAN}]+?)"
    rf"(?P<sequence>\d+)号"
)


@dataclass(frozen=True)
class CaseNumber:
    """The parts of a case number. From :func:`parse` every field is known; :func:`split` only parses
    the shape, so ``court_name``/``court_level``/``type_name`` may be None there."""

    year: int
    court_code: str
    province: str | None  #: province character of the court code (None for the Supreme Court)
    court_name: str | None
    court_level: str | None  #: high, intermediate, basic, specialised
    type_code: str
    type_name: str | None
    sequence: int

    @property
    def canonical(self) -> str:
        return f"（{self.year}）{self.court_code}{self.type_code}{self.sequence}号"


def compact(value: object) -> str:
    """Remove whitespace, convert full-width digits, write parentheses full-width.

    >>> compact(" ( 2019 ) 宁0104 执 123 号")
    '（2019）宁0104执123号'
    """
    return squeeze(value).replace("(", "（").replace(")", "）")


def split(value: object) -> CaseNumber:
    """Parse the shape only (courts and type codes are not checked); raise when it is not a case number."""
    text = compact(value)
    if not text:
        raise EmptyIdentifier(LABEL, value)
    match = PATTERN.fullmatch(text)
    if match is None:
        raise InvalidCharacter(
            LABEL,
            text,
            "is not shaped like （year）court code, type code, sequence 号, e.g. （2019）宁0104执123号",
        )
    court = match["court"]
    type_code = match["type"]
    return CaseNumber(
        year=int(match["year"]),
        court_code=court,
        province=match["province"],
        court_name=courts.COURTS.get(court),
        court_level=courts.court_level(court) if court in courts.COURTS else None,
        type_code=type_code,
        type_name=ENFORCEMENT_TYPES.get(type_code),
        sequence=int(match["sequence"]),
    )


def validate(value: object, *, today: datetime.date | None = None) -> str:
    """Return the canonical case number, or raise :class:`InvalidIdentifier` with the reason."""
    parts = split(value)
    text = compact(value)
    if parts.sequence < 1:
        raise InvalidCharacter(LABEL, text, "sequence must be 1 or more")
    this_year = (today or datetime.date.today()).year
    if parts.year < EARLIEST_YEAR:
        raise ImpossibleDate(LABEL, text, f"year {parts.year} is before {EARLIEST_YEAR}")
    if parts.year > this_year:
        raise FutureDate(LABEL, text, f"year {parts.year} is in the future")
    if parts.court_name is None:
        raise UnknownCourt(LABEL, text, _court_detail(parts), province=parts.province)
    if parts.type_name is None:
        raise UnknownType(
            LABEL,
            text,
            f"type code {parts.type_code} is not an enforcement type ({', '.join(ENFORCEMENT_TYPES)})",
        )
    return parts.canonical


def _court_detail(parts: CaseNumber) -> str:
    if parts.province == courts.PROVINCE_ABBREVIATION:
        return f"court code {parts.court_code} is not a known Ningxia court"
    if parts.province is None:
        return f"court {parts.court_code} is the Supreme People's Court, not a Ningxia court"
    province_name = PROVINCES.get(parts.province, "unknown province")
    return f"court {parts.court_code} is not a Ningxia court (province {parts.province}, {province_name})"


def is_valid(value: object, *, today: datetime.date | None = None) -> bool:
    """True when :func:`validate` accepts the value."""
    try:
        validate(value, today=today)
    except InvalidIdentifier:
        return False
    return True


def format(value: object) -> str:
    """The canonical form of a well-shaped case number: full-width parentheses, no spaces."""
    try:
        return split(value).canonical
    except InvalidIdentifier:
        return compact(value)


def parse(value: object, *, today: datetime.date | None = None) -> CaseNumber:
    """Validate and split into parts (see :class:`CaseNumber`)."""
    validate(value, today=today)
    return split(value)
