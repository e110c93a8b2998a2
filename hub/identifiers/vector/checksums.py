"""Checksum kinds on the code-point matrix: resident ID, credit code, organisation code, bank card.

The check characters are computed as a matrix product of character values with the weights, modulo 11,
31 or 10 (Luhn): no Python code runs per element.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from hub.identifiers import orgcode, regions, ric, uscc

from ._matrix import _codepoints, _digits, _fixed, _lookup, _number, _Reasons, _series, _today, _values

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
    # the date digits of an 18-character number, whatever else is wrong with it
    shaped = is18 & is_digit[:, :17].all(axis=1) & (is_digit[:, 17] | (m[:, 17] == ord("X")))
    calendar = shaped & month_ok & (day >= 1) & (day <= last_day) & (year >= 1)
    return s, out, year, month, day, calendar


def ric_reasons(values: pd.Series, *, today: datetime.date | None = None) -> pd.Series:
    """Reason per resident ID number (18-digit and legacy 15-digit), None when valid.

    Same checks and order as :func:`hub.identifiers.ric.validate`.
    """
    s, out, *_ = _ric_analysis(values, today)
    return out.series(s.index)


def ric_birth_dates(values: pd.Series, *, today: datetime.date | None = None, lenient: bool = False) -> pd.Series:
    """Birth date per resident ID number as ``datetime64``; NaT where the number is not valid.

    ``lenient``: also read the date digits (positions 7-14) of an 18-character number of 17 digits and a
    digit or X that is not valid otherwise (wrong check character, unknown region, a future or too early
    date), as long as they form a calendar date; the result is then ``datetime64[s]`` (years 1-9999).
    Why: a typo in the check character says nothing about age, and the adult rule reads the birth date
    while the ID rule reports the ID.
    """
    s, out, year, month, day, calendar = _ric_analysis(values, today)
    ok = ~out.decided | calendar if lenient else ~out.decided
    y = np.where(ok, year, 1970) - 1970
    m = np.where(ok, month, 1) - 1
    d = np.where(ok, day, 1) - 1
    dates = (y.astype("datetime64[Y]").astype("datetime64[M]") + m).astype("datetime64[D]") + d
    dates = dates.astype("datetime64[s]")
    dates[~ok] = np.datetime64("NaT")
    series = pd.Series(dates, index=s.index, name=s.name)
    return series if lenient else series.astype("datetime64[ns]")


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
