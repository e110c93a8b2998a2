"""The vectorised checks agree with the scalar modules, value by value, on generated and corrupted input."""

from __future__ import annotations

import datetime
import random
import string

import numpy as np
import pandas as pd
import pytest

from hub.errors import InvalidIdentifier
from hub.identifiers import bankcard, caseno, courts, orgcode, plate, regions, ric, uscc, vector
from hub.identifiers._errors import REASONS

TODAY = datetime.date(2025, 6, 30)
COUNT = 3000

# --------------------------------------------------------------------------------------------------------
# Generators of valid values


def _ric(rng: random.Random) -> str:
    region = rng.choice(_REGION_CODES)
    born = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(0, 34000))
    if rng.random() < 0.1:  # legacy 15-digit
        return f"{region}{born:%y%m%d}{rng.randrange(1000):03d}"
    body = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body)


def _uscc(rng: random.Random) -> str:
    prefix = rng.choice(sorted(uscc.VALID_PREFIXES))
    body = prefix + rng.choice(_REGION_CODES) + "".join(rng.choice(uscc.ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _orgcode(rng: random.Random) -> str:
    body = "".join(rng.choice(orgcode.ALPHABET) for _ in range(8))
    check = orgcode.calc_check_digit(body)
    return f"{body}-{check}" if rng.random() < 0.5 else body + check


def _bankcard(rng: random.Random) -> str:
    length = rng.randint(16, 19)
    body = "62" + "".join(rng.choice(string.digits) for _ in range(length - 3))
    return body + bankcard.calc_check_digit(body)


_SERIAL = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _plate(rng: random.Random) -> str:
    province = rng.choice(list(plate.PROVINCES))
    office = rng.choice(list(plate.NINGXIA_OFFICES)) if province == "宁" else rng.choice(string.ascii_uppercase)
    kind = rng.random()
    if kind < 0.6:
        serial = "".join(rng.choice(_SERIAL) for _ in range(5))
    elif kind < 0.7:
        serial = "".join(rng.choice(_SERIAL) for _ in range(4)) + rng.choice("挂学警")
    elif kind < 0.9:
        serial = rng.choice("DABCEFGHJK") + rng.choice(_SERIAL) + "".join(rng.choice(string.digits) for _ in range(4))
    else:
        serial = "".join(rng.choice(string.digits) for _ in range(5)) + rng.choice("DF")
    return province + office + serial


def _caseno(rng: random.Random) -> str:
    year = rng.randint(caseno.EARLIEST_YEAR, TODAY.year)
    court = rng.choice(list(courts.COURTS))
    type_code = rng.choice(list(caseno.ENFORCEMENT_TYPES))
    opening, closing = ("(", ")") if rng.random() < 0.3 else ("（", "）")
    return f"{opening}{year}{closing}{court}{type_code}{rng.randint(1, 99999)}号"


_REGION_CODES = sorted(regions.known_codes())

GENERATORS = {
    "ric": _ric,
    "uscc": _uscc,
    "orgcode": _orgcode,
    "bankcard": _bankcard,
    "plate": _plate,
    "caseno": _caseno,
}

# --------------------------------------------------------------------------------------------------------
# Corruptions

_POOL = string.digits + "XxAaIOZ-·. \u3000１２Ｘｘ（）()宁京执号挂é\t"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _corrupt(value: str, rng: random.Random) -> str:
    how = rng.randrange(9)
    if not value:
        return value
    i = rng.randrange(len(value))
    if how == 0:
        return value[:i] + rng.choice(_POOL) + value[i + 1 :]
    if how == 1:
        return value[:i] + value[i + 1 :]
    if how == 2:
        return value[:i] + rng.choice(_POOL) + value[i:]
    if how == 3 and len(value) > 1:
        j = min(i + 1, len(value) - 1)
        chars = list(value)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)
    if how == 4:
        return value.lower()
    if how == 5:
        return _full_width(value)
    if how == 6:
        return f" {value[:i]} {value[i:]}\t"
    if how == 7:
        return value + value[-1]
    return value[:-1] + rng.choice(_POOL)


def _ric_semantic(rng: random.Random) -> str:
    """Numbers with a correct check character that fail a later check (date, future, region, year)."""
    region = rng.choice(["649999", "000000", "999999", "640199"]) if rng.random() < 0.3 else rng.choice(_REGION_CODES)
    date = rng.choice(["19990230", "20000229", "19000229", "20230931", "19991301", "19990000", "18800101"])
    if rng.random() < 0.3:
        date = (TODAY + datetime.timedelta(days=rng.randint(1, 3000))).strftime("%Y%m%d")
    body = f"{region}{date}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body)


def _uscc_semantic(rng: random.Random) -> str:
    body = rng.choice(uscc.ALPHABET) + rng.choice(uscc.ALPHABET) + "640100" + "MA7L2LX55"
    return body + uscc.calc_check_digit(body)


def _caseno_semantic(rng: random.Random) -> str:
    year = rng.choice([1985, 1989, 1990, TODAY.year, TODAY.year + 1, 2099])
    court = rng.choice([*courts.COURTS, "宁0199", "京0105", "宁99", "最高法", "甘01"])
    type_code = rng.choice([*caseno.ENFORCEMENT_TYPES, "民初", "执请", "刑终"])
    sequence = rng.choice(["0", "007", "123"])
    return f"（{year}）{court}{type_code}{sequence}号"


SEMANTIC = {"ric": _ric_semantic, "uscc": _uscc_semantic, "caseno": _caseno_semantic}

ODD_INPUTS = [
    None,
    np.nan,
    pd.NA,
    "",
    " ",
    "\u3000\t",
    "x" * 200,
    " " * 70 + "11010519491231002X",
    110105194912310020,
    1.5,
    "11010519491231002X\x00",
    "１１０１０５１９４９１２３１００２ｘ",
    "91350100M000100Y43",
    "D2143569-X",
    "（2019）宁0104执123号",
    "宁A·12345",
    "6222021001112345670",
    "😀" * 5,
]


def _values(kind: str, seed: int) -> list[object]:
    rng = random.Random(seed)
    make = GENERATORS[kind]
    values: list[object] = [make(rng) for _ in range(COUNT)]
    values += [_corrupt(make(rng), rng) for _ in range(COUNT)]
    if kind in SEMANTIC:
        values += [SEMANTIC[kind](rng) for _ in range(COUNT // 3)]
    return values + ODD_INPUTS


def _scalar_reason(kind: str, value: object) -> str | None:
    module = {"ric": ric, "uscc": uscc, "orgcode": orgcode, "bankcard": bankcard, "plate": plate, "caseno": caseno}
    kwargs = {"today": TODAY} if kind in ("ric", "caseno") else {}
    try:
        module[kind].validate(value, **kwargs)
    except InvalidIdentifier as exc:
        return exc.reason
    return None


def _vector_reasons(kind: str, values: pd.Series) -> pd.Series:
    function = vector.REASON_FUNCTIONS[kind]
    return function(values, today=TODAY) if kind in ("ric", "caseno") else function(values)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_vector_reasons_agree_with_scalar_validation_on_generated_and_corrupted_values(kind):
    values = _values(kind, seed=sum(map(ord, kind)))
    series = pd.Series(values, dtype=object)
    got = _vector_reasons(kind, series)
    expected = [_scalar_reason(kind, value) for value in values]
    disagreements = [
        (value, want, have) for value, want, have in zip(values, expected, got, strict=True) if want != have
    ]
    assert disagreements == []
    assert got.index.equals(series.index)
    assert set(got.dropna()) <= set(REASONS)
    assert got.isna().sum() >= COUNT  # the generated values are valid
    assert got.notna().sum() >= COUNT // 3  # and corruptions are caught (plates have no checksum)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_vector_reasons_keep_the_index_and_accept_lists_and_arrays(kind):
    rng = random.Random(1)
    values = [GENERATORS[kind](rng) for _ in range(5)] + [None]
    series = pd.Series(values, index=[10, 20, 30, 40, 50, 60], dtype=object)
    from_series = _vector_reasons(kind, series)
    assert list(from_series.index) == [10, 20, 30, 40, 50, 60]
    assert from_series.tolist() == [None] * 5 + ["empty"]
    assert _vector_reasons(kind, values).tolist() == from_series.tolist()
    assert _vector_reasons(kind, np.array(values, dtype=object)).tolist() == from_series.tolist()


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_vector_reasons_never_raise_on_odd_input_and_report_missing_as_empty(kind):
    got = _vector_reasons(kind, pd.Series(ODD_INPUTS, dtype=object))
    assert got.iloc[:6].tolist() == ["empty"] * 6
    assert got.iloc[6] == "length" or got.iloc[6] == "character"


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_vector_reasons_of_an_empty_series_is_empty(kind):
    assert _vector_reasons(kind, pd.Series([], dtype=object)).tolist() == []


def test_vector_reasons_work_on_pandas_string_dtype():
    values = pd.Series(["11010519491231002X", None, "11010519491231002Y"], dtype="string")
    assert vector.ric_reasons(values).tolist() == [None, "empty", "checksum"]


def test_birth_dates_match_the_scalar_parse_and_are_nat_when_invalid():
    values = _values("ric", seed=7)
    dates = vector.ric_birth_dates(pd.Series(values, dtype=object), today=TODAY)
    assert str(dates.dtype).startswith("datetime64")
    for value, got in zip(values, dates, strict=True):
        if ric.is_valid(value, today=TODAY):
            assert got.date() == ric.parse(value, today=TODAY).birth_date
        else:
            assert pd.isna(got)


def test_legacy_numbers_get_twentieth_century_birth_dates():
    dates = vector.ric_birth_dates(["110105491231002", "640104000101001"])
    assert [d.date() for d in dates] == [datetime.date(1949, 12, 31), datetime.date(1900, 1, 1)]


def test_lenient_birth_dates_read_the_date_digits_of_numbers_invalid_for_other_reasons():
    body = "99999920000101001"
    unknown_region = body + ric.CHECK_CHARACTERS[sum(int(c) * w for c, w in zip(body, ric.WEIGHTS, strict=True)) % 11]
    full_width = "１１０１０５１９４９１２３１００２１"  # compacted as the validator does; wrong check character
    impossible, short, valid = "11010519990230002X", "1101051949123100", "11010519491231002X"
    values = ["110105194912310021", unknown_region, full_width, impossible, short, None, valid]
    assert vector.ric_reasons(values).tolist()[:3] == ["checksum", "region", "checksum"]
    strict = vector.ric_birth_dates(values)
    lenient = vector.ric_birth_dates(values, lenient=True)
    assert strict.isna().tolist() == [True, True, True, True, True, True, False]
    read = [None if pd.isna(d) else d.date() for d in lenient]
    birthday = datetime.date(1949, 12, 31)
    assert read == [birthday, datetime.date(2000, 1, 1), birthday, None, None, None, birthday]


def test_reasons_dispatches_by_kind_and_rejects_unknown_kinds():
    assert vector.reasons("orgcode", ["D2143569-X", "D2143569-1"]).tolist() == [None, "checksum"]
    with pytest.raises(ValueError, match="unknown identifier kind"):
        vector.reasons("passport", ["E12345678"])


# --------------------------------------------------------------------------------------------------------
# Case numbers: the code-point matrix against the scalar module and the regex reference

_CASENO_YEARS = ["2019", "1989", str(TODAY.year + 1), "0000", "２０１９", "201", "20199"]
_CASENO_COURTS = [*courts.COURTS, "最高法", "最", "最高", "宁0", "宁010", "宁01041", "宁010401", "京0105", "宁99", ""]
_CASENO_TYPES = [*caseno.ENFORCEMENT_TYPES, "民初", "", "执执", "执号", "高法执", "号"]
_CASENO_SEQUENCES = ["0", "00", "007", "1", "123", "0" * 30, "9" * 40, "", "1" * 70, "１２"]
_CASENO_POOL = [*"0123456789０１２（）()号执恢宁最高法民初京 \t\u3000xé", "最高法", "宁01", "执恢", "\n", "\x00"]


def _caseno_shape(rng: random.Random, pool: list[str]) -> str:
    """Case numbers built from right and wrong parts (the regex's backtracking cases: 最高法 followed by a
    digit, odd numbers of court digits, empty parts, long sequences), then edited at random."""
    opening, closing = rng.choice([("（", "）"), ("(", ")"), ("(", "）"), ("", ""), ("（", "")])
    value = (
        f"{opening}{rng.choice(_CASENO_YEARS)}{closing}{rng.choice(_CASENO_COURTS)}{rng.choice(_CASENO_TYPES)}"
        f"{rng.choice(_CASENO_SEQUENCES)}{rng.choice(['号', '号号', '', '号 ', 'x'])}"
    )
    for _ in range(rng.choice([0, 0, 1, 2])):
        i = rng.randrange(len(value) + 1)
        value = value[:i] + rng.choice(pool) + value[i + rng.randrange(2) :]
    return value


def test_caseno_reasons_agree_with_scalar_validation_on_generated_valid_corrupted_and_tricky_values():
    rng = random.Random(2024)
    values = [_caseno(rng) for _ in range(COUNT)]
    values += [_corrupt(_caseno(rng), rng) for _ in range(COUNT)]
    values += [_caseno_shape(rng, _CASENO_POOL) for _ in range(COUNT)]
    values += [_full_width(v) if i % 2 else v.lower() for i, v in enumerate(values[:500])]
    got = vector.caseno_reasons(pd.Series(values, dtype=object), today=TODAY).tolist()
    expected = [_scalar_reason("caseno", value) for value in values]
    assert [(v, want, have) for v, want, have in zip(values, expected, got, strict=True) if want != have] == []
    assert got.count(None) >= COUNT
    assert {"character", "date", "future_date", "court", "type"} <= set(got)


def test_caseno_reasons_are_those_of_the_regex_reference_whatever_the_input():
    """Including what the matrix hands to the regex: non-ASCII decimal digits (which the reference, unlike the
    scalar module, does not read as numbers), characters outside the BMP, values longer than MAX_WIDTH."""
    rng = random.Random(99)
    pool = [*_CASENO_POOL, "٢", "١", "𝟎", "😀", "\ud800", "宁" * 70]
    values: list[object] = [_caseno_shape(rng, pool) for _ in range(4000)]
    values += [*ODD_INPUTS, pd.NaT, b"(2019)", 2019, "（2019）宁0104执" + "1" * 70 + "号", "（2019）宁0104执١号"]
    series = pd.Series(values, dtype=object, index=range(5, 5 + len(values)))
    got = vector.caseno_reasons(series, today=TODAY)
    expected = vector._caseno_reasons_by_regex(series, TODAY)
    assert got.index.equals(series.index)
    assert [(v, want, have) for v, want, have in zip(values, expected, got, strict=True) if want != have] == []
    assert got.iloc[-2:].tolist() == [None, "character"]
