"""The code-point matrix the vectorised checks work on, and the small helpers they share.

Why a matrix: the strings are joined and encoded once into a flat array of code points, scattered into a
fixed-width ``(n, width)`` array (zeros pad short values) and normalised there (full-width to ASCII, lower
to upper case, whitespace squeezed out), so that every later step is a numpy operation over whole columns
instead of a Python call per value.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from hub.identifiers import translation_table

#: Values longer than this (before whitespace is squeezed out) are ``length`` without further work, so a
#: stray megabyte of text in one cell cannot blow up the matrix.
MAX_WIDTH = 64


def _series(values: pd.Series | np.ndarray | Iterable[object]) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, np.ndarray | list | tuple):
        return pd.Series(values, dtype=object)
    return pd.Series(list(values), dtype=object)


def _texts(s: pd.Series) -> np.ndarray:
    """Object array of ``str``: missing values become ``""``, other non-strings their ``str()``."""
    try:
        null = np.asarray(s.isna(), dtype=bool)
    except (TypeError, ValueError):  # exotic objects: decide element by element
        null = np.array([_is_missing(v) for v in s], dtype=bool)
    obj = s.to_numpy(dtype=object).copy()
    obj[null] = ""
    if set(map(type, obj)) != {str}:
        obj = np.array([v if isinstance(v, str) else _to_text(v) for v in obj], dtype=object)
    return obj


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _to_text(value: object) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not stop a bulk check
        return "\ufffd"


def _codepoints(s: pd.Series, delete: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Compact every value (as :func:`hub.identifiers.squeeze`) into a code-point matrix.

    Returns ``(matrix, lengths)``: ``matrix`` is ``uint32 (n, width)`` with each compacted value
    left-aligned and zero-padded, ``lengths`` the compacted lengths. Values longer than
    :data:`MAX_WIDTH` are squeezed one by one first; if still longer they get length ``MAX_WIDTH + 1``.
    """
    obj = _texts(s)
    n = len(obj)
    raw_lengths = np.fromiter(map(len, obj), dtype=np.int64, count=n)
    overlong = raw_lengths > MAX_WIDTH
    if overlong.any():  # squeeze the few long ones here; what is still too long becomes plainly too long
        table = translation_table(delete)
        squeezed = [text.translate(table) for text in obj[overlong]]
        obj = obj.copy()
        obj[overlong] = [t if len(t) <= MAX_WIDTH else "\ufffd" * (MAX_WIDTH + 1) for t in squeezed]
        raw_lengths[overlong] = [len(t) for t in obj[overlong]]
    width = int(raw_lengths.max()) if n else 0
    flat = np.frombuffer("".join(obj).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    matrix = np.zeros((n, max(width, 1)), dtype=np.uint32)
    if width:
        matrix[np.arange(width)[None, :] < raw_lengths[:, None]] = flat
    # the same translation as squeeze(): one table look-up per code point; removed characters become 0
    table = _code_point_table(delete)
    if matrix.max(initial=0) <= 0xFFFF:
        matrix = table[matrix]
    else:
        matrix = np.where(matrix <= 0xFFFF, table[np.minimum(matrix, 0xFFFF)], matrix)
    drop = matrix == 0
    padding = np.arange(matrix.shape[1])[None, :] >= raw_lengths[:, None]
    rows = (drop & ~padding).any(axis=1)
    if rows.any():  # squeeze: move dropped characters to the end of their row, keep the order of the rest
        order = np.argsort(drop[rows], axis=1, kind="stable")
        matrix[rows] = np.take_along_axis(matrix[rows], order, axis=1)
    lengths = (~drop).sum(axis=1)
    return matrix, lengths


@functools.cache
def _code_point_table(delete: str) -> np.ndarray:
    """:func:`hub.identifiers.translation_table` as an array over the Basic Multilingual Plane."""
    table = np.arange(0x10000, dtype=np.uint32)
    for code_point, replacement in translation_table(delete).items():
        table[code_point] = 0 if replacement is None else replacement
    table[0] = 0
    return table


def _fixed(matrix: np.ndarray, width: int) -> np.ndarray:
    """The matrix padded (with zeros) or cut to exactly ``width`` columns."""
    if matrix.shape[1] >= width:
        return matrix[:, :width]
    return np.pad(matrix, ((0, 0), (0, width - matrix.shape[1])))


class _Reasons:
    """Collects the first failing reason per element."""

    def __init__(self, n: int):
        self.codes = np.full(n, None, dtype=object)
        self.decided = np.zeros(n, dtype=bool)

    def add(self, failed: np.ndarray, reason: str) -> None:
        new = np.asarray(failed, dtype=bool) & ~self.decided
        self.codes[new] = reason
        self.decided |= new

    def series(self, index: pd.Index) -> pd.Series:
        return pd.Series(self.codes, index=index, dtype=object)


def _digits(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is-digit mask, digit values with non-digits as 0) of a code-point matrix."""
    offset = matrix - np.uint32(0x30)  # wraps around below "0", so one comparison suffices
    is_digit = offset < 10
    values = np.where(is_digit, offset, 0).astype(np.uint8)
    return is_digit, values


def _number(values: np.ndarray) -> np.ndarray:
    """Digit columns (n, k) → the k-digit numbers as int64."""
    powers = 10 ** np.arange(values.shape[1] - 1, -1, -1, dtype=np.int64)
    return values.astype(np.int64) @ powers


def _lookup(alphabet: str) -> np.ndarray:
    """Code point → value in ``alphabet`` (−1 when absent), for code points below 128."""
    table = np.full(128, -1, dtype=np.int16)
    for value, char in enumerate(alphabet):
        table[ord(char)] = value
    return table


def _values(matrix: np.ndarray, table: np.ndarray) -> np.ndarray:
    return table[np.minimum(matrix, 127)]  # code point 127 (DEL) is in no alphabet


def _today(today: datetime.date | None) -> datetime.date:
    return today or datetime.date.today()
