"""Motor-vehicle plate number 机动车号牌 (GA 36-2018).

Province character + issuing-office letter + the serial:

* ordinary plates: 5 characters from the digits and the letters without I and O; the last may instead be
  挂 (trailer), 学 (driving-school coach) or 警 (police): ``宁A12345``, ``宁A1234挂``;
* new-energy plates: 6 characters. Small vehicles: an energy letter first (D A B C E = electric, F G H J K =
  hybrid/plug-in), then a digit or letter, then 4 digits: ``宁AD12345``, ``宁AFA1234`` (letters only in
  the second position); large vehicles: 5 digits then D (electric) or F (hybrid): ``宁A12345D``.

Ningxia's offices are in :data:`NINGXIA_OFFICES`. Plates of other provinces are checked for format and
their province is reported; their office letters are not checked.

Checks, first failure reported: empty, character (no province character, office not a letter, bad serial),
region (unknown province character, office letter not used in Ningxia), length (serial not 5 or 6).

>>> p = parse("宁A·D1 2345")
>>> p.number, p.city, p.new_energy, p.energy, p.size
('宁AD12345', '银川', True, 'electric', 'small')
>>> parse("宁e12345f").energy, parse("宁E12345F").size
('hybrid', 'large')
>>> format("宁a12345")
'宁A·12345'
>>> validate("宁A1234I")  # doctest: +ELLIPSIS
Traceback (most recent call last):
    ...
hub.identifiers._errors.InvalidCharacter: plate 宁A1234I: serial character 5 is 'I'; plates use digits ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.identifiers import squeeze
from hub.identifiers._errors import (
    EmptyIdentifier,
    InvalidCharacter,
    InvalidIdentifier,
    InvalidLength,
    UnknownRegion,
)

LABEL = "plate"

#: Province character → province (GA 36-2018 省、自治区、直辖市简称).
PROVINCES: dict[str, str] = {
    "京": "北京市",
    "津": "天津市",
    "冀": "河北省",
    "晋": "山西省",
    "蒙": "内蒙古自治区",
    "辽": "辽宁省",
    "吉": "吉林省",
    "黑": "黑龙江省",
    "沪": "上海市",
    "苏": "江苏省",
    "浙": "浙江省",
    "皖": "安徽省",
    "闽": "福建省",
    "赣": "江西省",
    "鲁": "山东省",
    "豫": "河南省",
    "鄂": "湖北省",
    "湘": "湖南省",
    "粤": "广东省",
    "桂": "广西壮族自治区",
    "琼": "海南省",
    "渝": "重庆市",
    "川": "四川省",
    "贵": "贵州省",
    "云": "云南省",
    "藏": "西藏自治区",
    "陕": "陕西省",
    "甘": "甘肃省",
    "青": "青海省",
    "宁": "宁夏回族自治区",
    "新": "新疆维吾尔自治区",
}

NINGXIA = "宁"

#: Ningxia's issuing-office letters → city. [check]
NINGXIA_OFFICES: dict[str, str] = {
    "A": "银川",
    "B": "石嘴山",
    "C": "吴忠",
    "D": "固原",
    "E": "中卫",
}

#: Last-character suffixes of ordinary plates → use.
SUFFIXES: dict[str, str] = {"挂": "trailer", "学": "coach", "警": "police"}

#: Serial characters: digits and letters without I and O.
SERIAL_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

#: New-energy energy letters → kind.
ELECTRIC_LETTERS = "DABCE"
HYBRID_LETTERS = "FGHJK"

ORDINARY_SERIAL = re.compile(r"[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警]")
SMALL_NEW_ENERGY_SERIAL = re.compile(r"[DABCEFGHJK][A-HJ-NP-Z0-9][0-9]{4}")
LARGE_NEW_ENERGY_SERIAL = re.compile(r"[0-9]{5}[DF]")

#: Separators seen in written plates (the middle dot after the office letter, hyphens, full stops).
SEPARATORS = "·•・.-"


@dataclass(frozen=True)
class Plate:
    """The parts of a valid plate number."""

    number: str
    province: str
    province_name: str
    office: str
    city: str | None  #: Ningxia only; None for other provinces
    serial: str
    new_energy: bool
    energy: str | None  #: "electric" or "hybrid" for new-energy plates
    size: str | None  #: "small" or "large" for new-energy plates (ordinary plates do not tell)
    use: str | None  #: "trailer", "coach" or "police" when the last character says so


def compact(value: object) -> str:
    """Strip whitespace and separators, convert full-width characters, upper-case.

    >>> compact(" 宁ａ·12345 ")
    '宁A12345'
    """
    return squeeze(value, delete=SEPARATORS)


def _serial_error(number: str, serial: str) -> InvalidCharacter:
    for position, char in enumerate(serial, start=1):
        if char not in SERIAL_CHARACTERS and not (position == len(serial) == 5 and char in SUFFIXES):
            return InvalidCharacter(
                LABEL,
                number,
                f"serial character {position} is {char!r}; plates use digits and letters without I and O",
            )
    if len(serial) == 5:
        return InvalidCharacter(LABEL, number, f"serial {serial} is not a valid ordinary serial")
    return InvalidCharacter(
        LABEL,
        number,
        f"serial {serial} is not a new-energy serial: small vehicles [DABCEFGHJK] + letter or digit + "
        "4 digits, large vehicles 5 digits + D or F",
    )


def validate(value: object) -> str:
    """Return the compact plate, or raise :class:`InvalidIdentifier` with the reason."""
    number = compact(value)
    if not number:
        raise EmptyIdentifier(LABEL, value)
    province = number[0]
    if province not in PROVINCES:
        if province.isascii():
            raise InvalidCharacter(LABEL, number, "does not start with a province character")
        raise UnknownRegion(LABEL, number, f"{province} is not a province character")
    if len(number) < 2 or not ("A" <= number[1] <= "Z"):
        raise InvalidCharacter(LABEL, number, "the province character must be followed by the office letter")
    office = number[1]
    if province == NINGXIA and office not in NINGXIA_OFFICES:
        raise UnknownRegion(LABEL, number, f"{province}{office} is not a Ningxia issuing office")
    serial = number[2:]
    if len(serial) not in (5, 6):
        raise InvalidLength(
            LABEL, number, f"serial has {len(serial)} characters, expected 5 (or 6 for new-energy plates)"
        )
    if len(serial) == 5:
        ok = ORDINARY_SERIAL.fullmatch(serial)
    else:
        ok = SMALL_NEW_ENERGY_SERIAL.fullmatch(serial) or LARGE_NEW_ENERGY_SERIAL.fullmatch(serial)
    if not ok:
        raise _serial_error(number, serial)
    return number


def is_valid(value: object) -> bool:
    """True when :func:`validate` accepts the value."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: object) -> str:
    """Province, office letter, middle dot, serial: ``宁A·12345``."""
    number = compact(value)
    return f"{number[:2]}·{number[2:]}" if len(number) > 2 else number


def parse(value: object) -> Plate:
    """Validate and split into parts (see :class:`Plate`)."""
    number = validate(value)
    province, office, serial = number[0], number[1], number[2:]
    new_energy = len(serial) == 6
    energy = size = None
    if new_energy:
        if LARGE_NEW_ENERGY_SERIAL.fullmatch(serial):
            size, letter = "large", serial[-1]
        else:
            size, letter = "small", serial[0]
        energy = "electric" if letter in ELECTRIC_LETTERS else "hybrid"
    return Plate(
        number=number,
        province=province,
        province_name=PROVINCES[province],
        office=office,
        city=NINGXIA_OFFICES.get(office) if province == NINGXIA else None,
        serial=serial,
        new_energy=new_energy,
        energy=energy,
        size=size,
        use=None if new_energy else SUFFIXES.get(serial[-1]),
    )
