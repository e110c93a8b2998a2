"""Chinese identifiers: validate, never trust.

One module per identifier, each with the python-stdnum style API ``compact``, ``validate``, ``is_valid``,
``format``, ``parse`` (and ``calc_check_digit`` where there is one):

- ``ric``: 居民身份证号, resident ID (GB 11643-1999), :mod:`hub.identifiers.ric`
- ``uscc``: 统一社会信用代码, unified social credit code (GB 32100-2015), :mod:`hub.identifiers.uscc`
- ``orgcode``: 组织机构代码, organisation code (GB 11714-1997), :mod:`hub.identifiers.orgcode`
- ``plate``: 号牌, vehicle plate (GA 36-2018), :mod:`hub.identifiers.plate`
- ``caseno``: 案号, case number (SPC rules 2016, amended 2018), :mod:`hub.identifiers.caseno`
- ``bankcard``: bank card number (16-19 digits, Luhn), :mod:`hub.identifiers.bankcard`

Every failure raises a subclass of :class:`hub.errors.InvalidIdentifier` (:mod:`hub.identifiers._errors`)
whose ``reason`` is a short code: ``empty``, ``length``, ``character``, ``checksum``, ``date``,
``future_date``, ``region``, ``type``, ``court``. :mod:`hub.identifiers.regions` names region codes
(GB/T 2260, historical codes included); :mod:`hub.identifiers.courts` holds Ningxia's court codes.

:mod:`hub.identifiers.vector` checks whole columns at once and returns reason codes instead of raising.

``KINDS`` maps each kind to its module (imported on first use):

>>> from hub.identifiers import KINDS
>>> KINDS["ric"].is_valid("11010519491231002X")
True

The helpers below are the one place where input is normalised, so every module compacts the same way:

>>> halfwidth("１１０１０５　ｘ（）")
'110105 x()'
>>> squeeze(" 1101 05\\t19491231 002x ")
'11010519491231002X'
"""

from __future__ import annotations

import functools
import importlib
import math
from types import ModuleType
from typing import Any

#: kind → module name under hub.identifiers.
KIND_MODULES = {
    "ric": "ric",
    "uscc": "uscc",
    "orgcode": "orgcode",
    "plate": "plate",
    "caseno": "caseno",
    "bankcard": "bankcard",
}

#: Whitespace (and NUL) removed by :func:`squeeze`, after full-width normalisation.
WHITESPACE = " \t\n\r\x0b\x0c\x00\u00a0\u2007\u202f\u3000\ufeff"

#: Full-width ASCII variants (U+FF01..U+FF5E) → ASCII, ideographic space → space.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20


def is_missing(value: object) -> bool:
    """True for ``None``, NaN, ``pandas.NA`` and NaT: the values that mean "no identifier"."""
    if value is None:
        return True
    if isinstance(value, str):
        return False
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas

        return bool(pandas.isna(value))
    except (TypeError, ValueError):  # list-likes and objects pandas cannot judge
        return False


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms; ideographic space to space."""
    return text.translate(_HALFWIDTH)


@functools.cache
def translation_table(delete: str = "") -> dict[int, int | None]:
    """The ``str.translate`` table of :func:`squeeze`: full-width → ASCII, a-z → A-Z (ASCII letters
    only, so lengths never change), whitespace and the characters of ``delete`` (in either width) removed.
    """
    table: dict[int, int | None] = {}
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = cp - 0xFEE0
    for cp in range(ord("a"), ord("z") + 1):
        table[cp] = cp - 0x20
        table[cp + 0xFEE0] = cp - 0x20
    for char in WHITESPACE + delete:
        table[ord(char)] = None
        if 0x21 <= ord(char) <= 0x7E:
            table[ord(char) + 0xFEE0] = None
    return table


def squeeze(value: object, delete: str = "") -> str:
    """Text of ``value`` in half-width, ASCII letters upper-cased, without whitespace or any character
    of ``delete``.

    ``None``/NaN give ``""``. Non-string values (an ID read from a spreadsheet as an integer) are
    turned into text first.
    """
    if is_missing(value):
        return ""
    text = value if isinstance(value, str) else str(value)
    return text.translate(translation_table(delete))


def __getattr__(name: str) -> Any:
    if name == "KINDS":
        kinds: dict[str, ModuleType] = {
            kind: importlib.import_module(f"{__name__}.{module}") for kind, module in KIND_MODULES.items()
        }
        globals()["KINDS"] = kinds
        return kinds
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
