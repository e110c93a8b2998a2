"""Generated dishonest-list rows for the gate benchmark (numpy, no Python code per row).

The frame has exactly the columns the suite reads, typed as :func:`hub.extract.pages` yields them (``str``
text, ``int64`` ids and codes, ``datetime.date`` objects for dates): 72% persons with resident IDs of
(mostly) Ningxia regions, organisations with credit codes or organisation codes, all with correct check
characters, Ningxia case numbers, plus harmless variants the validators accept (lower-case x, legacy
15-digit IDs, half-width parentheses, codes without hyphen) and defects of the kinds in
:data:`DEFECT_KINDS`.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from hub.identifiers import courts, orgcode, ric, uscc  # noqa: E402
from sandbox.case_generator import realism  # noqa: E402

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
