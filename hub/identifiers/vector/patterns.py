"""Text-pattern kinds (no checksum): plates with pandas string methods, case numbers on the matrix.

Case numbers are matched position by position from run lengths of Han characters and digits, so a
million of them validate without a Python call per value; the regex version decides the rare values the
matrix cannot (too long, outside the Basic Multilingual Plane, non-ASCII decimal digits) and is the
reference the matrix version is tested against.
"""

from __future__ import annotations

import datetime
import functools

import numpy as np
import pandas as pd

from hub.identifiers import caseno, courts, plate, translation_table

from ._matrix import MAX_WIDTH, _codepoints, _fixed, _number, _Reasons, _series, _texts, _today


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
