"""Region codes 行政区划代码 (GB/T 2260), as used in resident IDs and credit codes.

The names come from python-stdnum's ``stdnum/cn/loc.dat`` database (read through :mod:`stdnum.numdb`),
which keeps historical codes with the years they were in use, e.g. ``640102 [1983-2002]城区``.

A resident ID's region code is where the number was first assigned, often years after birth, and codes
retired since stay valid. So, unlike :func:`stdnum.cn.ric.get_birth_place`, nothing here ever compares a
birth date with a code's period of use: a code is *known* when it appears in the database at all.

>>> is_known("640104")          # 兴庆区, created 2002
True
>>> region_name("640104")
'宁夏回族自治区银川市兴庆区'
>>> region_name("640102")       # 城区, retired 2002: still known, still named
'宁夏回族自治区银川市城区'
>>> region_name("110105")
'北京市朝阳区'
>>> is_known("649999"), region_name("649999")
(False, None)
>>> [(n.name, n.start, n.end) for n in names("640102")]
[('城区', 1983, 2002)]
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
from stdnum import numdb

#: Codes used in identity numbers that GB/T 2260 (and stdnum's database) does not list. [check]
#: 830000 is the address code of 港澳台居民居住证 numbers issued to Taiwan residents (Hong Kong and Macao
#: residents' permits use 810000 and 820000, which the database has).
SUPPLEMENTARY_REGIONS: dict[str, str] = {
    "830000": "台湾地区（港澳台居民居住证）",
}

#: Ningxia's province prefix and its prefecture-level cities.
NINGXIA_PREFIX = "64"
NINGXIA_CITIES = {
    "6401": "银川市",
    "6402": "石嘴山市",
    "6403": "吴忠市",
    "6404": "固原市",
    "6405": "中卫市",
}

#: Prefecture entries that are groupings rather than places; left out of full names.
_GROUPING_NAMES = frozenset({"市辖区", "县"})

_PERIOD_RE = re.compile(r"^\[(?P<start>\d*)-(?P<end>\d*)\](?P<name>.*)$")


@dataclass(frozen=True)
class RegionName:
    """One name a code had, with the years it was in use (``None`` = open-ended)."""

    name: str
    start: int | None = None
    end: int | None = None


def _parse_names(text: str) -> tuple[RegionName, ...]:
    result = []
    for item in text.split(","):
        match = _PERIOD_RE.match(item)
        if match is None:
            result.append(RegionName(item))
        else:
            start, end = match["start"], match["end"]
            result.append(RegionName(match["name"], int(start) if start else None, int(end) if end else None))
    return tuple(result)


@functools.cache
def _table() -> dict[str, tuple[RegionName, ...]]:
    """Every 6-digit code in stdnum's database → its names, oldest first."""
    table: dict[str, tuple[RegionName, ...]] = {}
    for length, low, high, _props, children in numdb.get("cn/loc").prefixes:
        if length != 2 or low != high:  # the database has provinces (2 digits) with 4-digit children
            continue
        for child_length, child_low, child_high, child_props, _ in children:
            if child_length != 4 or "county" not in child_props:
                continue
            for number in range(int(child_low), int(child_high) + 1):
                table[f"{low}{number:04d}"] = _parse_names(child_props["county"])
    for code, name in SUPPLEMENTARY_REGIONS.items():
        table.setdefault(code, (RegionName(name),))
    return table


def known_codes() -> frozenset[str]:
    """All known 6-digit region codes, current and retired."""
    return frozenset(_table())


@functools.cache
def known_code_mask() -> np.ndarray:
    """Boolean array of length 1,000,000: ``mask[int(code)]`` is True for known codes (for bulk checks)."""
    mask = np.zeros(1_000_000, dtype=bool)
    mask[np.fromiter((int(code) for code in _table()), dtype=np.int64)] = True
    return mask


def is_known(code: str) -> bool:
    """True when ``code`` is a 6-digit region code in the database (retired codes included)."""
    return isinstance(code, str) and len(code) == 6 and code in _table()


def names(code: str) -> tuple[RegionName, ...]:
    """The names ``code`` has had, oldest first; empty when unknown."""
    return _table().get(code, ())


def county_name(code: str) -> str | None:
    """The latest name of the code itself (``兴庆区``), or None when unknown."""
    found = names(code)
    return found[-1].name if found else None


def region_name(code: str) -> str | None:
    """Full latest name: province, prefecture and county (``宁夏回族自治区银川市兴庆区``), or None."""
    own = county_name(code)
    if own is None:
        return None
    province_code = code[:2] + "0000"
    prefecture_code = code[:4] + "00"
    parts = []
    province = county_name(province_code)
    if province is not None and province_code != code:
        parts.append(province)
    prefecture = county_name(prefecture_code)
    if (
        prefecture is not None
        and prefecture_code not in (code, province_code)
        and prefecture not in _GROUPING_NAMES
        and "直辖" not in prefecture
    ):
        parts.append(prefecture)
    parts.append(own)
    return "".join(parts)


def is_ningxia(code: str) -> bool:
    """True for codes of the Ningxia Hui Autonomous Region (starting with 64).

    >>> is_ningxia("640521"), is_ningxia("110105")
    (True, False)
    """
    return isinstance(code, str) and code.startswith(NINGXIA_PREFIX)
