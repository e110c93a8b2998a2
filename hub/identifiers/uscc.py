"""Unified social credit code 统一社会信用代码 (GB 32100-2015).

18 characters from the 31-symbol alphabet ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V, Z):
registering authority (1), entity type (1), region code of the registering office (6), organisation code
body with its own GB 11714 check (9), check character (1). Weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24
10 30 28 (3^i mod 31); check = alphabet[(31 - sum mod 31) mod 31].

python-stdnum's :mod:`stdnum.cn.uscc` computes the check correctly but its ``validate`` requires the first
eight characters to be digits, so it rejects codes whose registering authority is a letter: A (军队), N
(农业, rural collective economic organisations), Y (其他). This module accepts them, and instead checks the
authority/entity-type pair against :data:`AUTHORITIES`.

Checks, first failure reported: empty, length, character, checksum, type (authority/entity type pair not
in :data:`AUTHORITIES`). The region code and the embedded organisation code are reported by :func:`parse`
but do not decide validity (the check character already protects them; some registering offices use
codes outside GB/T 2260, e.g. 100000 for national registrations).

The standard's example (GB 32100-2015, appendix):

>>> validate("91350100M000100Y43")
'91350100M000100Y43'
>>> calc_check_digit("91350100M000100Y4")
'3'
>>> p = parse("91350100M000100Y43")
>>> p.authority_name, p.entity_type_name, p.region_code, p.region_name, p.organisation_code
('工商', '企业', '350100', '福建省福州市', 'M000100Y-4')
>>> validate("91350100M000100Y44")
Traceback (most recent call last):
    ...
hub.identifiers._errors.InvalidChecksum: credit code 91350100M000100Y44: check character is 4, expected 3
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum.cn import uscc as _stdnum_uscc

from hub.identifiers import orgcode, regions, squeeze
from hub.identifiers._errors import (
    EmptyIdentifier,
    InvalidCharacter,
    InvalidChecksum,
    InvalidIdentifier,
    InvalidLength,
    UnknownType,
)

LABEL = "credit code"
LENGTH = 18

#: GB 32100-2015 code alphabet (value = index).
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Weights over the first 17 characters.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: Region code used by national (central) registrations. [check]
NATIONAL_REGION_CODE = "100000"

#: Registering authority (登记管理部门, character 1) → (name, {entity type (character 2) → name}).
#: GB 32100-2015 and the codes assigned since (2, 3, 4, 6, 7, 8, A, N). The standard allows letters
#: for both characters; every entity type assigned so far is a digit. [check]
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

#: Every valid two-character prefix (authority + entity type), for bulk checks.
VALID_PREFIXES = frozenset(a + t for a, (_, types) in AUTHORITIES.items() for t in types)


@dataclass(frozen=True)
class CreditCode:
    """The parts of a valid unified social credit code."""

    number: str
    authority_code: str
    authority_name: str
    entity_type_code: str
    entity_type_name: str
    region_code: str
    region_name: str | None  #: None when the code is not in GB/T 2260 (the code stays valid)
    organisation_code: str  #: characters 9-17 shown as XXXXXXXX-X
    organisation_code_valid: bool  #: whether those 9 characters pass the GB 11714 check
    check: str


def compact(value: object) -> str:
    """Strip whitespace and hyphens, convert full-width characters, upper-case.

    >>> compact("9135 0100-m000100y43")
    '91350100M000100Y43'
    """
    return squeeze(value, delete="-")


def calc_check_digit(number: str) -> str:
    """Check character for the first 17 characters (python-stdnum's calculation, which is right)."""
    return _stdnum_uscc.calc_check_digit(number[:17])


def validate(value: object) -> str:
    """Return the compact code, or raise :class:`InvalidIdentifier` with the reason.

    Letters are allowed as registering authority (python-stdnum rejects them):

    >>> validate("N2640100MA7L2LX55C")
    'N2640100MA7L2LX55C'
    >>> validate("Z1640100MA7L2LX55C")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    hub.identifiers._errors.InvalidCharacter: credit code Z1640100MA7L2LX55C: character 1 is 'Z', which ...
    """
    number = compact(value)
    if not number:
        raise EmptyIdentifier(LABEL, value)
    if len(number) != LENGTH:
        raise InvalidLength(LABEL, number, f"has {len(number)} characters, expected {LENGTH}")
    for position, char in enumerate(number, start=1):
        if char not in ALPHABET:
            raise InvalidCharacter(
                LABEL,
                number,
                f"character {position} is {char!r}, which the code alphabet does not use (no I, O, S, V, Z)",
            )
    expected = calc_check_digit(number)
    if number[-1] != expected:
        raise InvalidChecksum(LABEL, number, found=number[-1], expected=expected)
    authority = AUTHORITIES.get(number[0])
    if authority is None:
        raise UnknownType(LABEL, number, f"registering authority code {number[0]} is not assigned")
    if number[1] not in authority[1]:
        raise UnknownType(
            LABEL,
            number,
            f"entity type {number[1]} is not assigned for registering authority {number[0]} ({authority[0]})",
        )
    return number


def is_valid(value: object) -> bool:
    """True when :func:`validate` accepts the value."""
    try:
        validate(value)
    except InvalidIdentifier:
        return False
    return True


def format(value: object) -> str:
    """The standard presentation: the compact form."""
    return compact(value)


def region_name(code: str) -> str | None:
    """Name of a credit code's region code (national registrations included)."""
    if code == NATIONAL_REGION_CODE:
        return "全国（中央登记）"
    return regions.region_name(code)


def parse(value: object) -> CreditCode:
    """Validate and split into parts (see :class:`CreditCode`)."""
    number = validate(value)
    authority_name, types = AUTHORITIES[number[0]]
    body = number[8:17]
    return CreditCode(
        number=number,
        authority_code=number[0],
        authority_name=authority_name,
        entity_type_code=number[1],
        entity_type_name=types[number[1]],
        region_code=number[2:8],
        region_name=region_name(number[2:8]),
        organisation_code=orgcode.format(body),
        organisation_code_valid=orgcode.is_valid(body),
        check=number[-1],
    )
