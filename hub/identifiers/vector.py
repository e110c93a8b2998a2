"""Whole-column identifier checks: one reason code (or None) per element, never an exception.

For each kind there is ``<kind>_reasons(values) -> pandas.Series`` with the same index as ``values``;
an element is ``None`` when the value is valid, otherwise the reason code of the first failing check,
the same code the scalar module's exception carries (``exc.reason``):

    ``empty``, ``length``, ``character``, ``checksum``, ``date``, ``future_date``, ``region``, ``type``,
    ``court``

``values`` may be a Series, a numpy array or a list; ``None``, NaN and ``pandas.NA`` are ``empty``;
non-string values (an ID read as an integer) are checked as their text.

How it is fast: the strings are joined and encoded once into a flat array of code points, scattered into a
fixed-width ``(n, width)`` matrix (zeros pad short values), normalised there (full-width to ASCII, lower to
upper case, whitespace squeezed out), and the check characters are computed as a matrix product of
character values with the weights, modulo 11 or 31. No Python code runs per element for the checksum
kinds (ric, uscc, orgcode, bankcard), nor for case numbers (matched position by position on the matrix);
plates use pandas' string methods.

>>> import pandas as pd
>>> ric_reasons(pd.Series(["11010519491231002X", "11010519491231002Y", None, "1101051949123100"])).tolist()
[None, 'checksum', 'empty', 'length']
>>> ric_birth_dates(["11010519491231002x", "bad"]).tolist()
[Timestamp('1949-12-31 00:00:00'), NaT]
>>> caseno_reasons(["(2019)宁0104执123号", "（2019）京0105执1号", "（2019）宁0104民初1号"]).tolist()
[None, 'court', 'type']
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from hub.identifiers import caseno, courts, orgcode, plate, regions, ric, translation_table, uscc

__all__ = [
    "REASON_FUNCTIONS",
    "bankcard_reasons",
    "caseno_reasons",
    "orgcode_reasons",
    "plate_reasons",
    "reasons",
    "ric_birth_dates",
    "ric_reasons",
    "uscc_reasons",
]

#: Values longer than this (before whitespace is squeezed out) are ``length`` without further work, so a
#: stray megabyte of text in one cell cannot blow up the matrix.
MAX_WIDTH = 64


# --------------------------------------------------------------------------------------------------------
# Input handling


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


# --------------------------------------------------------------------------------------------------------
# Resident ID

_RIC_WEIGHTS = np.array(ric.WEIGHTS, dtype=np.int64)
_RIC_CHECK = np.array([ord(c) for c in ric.CHECK_CHARACTERS], dtype=np.uint32)
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _ric_analysis(values: object, today: datetime.date | None):
    s = _series(values)
    matrix, lengths = _codepoints(s)
    m = _fixed(matrix, ric.LENGTH)
    is18 = lengths == ric.LENGTH
    is15 = lengths == ric.LEGACY_LENGTH
    is_digit, digits = _digits(m)
    out = _Reasons(len(s))
    out.add(lengths == 0, "empty")
    out.add(~(is18 | is15), "length")
    out.add(is18 & ~is_digit[:, :17].all(axis=1), "character")
    out.add(is15 & ~is_digit[:, :15].all(axis=1), "character")
    total = digits[:, :17] @ _RIC_WEIGHTS
    out.add(is18 & (m[:, 17] != _RIC_CHECK[total % 11]), "checksum")
    # birth date: YYYYMMDD at 6:14, or 19YYMMDD at 6:12 for legacy numbers
    year = np.where(is15, 1900 + _number(digits[:, 6:8]), _number(digits[:, 6:10]))
    month = np.where(is15, _number(digits[:, 8:10]), _number(digits[:, 10:12]))
    day = np.where(is15, _number(digits[:, 10:12]), _number(digits[:, 12:14]))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.clip(month - 1, 0, 11)] + ((month == 2) & leap)
    date_ok = month_ok & (day >= 1) & (day <= last_day) & (year >= ric.EARLIEST_BIRTH_YEAR)
    out.add(~date_ok, "date")
    now = _today(today)
    out.add(year * 10000 + month * 100 + day > now.year * 10000 + now.month * 100 + now.day, "future_date")
    out.add(~regions.known_code_mask()[_number(digits[:, :6])], "region")
    return s, out, year, month, day


def ric_reasons(values: pd.Series, *, today: datetime.date | None = None) -> pd.Series:
    """Reason per resident ID number (18-digit and legacy 15-digit), None when valid.

    Same checks and order as :func:`hub.identifiers.ric.validate`.
    """
    s, out, *_ = _ric_analysis(values, today)
    return out.series(s.index)


def ric_birth_dates(values: pd.Series, *, today: datetime.date | None = None) -> pd.Series:
    """Birth date per resident ID number as ``datetime64``; NaT where the number is not valid."""
    s, out, year, month, day = _ric_analysis(values, today)
    ok = ~out.decided
    y = np.where(ok, year, 1970) - 1970
    m = np.where(ok, month, 1) - 1
    d = np.where(ok, day, 1) - 1
    dates = (y.astype("datetime64[Y]").astype("datetime64[M]") + m).astype("datetime64[D]") + d
    dates = dates.astype("datetime64[s]")
    dates[~ok] = np.datetime64("NaT")
    return pd.Series(dates, index=s.index, name=s.name).astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------------------
# Unified social credit code

_USCC_TABLE = _lookup(uscc.ALPHABET)
_USCC_WEIGHTS = np.array(uscc.WEIGHTS, dtype=np.int64)
_USCC_PREFIX_OK = np.zeros(31 * 31, dtype=bool)
for _prefix in uscc.VALID_PREFIXES:
    _USCC_PREFIX_OK[uscc.ALPHABET.index(_prefix[0]) * 31 + uscc.ALPHABET.index(_prefix[1])] = True


def uscc_reasons(values: pd.Series) -> pd.Series:
    """Reason per unified social credit code, None when valid (as :func:`hub.identifiers.uscc.validate`)."""
    s = _series(values)
    matrix, lengths = _codepoints(s, delete="-")
    m = _fixed(matrix, uscc.LENGTH)
    vals = _values(m, _USCC_TABLE)
    is18 = lengths == uscc.LENGTH
    out = _Reasons(len(s))
    out.add(lengths == 0, "empty")
    out.add(~is18, "length")
    out.add((vals < 0).any(axis=1), "character")
    good = np.maximum(vals, 0).astype(np.int64)
    expected = (31 - (good[:, :17] @ _USCC_WEIGHTS) % 31) % 31
    out.add(good[:, 17] != expected, "checksum")
    out.add(~_USCC_PREFIX_OK[good[:, 0] * 31 + good[:, 1]], "type")
    return out.series(s.index)


# --------------------------------------------------------------------------------------------------------
# Organisation code

_ORG_TABLE = _lookup(orgcode.ALPHABET)
_ORG_WEIGHTS = np.array(orgcode.WEIGHTS, dtype=np.int64)
_ORG_CHECK = np.array([ord(c) for c in orgcode.CHECK_CHARACTERS], dtype=np.uint32)


def orgcode_reasons(values: pd.Series) -> pd.Series:
    """Reason per organisation code, None when valid (as :func:`hub.identifiers.orgcode.validate`)."""
    s = _series(values)
    matrix, lengths = _codepoints(s, delete="-")
    m = _fixed(matrix, orgcode.LENGTH)
    vals = _values(m[:, :8], _ORG_TABLE)
    out = _Reasons(len(s))
    out.add(lengths == 0, "empty")
    out.add(lengths != orgcode.LENGTH, "length")
    out.add((vals < 0).any(axis=1), "character")
    total = np.maximum(vals, 0).astype(np.int64) @ _ORG_WEIGHTS
    out.add(m[:, 8] != _ORG_CHECK[(11 - total % 11) % 11], "checksum")
    return out.series(s.index)


# --------------------------------------------------------------------------------------------------------
# Bank card


def bankcard_reasons(values: pd.Series) -> pd.Series:
    """Reason per bank card number, None when valid (16-19 digits, Luhn)."""
    from hub.identifiers import bankcard

    s = _series(values)
    matrix, lengths = _codepoints(s, delete="-")
    m = _fixed(matrix, bankcard.MAX_LENGTH)
    is_digit, digits = _digits(m)
    out = _Reasons(len(s))
    out.add(lengths == 0, "empty")
    out.add((lengths < bankcard.MIN_LENGTH) | (lengths > bankcard.MAX_LENGTH), "length")
    inside = np.arange(m.shape[1])[None, :] < lengths[:, None]
    out.add((inside & ~is_digit).any(axis=1), "character")
    from_right = lengths[:, None] - 1 - np.arange(m.shape[1])[None, :]
    d = digits.astype(np.int64)
    doubled = d * 2 - 9 * (d >= 5)
    luhn = np.where(from_right % 2 == 1, doubled, d) * inside
    out.add(luhn.sum(axis=1) % 10 != 0, "checksum")
    return out.series(s.index)


# --------------------------------------------------------------------------------------------------------
# Text-pattern kinds (no checksum): plates with pandas string methods, case numbers on the code-point matrix


def _compact_texts(s: pd.Series, delete: str = "") -> pd.Series:
    """Every value as :func:`hub.identifiers.squeeze` compacts it, as an object Series of ``str``."""
    texts = pd.Series(_texts(s), index=s.index, dtype=object)
    return texts.str.translate(translation_table(delete))


_PROVINCE_CHARS = list(plate.PROVINCES)
_NINGXIA_OFFICES = list(plate.NINGXIA_OFFICES)


def plate_reasons(values: pd.Series) -> pd.Series:
    """Reason per plate number, None when valid (as :func:`hub.identifiers.plate.validate`)."""
    s = _series(values)
    t = _compact_texts(s, delete=plate.SEPARATORS)
    first = t.str[:1]
    office = t.str[1:2]
    serial = t.str[2:]
    serial_length = serial.str.len().to_numpy()
    out = _Reasons(len(s))
    out.add((t.str.len() == 0).to_numpy(), "empty")
    unknown_province = ~first.isin(_PROVINCE_CHARS).to_numpy()
    ascii_first = first.map(str.isascii).to_numpy(dtype=bool)
    out.add(unknown_province & ascii_first, "character")
    out.add(unknown_province, "region")
    out.add(~office.str.fullmatch(r"[A-Z]").to_numpy(dtype=bool), "character")
    out.add(((first == plate.NINGXIA) & ~office.isin(_NINGXIA_OFFICES)).to_numpy(), "region")
    out.add((serial_length != 5) & (serial_length != 6), "length")
    ordinary = serial.str.fullmatch(plate.ORDINARY_SERIAL.pattern).to_numpy(dtype=bool)
    small = serial.str.fullmatch(plate.SMALL_NEW_ENERGY_SERIAL.pattern).to_numpy(dtype=bool)
    large = serial.str.fullmatch(plate.LARGE_NEW_ENERGY_SERIAL.pattern).to_numpy(dtype=bool)
    fits = np.where(serial_length == 5, ordinary, small | large)
    out.add(~fits, "character")
    return out.series(s.index)


_COURT_CODES = list(courts.COURTS)
_CASE_TYPES = list(caseno.ENFORCEMENT_TYPES)

_OPEN, _CLOSE, _HAO = ord("("), ord(")"), ord("号")  # squeezed: full-width parentheses are ASCII here
_SUPREME = [ord(c) for c in caseno.SUPREME_COURT_CODE]
_HAN_FIRST, _HAN_LAST = 0x4E00, 0x9FFF  # the [\u4e00-\u9fff] of caseno.PATTERN


def _court_key(province: np.ndarray, digit_count: np.ndarray, number: np.ndarray) -> np.ndarray:
    """Province character, number of court digits (0, 2 or 4) and their value as one int64."""
    return province.astype(np.int64) * 100_000 + (digit_count // 2) * 10_000 + number


def _known_court_keys() -> np.ndarray:
    keys = []
    for code in courts.COURTS:
        digits = code[1:]
        if (
            code != caseno.SUPREME_COURT_CODE
            and len(digits) in (0, 2, 4)
            and digits.isascii()
            and (digits.isdigit() or not digits)
        ):
            keys.append(ord(code[0]) * 100_000 + len(digits) // 2 * 10_000 + int(digits or 0))
    return np.array(keys, dtype=np.int64)


_COURT_KEYS = _known_court_keys()


@functools.cache
def _other_decimals() -> np.ndarray:
    """Code points of the Basic Multilingual Plane that ``re``'s ``\\d`` matches besides ASCII 0-9."""
    return np.array([c >= 0x80 and chr(c).isdecimal() for c in range(0x10000)], dtype=bool)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """(n, w) bool → (w, n) uint8, column by column: how many consecutive True cells of the row start at
    each cell (w < 256)."""
    columns = np.ascontiguousarray(mask.T)
    runs = np.zeros(columns.shape, dtype=np.uint8)
    run = np.zeros(columns.shape[1], dtype=np.uint8)
    for j in range(columns.shape[0] - 1, -1, -1):
        run += 1
        run *= columns[j]
        runs[j] = run
    return runs


def caseno_reasons(values: pd.Series, *, today: datetime.date | None = None) -> pd.Series:
    """Reason per case number, None when valid (as :func:`hub.identifiers.caseno.validate`).

    Works on the code-point matrix: ``caseno.PATTERN`` is matched position by position from run lengths
    of Han characters and digits. Values the matrix cannot decide exactly (longer than :data:`MAX_WIDTH`,
    characters outside the Basic Multilingual Plane, non-ASCII decimal digits) go through
    :func:`_caseno_reasons_by_regex`, which gives the same answers as the matrix for everything else.
    """
    s = _series(values)
    n = len(s)
    out = _Reasons(n)
    if n == 0:
        return out.series(s.index)
    matrix, lengths = _codepoints(s)
    m = _fixed(matrix, max(matrix.shape[1], 10) + 1)  # at least one zero column past every value
    width = m.shape[1]
    slow = lengths > MAX_WIDTH
    if m.max() > 0xFFFF:
        slow |= (m > 0xFFFF).any(axis=1)
        m = np.where(m > 0xFFFF, 0, m)  # those rows are decided by the regex
    slow |= _other_decimals()[m].any(axis=1)

    han = (m >= _HAN_FIRST) & (m <= _HAN_LAST)
    is_digit = (m - np.uint32(0x30)) < 10  # wraps around below "0"
    han_run = _run_lengths(han).reshape(-1)
    digit_run = _run_lengths(is_digit).reshape(-1)
    zero_run = _run_lengths(m == 0x30).reshape(-1)
    flat = m.reshape(-1)
    rows = np.arange(n)
    row_starts = rows * width

    def char_at(column: np.ndarray) -> np.ndarray:
        return flat[row_starts + np.minimum(column, width - 1)]

    def run_at(runs: np.ndarray, column: np.ndarray) -> np.ndarray:
        return runs[np.minimum(column, width - 1) * n + rows].astype(np.int64)

    # （year）
    shape = (lengths >= 10) & (m[:, 0] == _OPEN) & is_digit[:, 1:5].all(axis=1) & (m[:, 5] == _CLOSE)
    # court: 最高法 when a Han character follows it (else the regex backtracks to province 最), or a province
    # character and 0, 2 or 4 digits (a digit right after the court leaves no type code: no match)
    supreme = han[:, 6 + len(_SUPREME)].copy()
    for i, code_point in enumerate(_SUPREME):
        supreme &= m[:, 6 + i] == code_point
    court_digits = np.where(supreme, 0, digit_run[7 * n : 8 * n].astype(np.int64))
    shape &= han[:, 6] & (supreme | ((court_digits % 2 == 0) & (court_digits <= 4)))
    type_start = np.where(supreme, 6 + len(_SUPREME), 7 + court_digits)
    # type code: the Han characters up to the sequence; sequence: digits, then 号 at the end
    type_length = run_at(han_run, type_start)
    sequence_start = type_start + type_length
    sequence_length = run_at(digit_run, sequence_start)
    sequence_end = sequence_start + sequence_length
    shape &= (type_length >= 1) & (sequence_length >= 1)
    shape &= (char_at(sequence_end) == _HAO) & (lengths == sequence_end + 1)
    sequence_positive = run_at(zero_run, sequence_start) < sequence_length  # not all zeros

    digits = np.where(is_digit[:, 1:11], m[:, 1:11] - np.uint32(0x30), 0).astype(np.int64)
    year = _number(digits[:, 0:4])
    court_number = np.where(court_digits == 4, _number(digits[:, 6:10]), _number(digits[:, 6:8]))
    court_number = np.where(court_digits == 0, 0, court_number)
    known_court = np.where(
        supreme,
        caseno.SUPREME_COURT_CODE in courts.COURTS,
        np.isin(_court_key(m[:, 6], court_digits, court_number), _COURT_KEYS),
    )
    longest = max(map(len, caseno.ENFORCEMENT_TYPES))
    type_chars = [char_at(type_start + i) for i in range(longest)]
    enforcement = np.zeros(n, dtype=bool)
    for type_code in caseno.ENFORCEMENT_TYPES:
        same = type_length == len(type_code)
        for i, char in enumerate(type_code):
            same &= type_chars[i] == ord(char)
        enforcement |= same

    out.add(lengths == 0, "empty")
    out.add(~shape, "character")
    out.add(~sequence_positive, "character")
    out.add(year < caseno.EARLIEST_YEAR, "date")
    out.add(year > _today(today).year, "future_date")
    out.add(~known_court, "court")
    out.add(~enforcement, "type")
    if slow.any():
        out.codes[slow] = _caseno_reasons_by_regex(s[slow], today).to_numpy()
    return out.series(s.index)


def _caseno_reasons_by_regex(s: pd.Series, today: datetime.date | None) -> pd.Series:
    """:func:`caseno_reasons` with pandas string methods and ``caseno.PATTERN`` (one Python call per value
    and method): the reference for the matrix version, and what decides the values it cannot."""
    t = _compact_texts(s).str.replace("(", "（", regex=False).str.replace(")", "）", regex=False)
    parts = t.str.extract(f"^(?:{caseno.PATTERN.pattern})$")
    out = _Reasons(len(s))
    out.add((t.str.len() == 0).to_numpy(), "empty")
    matched = parts["year"].notna().to_numpy()
    out.add(~matched, "character")
    sequence = pd.to_numeric(parts["sequence"], errors="coerce").fillna(0).to_numpy()
    out.add(sequence < 1, "character")
    year = pd.to_numeric(parts["year"], errors="coerce").fillna(0).to_numpy()
    out.add(year < caseno.EARLIEST_YEAR, "date")
    out.add(year > _today(today).year, "future_date")
    out.add(~parts["court"].isin(_COURT_CODES).to_numpy(), "court")
    out.add(~parts["type"].isin(_CASE_TYPES).to_numpy(), "type")
    return out.series(s.index)


# --------------------------------------------------------------------------------------------------------

#: kind → reasons function (the kinds of :data:`hub.identifiers.KIND_MODULES`).
REASON_FUNCTIONS: dict[str, Callable[..., pd.Series]] = {
    "ric": ric_reasons,
    "uscc": uscc_reasons,
    "orgcode": orgcode_reasons,
    "plate": plate_reasons,
    "caseno": caseno_reasons,
    "bankcard": bankcard_reasons,
}


def reasons(kind: str, values: pd.Series) -> pd.Series:
    """Reason per value for the identifier ``kind`` (``ric``, ``uscc``, ``orgcode``, ``plate``, ``caseno``,
    ``bankcard``)."""
    try:
        function = REASON_FUNCTIONS[kind]
    except KeyError:
        raise ValueError(f"unknown identifier kind {kind!r}; known: {', '.join(REASON_FUNCTIONS)}") from None
    return function(values)
