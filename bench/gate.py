"""Quality-gate benchmark: the dishonest-list suite on N generated rows, against a Python loop and plain pandas.

    .venv/bin/python bench/gate.py                    # 1,000,000 rows
    .venv/bin/python bench/gate.py --rows 200000 --profile

All paths run in this one process, on the same generated frame, one after the other:

* ``gate``: :class:`hub.quality.gate.QualityGate` with ``expectations/dishonest_list_outbound.json`` (15
  expectations, the hub's vectorised custom ones among them), ``check`` on the whole frame, again in ten
  chunks (``--chunks``), and on the first ``--pipeline-rows`` rows in chunks of ``HUB_CHUNK_SIZE`` (5,000, what
  the pipeline really hands the gate; extrapolated to the whole frame).
* ``loop``: the same 15 checks written as a row-by-row Python loop over the scalar identifier modules
  (``hub.identifiers.ric/uscc/orgcode/caseno``), on the first ``--loop-rows`` rows only, extrapolated to
  rows/s (a million rows would take minutes).
* ``plain``: the same checks as plain vectorised pandas/numpy without Great Expectations: the
  :mod:`hub.identifiers.vector` functions for the identifiers (they are the plain reference for checksums),
  pandas for not-null, in-set, ID type against party kind, date order, adult on the decision date and
  duplicates. This is the reference every ratio is taken against.

Every path returns what the gate returns (the rows that passed and, per failing record key, the reasons),
and the benchmark fails (exit status 1) unless all of them flag the same (record, reason) pairs: gate and
plain on the whole frame and per chunk, loop and plain on the loop's sample.

Start-up is reported apart from the checks: ``import great_expectations`` in a fresh interpreter (cold as far
as Python goes; the OS file cache is warm after the first of ``--import-runs`` runs), then in that interpreter
the hub's custom expectations, an ephemeral context and a whole ``QualityGate``; and the same in this process.

Targets (from the issue): the gate within 2x of the plain reference (whole frame, ten chunks, and, beyond the
issue, chunks of ``HUB_CHUNK_SIZE``), and at least 20x the loop's rows/s. With ``--profile``, or automatically
when a 2x line fails (``--no-profile`` to skip), a whole-frame check and the ``HUB_CHUNK_SIZE`` checks run under
cProfile (printed, and saved as ``bench/results/gate-<time>-*.prof``), and GE's layers are taken away one at a
time to show what each costs (that part uses GE's internal ``Validator``; diagnosis only).
Results: stdout and ``bench/results/gate-<time>.json`` (with hashes of the gate's source files, since the gate is
measured as it is in the working tree).

The generated frame has exactly the columns the suite reads, typed as :func:`hub.extract.pages` yields
them (``str`` text, ``int64`` ids and codes, ``datetime.date`` objects for dates): 72% persons with resident
IDs of (mostly) Ningxia regions, organisations with credit codes or organisation codes, all with correct
check characters, Ningxia case numbers, plus harmless variants the validators accept (lower-case x, legacy
15-digit IDs, half-width parentheses, codes without hyphen) and ``--defect-rate`` (5%) defects of the kinds
in :data:`DEFECT_KINDS`, generated without a Python loop per row.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import hashlib
import json
import math
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from hub import identifiers  # noqa: E402
from hub.identifiers import caseno, courts, orgcode, ric, uscc, vector  # noqa: E402
from hub.identifiers._errors import InvalidIdentifier  # noqa: E402
from sandbox.case_generator import realism  # noqa: E402

SUITE_PATH = PROJECT_ROOT / "expectations" / "dishonest_list_outbound.json"
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
KEY = "entry_id"
COLUMNS = (
    *("entry_id", "party_name", "id_number", "id_type", "party_kind", "party_role", "case_no", "state"),
    *("trigger_code", "filing_date", "decision_date", "publish_date"),
)
TARGET_VS_PLAIN = 2.0  # the gate may take at most this many times the plain reference's time
TARGET_VS_LOOP = 20.0  # the gate must check at least this many times the loop's rows/s

#: The suite the hand-written loop and plain paths implement, in suite order: (type, columns, row condition
#: on id_type). The benchmark refuses to run when the suite file says otherwise, so they cannot drift apart.
SUITE_SHAPE = (
    ("expect_column_values_to_not_be_null", ("party_name",), None),
    ("expect_column_values_to_not_be_null", ("id_number",), None),
    ("expect_column_values_to_not_be_null", ("case_no",), None),
    ("expect_column_values_to_be_in_set", ("state",), None),
    ("expect_column_values_to_be_in_set", ("trigger_code",), None),
    ("expect_column_values_to_be_in_set", ("party_role",), None),
    ("expect_column_pair_values_id_type_matches_party_kind", ("party_kind", "id_type"), None),
    ("expect_column_values_to_be_valid_resident_id", ("id_number",), "RIC"),
    ("expect_column_values_to_be_valid_credit_code", ("id_number",), "USCC"),
    ("expect_column_values_to_be_valid_org_code", ("id_number",), "ORGCODE"),
    ("expect_column_values_to_be_valid_case_number", ("case_no",), None),
    ("expect_column_pair_values_person_adult_on_date", ("id_number", "decision_date"), "RIC"),
    ("expect_column_pair_values_dates_ordered", ("filing_date", "decision_date"), None),
    ("expect_column_pair_values_dates_ordered", ("decision_date", "publish_date"), None),
    ("expect_compound_columns_to_be_unique", ("case_no", "id_number", "trigger_code", "decision_date"), None),
)
(
    E_NAME, E_ID, E_CASE, E_STATE, E_TRIGGER, E_ROLE, E_KIND, E_RIC, E_USCC, E_ORG, E_CASENO, E_ADULT,
    E_FILED_DECIDED, E_DECIDED_PUBLISHED, E_UNIQUE,
) = range(len(SUITE_SHAPE))  # fmt: skip

#: Defect kinds injected at ``--defect-rate``, in equal shares (each broken row gets one).
DEFECT_KINDS = (
    "ric_checksum",  # resident ID with a wrong check character
    "ric_region",  # resident ID of an unknown region code (check character right)
    "ric_date",  # resident ID with an impossible birth date (check character right)
    "uscc_checksum",  # credit code with a wrong check character
    "orgcode_checksum",  # organisation code with a wrong check character
    "id_length",  # identifier with its last character cut off
    "minor",  # a person under 18 on the decision date (valid ID)
    "missing_name",  # party_name NULL
    "missing_id",  # id_number NULL
    "missing_case_no",  # case_no NULL
    "org_with_person_id",  # an ORG party carrying RIC and a resident ID (its legal representative's)
    "person_with_credit_code",  # a PERSON with id_type USCC (and a resident ID in it)
    "legal_rep_listed",  # party_role LEGAL_REPRESENTATIVE
    "publish_before_decision",
    "decision_before_filing",
    "duplicate",  # same case, debtor, trigger and decision date as another row (mostly the one before)
    "bad_state",  # PENDING or lower-case
    "bad_trigger",  # 0 or 7
    "case_other_province",  # （2021）京0105执12号
    "case_not_enforcement",  # （2021）宁0104民初12号
    "case_malformed",  # 2021宁0104执12 (no parentheses, no 号)
)

STATES = {"PUBLISHED": 0.80, "SHIELDED": 0.05, "REVOKED": 0.07, "EXPIRED": 0.08}
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力梅鹏宁海燕斌婷雪亮飞云峰志成东林")
ORG_WORDS = list("金银宏盛鑫源泰丰华瑞恒达兴隆祥和润安凯通远博鼎诚信永利昌顺合德")
INDUSTRIES = ("商贸", "建材", "建筑工程", "房地产开发", "餐饮管理", "物流", "农业科技", "煤业", "化工", "枸杞")
OTHER_COURTS = ("京0105", "甘01", "陕0113", "蒙02")
USCC_ASCII = np.frombuffer(uscc.ALPHABET.encode(), dtype=np.uint8)
ORG_ASCII = np.frombuffer(orgcode.ALPHABET.encode(), dtype=np.uint8)
RIC_CHECK_ASCII = np.frombuffer(ric.CHECK_CHARACTERS.encode(), dtype=np.uint8)
ORG_CHECK_ASCII = np.frombuffer(orgcode.CHECK_CHARACTERS.encode(), dtype=np.uint8)
STRING = np.dtypes.StringDType()


# ---------------------------------------------------------------------------------------------------------
# Generation (numpy, no Python code per row)


def _choice(rng: np.random.Generator, options: object, n: int, weights: object = None) -> np.ndarray:
    values = np.asarray(list(options))
    p = None if weights is None else np.asarray(list(weights), dtype=float) / sum(weights)
    return values[rng.choice(len(values), size=n, p=p)]


def _text(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype(STRING)


def _join(*parts: np.ndarray | str) -> np.ndarray:
    out = _text(parts[0]) if not isinstance(parts[0], str) else parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part if isinstance(part, str) else _text(part))
    return out


def _digit_columns(values: np.ndarray, width: int) -> np.ndarray:
    """(n,) non-negative ints → (n, width) decimal digits, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers) % 10


def _ascii_strings(matrix: np.ndarray) -> np.ndarray:
    """(n, w) uint8 ASCII codes → object array of n str."""
    matrix = np.ascontiguousarray(matrix, dtype=np.uint8)
    return matrix.view(f"S{matrix.shape[1]}").ravel().astype(f"U{matrix.shape[1]}").astype(object)


def _date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def resident_ids(rng: np.random.Generator, region: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """18-character resident IDs with the right check character (object array of str)."""
    year, month, day = _date_parts(birth)
    sequence = rng.integers(0, 500, len(region)) * 2 + male  # odd: male, even: female
    digits = np.hstack(
        [_digit_columns(region, 6), _digit_columns(year * 10000 + month * 100 + day, 8), _digit_columns(sequence, 3)]
    )
    check = RIC_CHECK_ASCII[(digits @ np.array(ric.WEIGHTS, dtype=np.int64)) % 11]
    return _ascii_strings(np.hstack([digits + 48, check[:, None]]))


def legacy_resident_ids(rng: np.random.Generator, region: np.ndarray, birth: np.ndarray) -> np.ndarray:
    """15-digit resident IDs (before 1999, 19YYMMDD, no check character)."""
    year, month, day = _date_parts(birth)
    digits = np.hstack(
        [
            _digit_columns(region, 6),
            _digit_columns((year % 100) * 10000 + month * 100 + day, 6),
            _digit_columns(rng.integers(0, 1000, len(region)), 3),
        ]
    )
    return _ascii_strings(digits + 48)


def _orgcode_check(values: np.ndarray) -> np.ndarray:
    """Organisation-code check characters (ASCII) of (n, 8) body values (0-9, A=10 … Z=35)."""
    total = values @ np.array(orgcode.WEIGHTS, dtype=np.int64)
    return ORG_CHECK_ASCII[(11 - total % 11) % 11]


def credit_codes(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    """Unified social credit codes: 91/92/93 prefix, region, organisation code with its check, check."""
    n = len(region)
    weights = realism.USCC_PREFIX_WEIGHTS
    prefix = _choice(rng, weights, n, weights.values()).astype("U2").view(np.uint32).reshape(n, 2)
    first, second = USCC_LOOKUP[prefix[:, 0]], USCC_LOOKUP[prefix[:, 1]]
    body = rng.integers(0, 31, (n, 8))
    body[:, :6] = np.where(rng.random((n, 1)) < 0.7, rng.integers(0, 10, (n, 6)), body[:, :6])  # mostly digits
    body[:, 0] = np.where(rng.random(n) < 0.6, uscc.ALPHABET.index("M"), body[:, 0])  # the MA… codes since 2015
    body[:, 1] = np.where(body[:, 0] == uscc.ALPHABET.index("M"), uscc.ALPHABET.index("A"), body[:, 1])
    body_ascii = USCC_ASCII[body]
    org_values = ORG_LOOKUP[body_ascii]
    org_check = _orgcode_check(org_values)
    values17 = np.hstack(
        [first[:, None], second[:, None], _digit_columns(region, 6), body, USCC_LOOKUP[org_check][:, None]]
    )
    check = (31 - (values17 @ np.array(uscc.WEIGHTS, dtype=np.int64)) % 31) % 31
    return _ascii_strings(USCC_ASCII[np.hstack([values17, check[:, None]])])


def _lookup(alphabet: np.ndarray) -> np.ndarray:
    table = np.full(128, -1, dtype=np.int64)
    table[alphabet] = np.arange(len(alphabet))
    return table


USCC_LOOKUP = _lookup(USCC_ASCII)
ORG_LOOKUP = _lookup(ORG_ASCII)


def organisation_codes(rng: np.random.Generator, n: int, hyphen: np.ndarray) -> np.ndarray:
    """``XXXXXXXX-X`` organisation codes (the hyphen left out where ``hyphen`` is False)."""
    body = np.where(rng.random((n, 1)) < 0.8, rng.integers(0, 10, (n, 8)), rng.integers(0, 36, (n, 8)))
    check = _orgcode_check(body)
    with_hyphen = _ascii_strings(np.hstack([ORG_ASCII[body], np.full((n, 1), ord("-")), check[:, None]]))
    without = _ascii_strings(np.hstack([ORG_ASCII[body], check[:, None]]))
    return np.where(hyphen, with_hyphen, without)


def _days(start: str, end: str, n: int, rng: np.random.Generator) -> np.ndarray:
    lo, hi = np.datetime64(start, "D"), np.datetime64(end, "D")
    return lo + rng.integers(0, (hi - lo).astype(np.int64) + 1, n).astype("timedelta64[D]")


def _replace_last(values: np.ndarray, rows: np.ndarray, alphabet: str, rng: np.random.Generator) -> np.ndarray:
    """``values[rows]`` with the last character replaced by a different one of ``alphabet``."""
    text = values[rows].astype("U")
    last = np.strings.slice(text, -1, None)
    chars = np.array(list(alphabet))
    shift = rng.integers(1, len(chars), len(rows))
    position = np.searchsorted(np.sort(chars), last)
    replacement = np.sort(chars)[(position + shift) % len(chars)]
    return np.strings.add(np.strings.slice(text, 0, -1), replacement).astype(object)


def generate(n: int, seed: int, defect_rate: float) -> tuple[pd.DataFrame, Counter]:
    """``n`` dishonest-list rows with the columns the suite reads, and how many rows got each defect."""
    rng = np.random.default_rng(seed)
    defect = np.full(n, -1)
    broken = rng.choice(np.arange(1, n), size=min(n - 1, round(n * defect_rate)), replace=False) if n > 1 else []
    defect[broken] = rng.integers(0, len(DEFECT_KINDS), len(broken))

    def rows_of(kind: str) -> np.ndarray:
        return np.flatnonzero(defect == DEFECT_KINDS.index(kind))

    # who: persons and organisations; defects that need one or the other get it
    person = rng.random(n) < realism.P_PERSON
    for kind in ("ric_checksum", "ric_region", "ric_date", "minor", "person_with_credit_code"):
        person[rows_of(kind)] = True
    for kind in ("uscc_checksum", "orgcode_checksum", "org_with_person_id"):
        person[rows_of(kind)] = False
    org_type = np.where(rng.random(n) < 0.93, "USCC", "ORGCODE")
    org_type[rows_of("uscc_checksum")] = "USCC"
    org_type[rows_of("orgcode_checksum")] = "ORGCODE"
    id_type = np.where(person, "RIC", org_type).astype(object)
    kind = np.where(person, "PERSON", "ORG").astype(object)

    # when: filing, decision, publication; birth dates that make every person 18 to 75 on the decision date
    filing = _days("2015-01-01", "2025-12-31", n, rng)
    decision = filing + rng.integers(10, 300, n).astype("timedelta64[D]")
    publish = decision + rng.integers(0, 31, n).astype("timedelta64[D]")
    age_days = rng.integers(18 * 366, 75 * 365, n)
    minor = rows_of("minor")
    age_days[minor] = rng.integers(14 * 365, 18 * 365 - 3, len(minor))
    birth = decision - age_days.astype("timedelta64[D]")
    male = rng.random(n) < realism.P_MALE

    # identifiers
    ningxia = list(realism.NINGXIA_REGIONS)
    region = _choice(rng, ningxia, n, realism.NINGXIA_REGIONS.values()).astype(np.int64)
    elsewhere = rng.random(n) < realism.P_OTHER_PROVINCE
    region[elsewhere] = _choice(rng, realism.OTHER_REGIONS, int(elsewhere.sum())).astype(np.int64)
    retired = (rng.random(n) < realism.P_RETIRED_CODE) & (birth < np.datetime64(f"{realism.RETIRED_BORN_BEFORE}-01-01"))
    region[retired] = _choice(rng, realism.RETIRED_NINGXIA_REGIONS, int(retired.sum())).astype(np.int64)
    region[rows_of("ric_region")] = 649999  # not a region code
    ric_numbers = resident_ids(rng, region, birth, male)
    legacy = (rng.random(n) < 0.01) & (birth < np.datetime64("1980-01-01")) & (defect < 0)
    ric_numbers[legacy] = legacy_resident_ids(rng, region[legacy], birth[legacy])
    bad_date = rows_of("ric_date")  # 19YY0230 / 19YY1332: impossible dates, check character recomputed
    if len(bad_date):
        fixed = birth[bad_date].astype("datetime64[Y]") + np.timedelta64(0, "D")
        numbers = resident_ids(rng, region[bad_date], fixed, male[bad_date]).astype("U18")
        impossible = np.where(rng.random(len(bad_date)) < 0.5, "0230", "1332")
        body = np.strings.add(np.strings.slice(numbers, 0, 10), impossible)
        body = np.strings.add(body, np.strings.slice(numbers, 14, 17)).astype("U17")
        digits = body.view(np.uint32).reshape(len(bad_date), 17).astype(np.int64) - 48
        check = RIC_CHECK_ASCII[(digits @ np.array(ric.WEIGHTS, dtype=np.int64)) % 11]
        ric_numbers[bad_date] = _ascii_strings(np.hstack([digits + 48, check[:, None]]))
    lower_x = (rng.random(n) < 0.2) & np.strings.endswith(ric_numbers.astype("U18"), "X") & (defect < 0)
    ric_numbers[lower_x] = np.strings.lower(ric_numbers[lower_x].astype("U18")).astype(object)
    org_region = _choice(rng, ningxia, n).astype(np.int64)
    id_number = np.where(
        person,
        ric_numbers,
        np.where(id_type == "USCC", credit_codes(rng, org_region), organisation_codes(rng, n, rng.random(n) < 0.9)),
    ).astype(object)

    # names
    given = _join(_choice(rng, GIVEN, n), np.where(rng.random(n) < 0.7, _choice(rng, GIVEN, n), ""))
    person_name = _join(_choice(rng, SURNAMES, n), given)
    org_name = _join(
        _choice(rng, realism.ORG_PLACES, n),
        _choice(rng, ORG_WORDS, n),
        _choice(rng, ORG_WORDS, n),
        _choice(rng, INDUSTRIES, n),
        _choice(rng, realism.ORG_SUFFIXES, n, realism.ORG_SUFFIXES.values()),
    )
    party_name = np.where(person, person_name, org_name).astype(object)

    # case numbers: （year）court type sequence 号, the year of filing
    court_weights = {
        **{c: w * realism.LEVEL_WEIGHTS["basic"] / 100 for c, w in realism.BASIC_COURT_WEIGHTS.items()},
        **{c: w * realism.LEVEL_WEIGHTS["intermediate"] / 100 for c, w in realism.INTERMEDIATE_COURT_WEIGHTS.items()},
        **dict.fromkeys(courts.HIGH_COURT, realism.LEVEL_WEIGHTS["high"]),
        **dict.fromkeys(courts.SPECIALISED_COURTS, realism.LEVEL_WEIGHTS["specialised"]),
    }
    court = _choice(rng, court_weights, n, court_weights.values())
    court[rows_of("case_other_province")] = _choice(rng, OTHER_COURTS, len(rows_of("case_other_province")))
    case_type = _choice(rng, realism.CASE_TYPE_WEIGHTS, n, realism.CASE_TYPE_WEIGHTS.values())
    case_type[rows_of("case_not_enforcement")] = "民初"
    year = _date_parts(filing)[0].astype(str)
    sequence = rng.integers(1, 3000, n).astype(str)
    half_width = rng.random(n) < 0.05
    open_paren, close_paren = np.where(half_width, "(", "（"), np.where(half_width, ")", "）")
    case_no = _join(open_paren, year, close_paren, court, case_type, sequence, "号").astype(object)
    malformed = rows_of("case_malformed")
    case_no[malformed] = _join(year[malformed], court[malformed], case_type[malformed], sequence[malformed]).astype(
        object
    )

    state = _choice(rng, STATES, n, STATES.values()).astype(object)
    weights = realism.TRIGGER_WEIGHTS
    trigger = _choice(rng, weights, n, weights.values()).astype(np.int64)
    role = np.full(n, "DEBTOR", dtype=object)

    # the remaining defects
    for name, alphabet in (("ric_checksum", "0123456789X"), ("uscc_checksum", uscc.ALPHABET)):
        rows = rows_of(name)
        id_number[rows] = _replace_last(id_number, rows, alphabet, rng)
    rows = rows_of("orgcode_checksum")
    id_number[rows] = _replace_last(id_number, rows, orgcode.CHECK_CHARACTERS, rng)
    rows = rows_of("id_length")
    id_number[rows] = np.strings.slice(id_number[rows].astype("U"), 0, -1).astype(object)
    party_name[rows_of("missing_name")] = None
    id_number[rows_of("missing_id")] = None
    case_no[rows_of("missing_case_no")] = None
    rows = rows_of("org_with_person_id")
    id_type[rows], id_number[rows] = "RIC", ric_numbers[rows]
    rows = rows_of("person_with_credit_code")
    id_type[rows] = "USCC"
    role[rows_of("legal_rep_listed")] = "LEGAL_REPRESENTATIVE"
    rows = rows_of("publish_before_decision")
    publish[rows] = decision[rows] - rng.integers(1, 60, len(rows)).astype("timedelta64[D]")
    rows = rows_of("decision_before_filing")
    filing[rows] = decision[rows] + rng.integers(1, 60, len(rows)).astype("timedelta64[D]")
    rows = rows_of("bad_state")
    state[rows] = np.where(rng.random(len(rows)) < 0.5, "PENDING", "published")
    rows = rows_of("bad_trigger")
    trigger[rows] = np.where(rng.random(len(rows)) < 0.5, 0, 7)

    # duplicates: copy the listing of the nearest earlier intact row (80%) or of any earlier one (a re-entry)
    rows = rows_of("duplicate")
    sources = np.flatnonzero(defect != DEFECT_KINDS.index("duplicate"))
    nearest = np.searchsorted(sources, rows) - 1
    far = rng.random(len(rows)) < 0.2
    source = sources[np.where(far, (rng.random(len(rows)) * (nearest + 1)).astype(np.int64), nearest)]
    for column in (party_name, id_number, id_type, kind, role, case_no, trigger, filing, decision, publish):
        column[rows] = column[source]

    frame = pd.DataFrame(
        {
            "entry_id": np.arange(1, n + 1, dtype=np.int64),
            "party_name": party_name,
            "id_number": id_number,
            "id_type": id_type,
            "party_kind": kind,
            "party_role": role,
            "case_no": case_no,
            "state": state,
            "trigger_code": trigger,
            "filing_date": filing.astype(object),  # datetime.date, as the extract's DataFrame holds them
            "decision_date": decision.astype(object),
            "publish_date": publish.astype(object),
        }
    )
    counts = Counter({k: int((defect == i).sum()) for i, k in enumerate(DEFECT_KINDS)})
    counts["duplicate_not_adjacent"] = int(far.sum())
    return frame, counts


# ---------------------------------------------------------------------------------------------------------
# The suite, and the two hand-written paths


def load_suite() -> tuple[dict, list[str]]:
    """The suite document and the reason (``meta.reason``) of each expectation; checks the suite's shape."""
    document = json.loads(SUITE_PATH.read_text(encoding="utf-8"))
    shape, reasons = [], []
    for expectation in document["expectations"]:
        kwargs = expectation["kwargs"]
        columns = kwargs.get("column_list") or [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
        condition = kwargs.get("row_condition")
        if condition is not None:
            condition = condition["parameter"] if condition.get("column", {}).get("name") == "id_type" else condition
        shape.append((expectation["type"], tuple(columns), condition))
        reasons.append(expectation["meta"]["reason"])
    if tuple(shape) != SUITE_SHAPE:
        raise SystemExit(
            f"{SUITE_PATH.name} is not the suite this benchmark implements by hand (bench/gate.py SUITE_SHAPE);"
            " update the loop and plain paths with it.\n"
            + "\n".join(f"  suite: {s}\n  bench: {b}" for s, b in zip(shape, SUITE_SHAPE, strict=False) if s != b)
        )
    sets = {i: e["kwargs"]["value_set"] for i, e in enumerate(document["expectations"]) if "value_set" in e["kwargs"]}
    VALUE_SETS.update(sets)
    return document, reasons


VALUE_SETS: dict[int, list] = {}  # expectation index → value_set, from the suite file
PARTY_ID_TYPES = {"PERSON": ("RIC",), "ORG": ("USCC", "ORGCODE")}  # hub.quality.expectations.PARTY_ID_TYPES
ADULT_AGE = 18
RIC_SHAPE = re.compile(r"\d{17}[\dX]")  # hub.quality.expectations.legal_rules.adult_on reads these dates


def _failures(frame: pd.DataFrame, masks: dict[int, np.ndarray], reasons: list[str]) -> tuple[pd.DataFrame, dict]:
    """What the gate returns, from one failing-row mask per expectation: passed rows, key → reasons."""
    keys = frame[KEY].to_numpy()
    failures: dict[str, list[str]] = {}
    failed = np.zeros(len(frame), dtype=bool)
    for index in sorted(masks):
        mask = masks[index]
        failed |= mask
        reason = reasons[index]
        for key in keys[mask].tolist():
            failures.setdefault(str(key), []).append(reason)
    return frame[~failed], failures


def plain_check(frame: pd.DataFrame, reasons: list[str]) -> tuple[pd.DataFrame, dict]:
    """The suite as plain vectorised pandas/numpy (no Great Expectations): the reference."""
    n = len(frame)
    present = {c: frame[c].notna().to_numpy() for c in COLUMNS}
    masks: dict[int, np.ndarray] = {
        E_NAME: ~present["party_name"],
        E_ID: ~present["id_number"],
        E_CASE: ~present["case_no"],
    }
    for index, column in ((E_STATE, "state"), (E_TRIGGER, "trigger_code"), (E_ROLE, "party_role")):
        masks[index] = present[column] & ~frame[column].isin(VALUE_SETS[index]).to_numpy()

    kind = frame["party_kind"].str.strip().str.upper()
    id_type = frame["id_type"].str.strip().str.upper()
    fits = np.zeros(n, dtype=bool)
    for party_kind, types in PARTY_ID_TYPES.items():
        fits |= ((kind == party_kind) & id_type.isin(types)).to_numpy()
    masks[E_KIND] = ~fits & (present["party_kind"] | present["id_type"])

    type_is = {t: (frame["id_type"] == t).to_numpy() & present["id_number"] for t in ("RIC", "USCC", "ORGCODE")}
    for index, id_kind, function in (
        (E_RIC, "RIC", vector.ric_reasons),
        (E_USCC, "USCC", vector.uscc_reasons),
        (E_ORG, "ORGCODE", vector.orgcode_reasons),
    ):
        mask = np.zeros(n, dtype=bool)
        mask[type_is[id_kind]] = function(frame["id_number"][type_is[id_kind]]).notna().to_numpy()
        masks[index] = mask
    masks[E_CASENO] = np.zeros(n, dtype=bool)
    masks[E_CASENO][present["case_no"]] = vector.caseno_reasons(frame["case_no"][present["case_no"]]).notna().to_numpy()

    dates = {c: pd.to_datetime(frame[c], errors="coerce") for c in ("filing_date", "decision_date", "publish_date")}
    # adult on the decision date; the birth date is read from an 18-character ID's date digits even when the ID
    # is not valid otherwise (wrong check character, unknown region): that is for the ID rule to report
    rows = type_is["RIC"] & present["decision_date"]
    ids = frame["id_number"][rows]
    born = vector.ric_birth_dates(ids)
    text = ids.str.strip().str.upper()
    shaped = text.str.fullmatch(RIC_SHAPE.pattern).fillna(False)
    born = born.fillna(pd.to_datetime(text.where(shaped).str.slice(6, 14), format="%Y%m%d", errors="coerce"))
    on = dates["decision_date"][rows]
    born_year, on_year = born.dt.year.to_numpy(), on.dt.year.to_numpy()
    birthday = born.dt.month.to_numpy() * 100 + born.dt.day.to_numpy()
    on_day = on.dt.month.to_numpy() * 100 + on.dt.day.to_numpy()
    adult_year = born_year + ADULT_AGE
    leap = (adult_year % 4 == 0) & ((adult_year % 100 != 0) | (adult_year % 400 == 0))
    birthday = np.where((birthday == 229) & ~leap, 301, birthday)  # born 29 February: adult on 1 March
    adult = (on_year - born_year > ADULT_AGE) | ((on_year - born_year == ADULT_AGE) & (on_day >= birthday))
    masks[E_ADULT] = np.zeros(n, dtype=bool)
    masks[E_ADULT][rows] = ~(born.notna().to_numpy() & on.notna().to_numpy() & adult)

    for index, first, second in (
        (E_FILED_DECIDED, "filing_date", "decision_date"),
        (E_DECIDED_PUBLISHED, "decision_date", "publish_date"),
    ):
        a, b = dates[first], dates[second]
        ordered = (a.notna() & b.notna() & (a <= b)).to_numpy()
        masks[index] = (present[first] | present[second]) & present[second] & ~ordered  # missing second passes

    listing = list(SUITE_SHAPE[E_UNIQUE][1])
    considered = np.logical_or.reduce([present[c] for c in listing])
    masks[E_UNIQUE] = np.zeros(n, dtype=bool)
    masks[E_UNIQUE][considered] = frame.loc[considered, listing].duplicated(keep=False).to_numpy()
    return _failures(frame, {i: m for i, m in masks.items() if m.any()}, reasons)


def _date(value: object) -> datetime.date | None:
    if identifiers.is_missing(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _norm(value: object) -> str | None:
    return value.strip().upper() if isinstance(value, str) else None


def _birth_date(number: str) -> datetime.date | None:
    """The birth date of a resident ID; of an invalid one, the date digits of an 18-character ID."""
    try:
        return ric.parse(number).birth_date
    except InvalidIdentifier:
        pass
    text = number.strip().upper() if isinstance(number, str) else str(number)
    if RIC_SHAPE.fullmatch(text) is None:
        return None
    try:
        return datetime.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None


def _adult_on(number: str, on: datetime.date | None) -> bool:
    born = _birth_date(number)
    if born is None or on is None:
        return False
    year = born.year + ADULT_AGE
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    adult_from = (
        datetime.date(year, 3, 1) if (born.month, born.day) == (2, 29) and not leap else born.replace(year=year)
    )
    return on >= adult_from


def loop_check(frame: pd.DataFrame, reasons: list[str]) -> tuple[pd.DataFrame, dict]:
    """The suite as a row-by-row Python loop over the scalar identifier modules."""
    missing = identifiers.is_missing
    pairs = {(kind, id_type) for kind, types in PARTY_ID_TYPES.items() for id_type in types}
    states, triggers, roles = (set(VALUE_SETS[i]) for i in (E_STATE, E_TRIGGER, E_ROLE))
    rows = zip(*(frame[c].tolist() for c in COLUMNS), strict=True)
    failed: list[tuple[int, list[int]]] = []
    listings: Counter = Counter()
    listing_of: list[tuple] = []
    for position, (_, name, number, id_type, kind, role, case, state, trigger, filed, decided, published) in enumerate(
        rows
    ):
        bad = []
        if missing(name):
            bad.append(E_NAME)
        if missing(number):
            bad.append(E_ID)
        if missing(case):
            bad.append(E_CASE)
        if not missing(state) and state not in states:
            bad.append(E_STATE)
        if not missing(trigger) and trigger not in triggers:
            bad.append(E_TRIGGER)
        if not missing(role) and role not in roles:
            bad.append(E_ROLE)
        if not (missing(kind) and missing(id_type)) and (_norm(kind), _norm(id_type)) not in pairs:
            bad.append(E_KIND)
        if not missing(number):
            if id_type == "RIC" and not ric.is_valid(number):
                bad.append(E_RIC)
            elif id_type == "USCC" and not uscc.is_valid(number):
                bad.append(E_USCC)
            elif id_type == "ORGCODE" and not orgcode.is_valid(number):
                bad.append(E_ORG)
        if not missing(case) and not caseno.is_valid(case):
            bad.append(E_CASENO)
        if id_type == "RIC" and not missing(number) and not missing(decided) and not _adult_on(number, _date(decided)):
            bad.append(E_ADULT)
        for index, first, second in ((E_FILED_DECIDED, filed, decided), (E_DECIDED_PUBLISHED, decided, published)):
            if missing(second):
                continue
            a, b = _date(first), _date(second)
            if a is None or b is None or a > b:
                bad.append(index)
        listing = tuple(None if missing(v) else v for v in (case, number, trigger, decided))
        if listing != (None, None, None, None):
            listings[listing] += 1
        listing_of.append(listing)
        if bad:
            failed.append((position, bad))
    keys = frame[KEY].tolist()
    failures: dict[str, list[str]] = {}
    by_position = dict(failed)
    for position, listing in enumerate(listing_of):  # the second pass duplicates need
        if listings[listing] > 1:
            by_position.setdefault(position, []).append(E_UNIQUE)
    for position in sorted(by_position):
        failures[str(keys[position])] = [reasons[i] for i in sorted(by_position[position])]
    passed = np.ones(len(frame), dtype=bool)
    passed[list(by_position)] = False
    return frame[passed], failures


# ---------------------------------------------------------------------------------------------------------
# Measuring


def _pairs(failures: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(key, reason) for key, reasons in failures.items() for reason in reasons}


def agreement(name: str, got: dict, reference: dict) -> dict:
    """Compare two paths' (record, reason) pairs; print the result."""
    a, b = _pairs(got), _pairs(reference)
    result = {
        "pairs": len(a),
        "reference_pairs": len(b),
        "records": len(got),
        "reference_records": len(reference),
        "only_here": len(a - b),
        "only_in_reference": len(b - a),
        "agree": a == b,
    }
    verdict = "agree" if a == b else "DISAGREE"
    print(
        f"  {name:<44} {len(got):>9,} records {len(a):>9,} (record, reason) pairs   reference "
        f"{len(reference):>9,} / {len(b):>9,}   {verdict}"
    )
    for label, extra in (("only here", a - b), ("only in the reference", b - a)):
        for key, reason in sorted(extra)[:5]:
            print(f"      {label}: record {key}: {reason}")
    return result


def _timed(function: Callable, *args: object) -> tuple[float, object]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def best_of(repeat: int, function: Callable, *args: object) -> tuple[float, list[float], object]:
    times, value = [], None
    for _ in range(repeat):
        seconds, value = _timed(function, *args)
        times.append(seconds)
    return min(times), times, value


STARTUP_SCRIPT = """
import json, os, sys, time, warnings
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
sys.path.insert(0, sys.argv[1])
out = {}
t = time.perf_counter(); import numpy, pandas; out["import_pandas_numpy"] = time.perf_counter() - t
t = time.perf_counter(); import great_expectations as gx; out["import_great_expectations"] = time.perf_counter() - t
t = time.perf_counter(); import hub.quality.expectations; out["import_hub_expectations"] = time.perf_counter() - t
t = time.perf_counter(); from hub.quality.gate import QualityGate; out["import_hub_gate"] = time.perf_counter() - t
t = time.perf_counter(); gx.get_context(mode="ephemeral"); out["ephemeral_context"] = time.perf_counter() - t
from pathlib import Path
t = time.perf_counter()
QualityGate(Path(sys.argv[2]), "entry_id", 1.0, name="startup")
out["quality_gate"] = time.perf_counter() - t
print(json.dumps(out))
"""


def cold_startup(runs: int) -> list[dict]:
    """Start-up costs in fresh interpreters (``runs`` of them; the first also has the coldest OS cache)."""
    results = []
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-c", STARTUP_SCRIPT, str(PROJECT_ROOT), str(SUITE_PATH)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


def profile_gate(title: str, run: Callable[[], object], path: Path, top: int) -> dict:
    """``run`` (gate checks) under cProfile: where the time goes."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    wall = time.perf_counter() - start
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler)
    entries = stats.stats  # (file, line, name) → (primitive calls, calls, tottime, cumtime, callers)

    def label(key: tuple) -> str:
        file, line, name = key
        return f"{name} ({_short(file)}:{line})" if line else name

    by_cumulative = sorted(entries.items(), key=lambda item: item[1][3], reverse=True)
    by_own = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    own_by_package: Counter = Counter()
    for (file, _, _), (_, _, own, _, _) in entries.items():
        own_by_package[_package(file)] += own
    print(f"\ncProfile of {title} ({wall:.2f} s under the profiler; saved {path.relative_to(PROJECT_ROOT)})")
    print("  own time by package:")
    for package, seconds in own_by_package.most_common(12):
        print(f"    {seconds:8.3f} s  {package}")
    print(f"  top {top} by cumulative time:")
    for key, (_, calls, own, cumulative, _) in by_cumulative[:top]:
        print(f"    {cumulative:8.3f} s cum {own:8.3f} s own {calls:>9,} calls  {label(key)}")
    print(f"  top {top} by own time:")
    for key, (_, calls, own, cumulative, _) in by_own[:top]:
        print(f"    {own:8.3f} s own {cumulative:8.3f} s cum {calls:>9,} calls  {label(key)}")
    return {
        "wall_seconds_under_profiler": wall,
        "path": str(path.relative_to(PROJECT_ROOT)),
        "own_seconds_by_package": dict(own_by_package.most_common(12)),
        "top_cumulative": [
            {"function": label(k), "calls": v[1], "own": v[2], "cumulative": v[3]} for k, v in by_cumulative[:top]
        ],
        "top_own": [{"function": label(k), "calls": v[1], "own": v[2], "cumulative": v[3]} for k, v in by_own[:top]],
    }


def ge_breakdown(gate, frame: pd.DataFrame, t_plain: float) -> dict:
    """Where a gate check's time goes, by taking GE's layers away one at a time (GE internals; diagnosis only)."""
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine
    from great_expectations.execution_engine.pandas_execution_engine import hash_pandas_dataframe
    from great_expectations.validator.v1_validator import Validator

    validation = gate._validation
    frame = getattr(gate, "_suite_frame", lambda chunk: chunk)(frame)  # what the gate hands GE, if it narrows it
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [KEY],
        "return_unexpected_index_query": False,
    }

    def validator(suite, result_format):
        return Validator(
            batch_definition=validation.batch_definition,
            batch_parameters={"dataframe": frame},
            result_format=result_format,
        ).validate_expectation_suite(suite)

    steps = {}
    steps["gate.check, as hub/quality/gate.py runs it now"] = _timed(gate.check, frame)[0]
    steps["ValidationDefinition.run, COMPLETE (stores every result in the context)"] = _timed(
        lambda: validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    )[0]
    steps["Validator, COMPLETE, results not stored"] = _timed(validator, validation.suite, result_format)[0]
    steps["Validator, SUMMARY"] = _timed(validator, validation.suite, "SUMMARY")[0]
    steps["Validator, BOOLEAN_ONLY (no unexpected rows at all)"] = _timed(validator, validation.suite, "BOOLEAN_ONLY")[
        0
    ]
    steps["plain reference"] = t_plain
    hashed = "skipped: HASH_THRESHOLD lowered" if pandas_execution_engine.HASH_THRESHOLD <= 0 else "GE takes it per run"
    steps[f"batch fingerprint, hash_pandas_dataframe ({hashed})"] = _timed(hash_pandas_dataframe, frame)[0]
    steps["one row-condition filter, frame.query(id_type == 'RIC')"] = _timed(frame.query, "id_type == 'RIC'")[0]
    print("\nwhere a whole-frame gate check's time goes (seconds; each line one run):")
    for name, seconds in steps.items():
        print(f"  {seconds:8.3f}  {name}")
    document = json.loads(SUITE_PATH.read_text(encoding="utf-8"))
    per_expectation = []
    print("  one expectation at a time (Validator, COMPLETE, not stored):")
    for index, expectation in enumerate(document["expectations"]):
        suite = gx.ExpectationSuite(name=f"bench_single_{index}", expectations=[expectation])
        complete = _timed(validator, suite, result_format)[0]
        boolean = _timed(validator, suite, "BOOLEAN_ONLY")[0]
        per_expectation.append({"expectation": _label(expectation), "complete": complete, "boolean_only": boolean})
        print(f"    {complete:7.3f} COMPLETE {boolean:7.3f} BOOLEAN_ONLY  {_label(expectation)}")
    total = sum(item["complete"] for item in per_expectation)
    print(f"    {total:7.3f} sum of the single-expectation runs")
    return {"steps": steps, "per_expectation": per_expectation}


def _label(expectation: dict) -> str:
    kwargs = expectation["kwargs"]
    columns = kwargs.get("column_list") or [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    condition = kwargs.get("row_condition")
    where = f" where id_type == {condition['parameter']}" if isinstance(condition, dict) else ""
    return f"{expectation['type']}({', '.join(columns)}){where}"


def measured_sources() -> list[Path]:
    """The files whose code the gate path runs (their hashes go into the results)."""
    quality = PROJECT_ROOT / "hub" / "quality"
    expectations = sorted((quality / "expectations").glob("*.py"))
    return [quality / "gate.py", SUITE_PATH, PROJECT_ROOT / "hub" / "identifiers" / "vector.py", *expectations]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _git_head() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip()


def _short(file: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _package(file: str) -> str:
    short = _short(file)
    if short.startswith("~") or short.startswith("<"):
        return "builtins (C: numpy/pandas internals, str methods, …)"
    parts = short.split("/")
    if parts[0] == "great_expectations" and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "hub" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0].removesuffix(".py") if short != file else "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=10, help="chunks for the pipeline-shaped gate run (10)")
    parser.add_argument("--loop-rows", type=int, default=50_000, help="rows the row-by-row loop checks (50000)")
    parser.add_argument(
        "--pipeline-chunk-size",
        type=int,
        default=int(os.environ.get("HUB_CHUNK_SIZE", "5000")),
        help="also check the first --pipeline-rows rows in chunks of this size, the pipeline's HUB_CHUNK_SIZE (5000)",
    )
    parser.add_argument("--pipeline-rows", type=int, default=100_000, help="rows for that run, extrapolated (100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the gate and plain paths; best counts (3)")
    parser.add_argument("--import-runs", type=int, default=3, help="fresh interpreters for start-up costs (3)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--defect-rate", type=float, default=0.05)
    parser.add_argument("--profile", action="store_true", help="profile one gate check even when on target")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    args = parser.parse_args(argv)
    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    _, reasons = load_suite()
    out: dict = {"rows": args.rows, "seed": args.seed, "defect_rate": args.defect_rate, "time": stamp}

    print(f"generating {args.rows:,} rows (seed {args.seed}, defect rate {args.defect_rate:.0%}) …", flush=True)
    generation_seconds, (frame, defects) = _timed(generate, args.rows, args.seed, args.defect_rate)
    print(f"  {generation_seconds:.1f} s; defects: " + ", ".join(f"{k} {v:,}" for k, v in defects.items()))
    out["generation_seconds"], out["defects"] = generation_seconds, dict(defects)

    print(f"start-up in {args.import_runs} fresh interpreters …", flush=True)
    cold = cold_startup(args.import_runs)
    # this process: cold import too (nothing of GE imported so far), then what the gate builds
    here: dict[str, float] = {}
    here["import_great_expectations"], gx = _timed(lambda: __import__("great_expectations"))
    here["import_hub_expectations"], _ = _timed(lambda: __import__("hub.quality.expectations"))
    from hub.quality.gate import QualityGate

    here["ephemeral_context"], _ = _timed(lambda: gx.get_context(mode="ephemeral"))

    def make_gate(name: str) -> QualityGate:
        return QualityGate(SUITE_PATH, key_field=KEY, max_failure_rate=1.0, name=name)

    here["quality_gate"], gate = _timed(make_gate, "bench_whole")
    chunk_gate = make_gate("bench_chunks")
    # first check of a gate (lazy imports, metric registry) and of the plain path, on 1,000 rows
    warm = frame.head(1000).reset_index(drop=True)
    here["first_check_1000_rows"], _ = _timed(gate.check, warm)
    here["second_check_1000_rows"], _ = _timed(gate.check, warm)
    here["plain_first_1000_rows"], _ = _timed(plain_check, warm, reasons)
    chunk_gate.check(warm)
    out["startup"] = {"fresh_interpreters": cold, "this_process": here}

    n = len(frame)
    size = math.ceil(n / args.chunks)
    chunks = [frame.iloc[i : i + size].reset_index(drop=True) for i in range(0, n, size)]  # as extract yields them

    def gate_chunked() -> dict:
        failures: dict = {}
        for chunk in chunks:
            failures.update(chunk_gate.check(chunk).failures)
        return failures

    def plain_chunked() -> dict:
        failures: dict = {}
        for chunk in chunks:
            failures.update(plain_check(chunk, reasons)[1])
        return failures

    print(f"checking ({args.repeat} runs each, best counts) …", flush=True)
    t_plain, runs_plain, (_, plain_failures) = best_of(args.repeat, plain_check, frame, reasons)
    t_gate, runs_gate, gate_result = best_of(args.repeat, gate.check, frame)
    t_plain_chunks, runs_plain_chunks, plain_chunk_failures = best_of(args.repeat, plain_chunked)
    t_gate_chunks, runs_gate_chunks, gate_chunk_failures = best_of(args.repeat, gate_chunked)
    small = args.pipeline_chunk_size
    head = frame.head(min(args.pipeline_rows, n))
    small_chunks = [head.iloc[i : i + small].reset_index(drop=True) for i in range(0, len(head), small)]
    small_gate = make_gate("bench_small_chunks")
    small_gate.check(warm)
    t_gate_small, runs_gate_small, _ = best_of(1, lambda: [small_gate.check(c) for c in small_chunks])
    t_plain_small, runs_plain_small, _ = best_of(1, lambda: [plain_check(c, reasons) for c in small_chunks])
    sample = frame.head(min(args.loop_rows, n))
    t_loop, (_, loop_failures) = _timed(loop_check, sample, reasons)
    _, plain_sample_failures = plain_check(sample, reasons)
    load_end = os.getloadavg()

    print("\nagreement (each failing record with the reasons it failed on):")
    agree = {
        "gate_vs_plain": agreement("gate, whole frame vs plain", gate_result.failures, plain_failures),
        "gate_chunks_vs_plain_chunks": agreement(
            f"gate, {len(chunks)} chunks vs plain, same chunks", gate_chunk_failures, plain_chunk_failures
        ),
        "loop_vs_plain": agreement(f"loop vs plain, first {len(sample):,} rows", loop_failures, plain_sample_failures),
    }
    unique_reason = reasons[E_UNIQUE]
    whole_dups = {k for k, v in plain_failures.items() if unique_reason in v}
    chunk_dups = {k for k, v in plain_chunk_failures.items() if unique_reason in v}
    out["duplicates_only_seen_across_chunks"] = len(whole_dups - chunk_dups)
    print(
        f"  note: {len(whole_dups - chunk_dups):,} rows are duplicates of a row in another chunk: checked chunk by "
        f"chunk (as the pipeline does) the suite cannot see them ({len(whole_dups):,} duplicate rows in the whole "
        f"frame, {len(chunk_dups):,} within chunks)"
    )
    out["agreement"] = agree
    out["failing_records"] = len(plain_failures)
    out["reasons"] = dict(Counter(r for rs in plain_failures.values() for r in rs).most_common())

    loop_rate = len(sample) / t_loop
    table = [
        ("plain pandas/numpy, whole frame (reference)", t_plain, n, runs_plain),
        ("gate (GE + custom expectations), whole frame", t_gate, n, runs_gate),
        (f"plain pandas/numpy, {len(chunks)} chunks of {size:,}", t_plain_chunks, n, runs_plain_chunks),
        (f"gate, {len(chunks)} chunks of {size:,} (as the pipeline)", t_gate_chunks, n, runs_gate_chunks),
        (f"row-by-row loop, {len(sample):,} rows, extrapolated", n / loop_rate, n, [t_loop]),
    ]
    pipeline_shaped = [
        (
            f"plain, chunks of {small:,}, {len(head):,} rows, extrapolated",
            t_plain_small * n / len(head),
            n,
            runs_plain_small,
        ),
        (
            f"gate, chunks of {small:,}, {len(head):,} rows, extrapolated",
            t_gate_small * n / len(head),
            n,
            runs_gate_small,
        ),
    ]
    cpu = platform.processor() or platform.machine()
    print(
        f"\n{n:,} rows, {len(SUITE_SHAPE)} expectations; Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, great_expectations {gx.__version__}; {os.cpu_count()} CPUs ({cpu})"
    )
    print(
        "load average (1, 5, 15 min) at start {:.2f} {:.2f} {:.2f}, after the checks {:.2f} {:.2f} {:.2f}".format(
            *load_start, *load_end
        )
    )
    print(f"\n{'path':<52} {'seconds':>9} {'rows/s':>12} {'vs plain':>9}")
    rows_out = []
    for name, seconds, rows, runs in table:
        print(f"{name:<52} {seconds:>9.3f} {rows / seconds:>12,.0f} {seconds / t_plain:>8.2f}x")
        rows_out.append({"path": name, "seconds": seconds, "rows_per_second": rows / seconds, "runs": runs})
        rows_out[-1]["vs_plain"] = seconds / t_plain
    print(f"(the loop checked {len(sample):,} rows in {t_loop:.2f} s; its {n:,}-row figure is extrapolated from that)")
    print(
        f"\nat the pipeline's chunk size (HUB_CHUNK_SIZE {small:,}): {len(small_chunks)} checks of the first "
        f"{len(head):,} rows"
    )
    for name, seconds, rows, runs in pipeline_shaped:
        print(f"{name:<52} {seconds:>9.3f} {rows / seconds:>12,.0f} {seconds / t_plain:>8.2f}x")
        rows_out.append({"path": name, "seconds": seconds, "rows_per_second": rows / seconds, "runs": runs})
        rows_out[-1]["vs_plain"] = seconds / t_plain
    per_check = (t_gate_small - t_plain_small) / len(small_chunks)
    print(f"(the gate costs {per_check * 1000:.0f} ms more than plain per {small:,}-row check)")
    out["gate_extra_seconds_per_small_check"] = per_check
    print("\nstart-up (seconds)")
    keys = (
        "import_pandas_numpy",
        "import_great_expectations",
        "import_hub_expectations",
        "import_hub_gate",
        "ephemeral_context",
    )
    for key in (*keys, "quality_gate"):
        values = [run[key] for run in cold]
        print(
            f"  {key:<28} fresh interpreter: first {values[0]:.3f}, median {statistics.median(values):.3f}"
            + (f"   this process: {here[key]:.3f}" if key in here else "")
        )
    for key in ("first_check_1000_rows", "second_check_1000_rows", "plain_first_1000_rows"):
        print(f"  {key:<28} this process: {here[key]:.3f}")
    out["table"] = rows_out
    out["loop_sample_rows"], out["loop_sample_seconds"] = len(sample), t_loop

    targets = {
        "gate_whole_within_2x_plain": t_gate <= TARGET_VS_PLAIN * t_plain,
        "gate_chunks_within_2x_plain_chunks": t_gate_chunks <= TARGET_VS_PLAIN * t_plain_chunks,
        "gate_whole_20x_loop": n / t_gate >= TARGET_VS_LOOP * loop_rate,
        "gate_chunks_20x_loop": n / t_gate_chunks >= TARGET_VS_LOOP * loop_rate,
        "gate_pipeline_chunk_size_within_2x_plain": t_gate_small <= TARGET_VS_PLAIN * t_plain_small,
    }
    print()
    print(
        f"{'PASS' if targets['gate_whole_within_2x_plain'] else 'FAIL'}: gate within {TARGET_VS_PLAIN:g}x of plain "
        f"(whole frame): {t_gate / t_plain:.2f}x"
    )
    print(
        f"{'PASS' if targets['gate_chunks_within_2x_plain_chunks'] else 'FAIL'}: gate within {TARGET_VS_PLAIN:g}x of "
        f"plain ({len(chunks)} chunks, as the pipeline): {t_gate_chunks / t_plain_chunks:.2f}x"
    )
    print(
        f"{'PASS' if targets['gate_pipeline_chunk_size_within_2x_plain'] else 'FAIL'}: gate within "
        f"{TARGET_VS_PLAIN:g}x of plain (chunks of {small:,}, the pipeline's HUB_CHUNK_SIZE): "
        f"{t_gate_small / t_plain_small:.2f}x"
    )
    print(
        f"{'PASS' if targets['gate_whole_20x_loop'] else 'FAIL'}: gate at least {TARGET_VS_LOOP:g}x the loop's rows/s "
        f"(whole frame): {n / t_gate / loop_rate:.1f}x"
    )
    print(
        f"{'PASS' if targets['gate_chunks_20x_loop'] else 'FAIL'}: gate at least {TARGET_VS_LOOP:g}x the loop's "
        f"rows/s ({len(chunks)} chunks): {n / t_gate_chunks / loop_rate:.1f}x"
    )
    out["targets"] = targets
    out["measured"] = {  # which gate and custom expectations ran (the working tree may differ from HEAD)
        "git_head": _git_head(),
        "sha256": {str(f.relative_to(PROJECT_ROOT)): _sha256(f) for f in measured_sources()},
    }
    out["machine"] = {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "great_expectations": gx.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_start": load_start,
        "load_average_end": load_end,
    }
    missed = not all(ok for name, ok in targets.items() if "2x" in name)
    if args.profile or (missed and not args.no_profile):
        out["profile"] = profile_gate(
            "one whole-frame check", lambda: gate.check(frame), RESULTS_DIR / f"gate-{stamp}-whole.prof", top=25
        )
        out["profile_pipeline_chunk_size"] = profile_gate(
            f"{len(small_chunks)} checks of {small:,} rows",
            lambda: [small_gate.check(c) for c in small_chunks],
            RESULTS_DIR / f"gate-{stamp}-chunks-of-{small}.prof",
            top=25,
        )
        out["breakdown"] = ge_breakdown(gate, frame, t_plain)
    path = RESULTS_DIR / f"gate-{stamp}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"\nresults: {path.relative_to(PROJECT_ROOT)}")
    if not all(a["agree"] for a in agree.values()):
        print("FAIL: the paths do not flag the same rows for the same reasons (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
