"""Column-pair expectations for the legal rules of the hub, and the vectorised checks behind them.

- a person is adult (18) on a date: minors are never put on the dishonest-debtor list;
- the ID type suits the party kind: persons carry resident IDs, organisations credit or org codes;
- dates are ordered: filing <= decision <= publication.

The checks (:func:`adult_on`, :func:`id_type_matches`, :func:`dates_ordered`) are plain pandas functions,
usable and tested without GE; the metrics and expectations only wire them in. Only the pandas engine is
implemented.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnPairMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnPairMapMetricProvider,
    column_pair_condition_partial,
)

from hub.identifiers import vector

from .kwargs import KwargsOnce
from .rendering import RenderedSentence

#: Age of majority (民法典 art. 17). [check] The person counts as adult from the 18th birthday itself;
#: someone born on 29 February becomes adult on 1 March in years without a 29 February.
ADULT_AGE = 18

#: Party kind → the identifier types it may carry.
PARTY_ID_TYPES: dict[str, tuple[str, ...]] = {
    "PERSON": ("RIC",),
    "ORG": ("USCC", "ORGCODE"),
}


def adult_on(ids: pd.Series, dates: pd.Series) -> pd.Series:
    """True where the person of the resident ID is at least :data:`ADULT_AGE` on the date.

    The birth date is read from the ID's date digits even when its check character is wrong (a typo
    there says nothing about age, and the ID rule reports it: ``ric_birth_dates(..., lenient=True)``);
    False when no birth date can be read or the date cannot be (the rule cannot be shown to hold, so
    the person is not listed).

    >>> adult_on(pd.Series(["110105200002290021", "110105200002290021", "110105198001010011"]),
    ...          pd.Series(["2018-02-28", "2018-03-01", "2020-01-01"])).tolist()
    [False, True, True]
    """
    born = vector.ric_birth_dates(ids, lenient=True)
    born.index = ids.index
    on = _dates(dates, ids.index)
    ok = born.notna().to_numpy() & on.notna().to_numpy()
    by = born.dt.year.fillna(0).to_numpy(dtype=np.int64)
    birthday = (born.dt.month.fillna(0) * 100 + born.dt.day.fillna(0)).to_numpy(dtype=np.int64)
    oy = on.dt.year.fillna(0).to_numpy(dtype=np.int64)
    on_day = (on.dt.month.fillna(0) * 100 + on.dt.day.fillna(0)).to_numpy(dtype=np.int64)
    adult_year = by + ADULT_AGE
    leap = (adult_year % 4 == 0) & ((adult_year % 100 != 0) | (adult_year % 400 == 0))
    birthday = np.where((birthday == 229) & ~leap, 301, birthday)
    adult = (oy - by > ADULT_AGE) | ((oy - by == ADULT_AGE) & (on_day >= birthday))
    return pd.Series(ok & adult, index=ids.index)


def id_type_matches(kinds: pd.Series, id_types: pd.Series, allowed: dict[str, Any] | None = None) -> pd.Series:
    """True where the party kind may carry the ID type (:data:`PARTY_ID_TYPES` unless ``allowed``).

    >>> id_type_matches(pd.Series(["PERSON", "org ", "ORG", None]), pd.Series(["RIC", "uscc", "RIC", "RIC"])).tolist()
    [True, True, False, False]
    """
    table = allowed or PARTY_ID_TYPES
    pairs = {f"{_norm(kind)}/{_norm(id_type)}" for kind, types in table.items() for id_type in types}
    kind_codes, kind_texts = _normalised_codes(kinds)
    type_codes, type_texts = _normalised_codes(id_types)
    # one look-up per distinct (kind, type) pair; a pair with a value that is not text never matches
    pair_codes, distinct = pd.factorize(kind_codes * len(type_texts) + type_codes)
    kinds_of, types_of = kind_texts[distinct // len(type_texts)], type_texts[distinct % len(type_texts)]
    distinct_ok = np.array(
        [k is not None and t is not None and f"{k}/{t}" in pairs for k, t in zip(kinds_of, types_of, strict=True)],
        dtype=bool,
    )
    return pd.Series(distinct_ok[pair_codes], index=kinds.index)


def _norm(value: object) -> str:
    return str(value).strip().upper()


def _normalised(values: pd.Series) -> pd.Series:
    """Text values stripped and upper-cased, None for anything else (missing values, numbers), as object."""
    codes, texts = _normalised_codes(values)
    return pd.Series(texts[codes], index=values.index, dtype=object)


def _normalised_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, texts)`` with ``texts[codes]`` the values stripped and upper-cased, None where a value is not
    text. Each distinct value is normalised once: the columns hold a handful of distinct values."""
    raw = values.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(raw)  # missing values get -1
    except TypeError:  # unhashable objects: every value on its own
        codes, uniques = np.arange(len(raw)), raw
    texts = np.empty(len(uniques) + 1, dtype=object)  # the last one (None) for the missing values
    texts[:-1] = [value.strip().upper() if isinstance(value, str) else None for value in uniques]
    return np.where(codes < 0, len(uniques), codes).astype(np.int64), texts


def _dates(values: object, index: pd.Index) -> pd.Series:
    """Dates, datetimes or date text (formats may differ row by row) as datetime64; NaT when unreadable."""
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_dtype(values.dtype):
        return pd.Series(values.to_numpy(), index=index)  # already dates (tz-naive): nothing to read
    raw = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    text = pd.Series(raw, index=index, dtype=object)
    parsed = pd.to_datetime(text, errors="coerce")
    retry = (parsed.isna() & text.notna()).to_numpy()
    if retry.any():  # pandas infers one format from the first value; read the others one by one
        parsed = parsed.astype(object)
        parsed[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed")
        parsed = pd.to_datetime(parsed, errors="coerce")
    return parsed


def dates_ordered(first: pd.Series, second: pd.Series) -> pd.Series:
    """True where ``first`` <= ``second`` or ``second`` is missing; an unreadable date fails.

    >>> first = pd.Series(["2020-01-01", "2020-03-01", "2020-01-01"])
    >>> dates_ordered(first, pd.Series(["2020/02/01", "2020-02-01", None])).tolist()
    [True, False, True]
    """
    b_missing = second.isna().to_numpy()
    a = _dates(first, first.index)
    b = _dates(second, first.index)
    ordered = (a.notna() & b.notna() & (a <= b)).to_numpy()
    b_unreadable = b.isna().to_numpy() & ~b_missing
    return pd.Series((b_missing | ordered) & ~b_unreadable, index=first.index)


class ColumnPairValuesPersonAdultOnDate(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.hub_person_adult_on_date"

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return adult_on(column_A, column_B)


class ColumnPairValuesIdTypeMatchesPartyKind(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.hub_id_type_matches_party_kind"
    condition_value_keys = ("allowed_id_types",)

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return id_type_matches(column_A, column_B, kwargs.get("allowed_id_types"))


class ColumnPairValuesDatesOrdered(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.hub_dates_ordered"

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:
        return dates_ordered(column_A, column_B)


IgnoreRowIf = Literal["both_values_are_missing", "either_value_is_missing", "neither"]


class _PairExpectation(KwargsOnce, RenderedSentence, ColumnPairMapExpectation):
    """Base of the pair rules (abstract: no ``map_metric``)."""

    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    _render_params = ("column_A", "column_B")
    library_metadata: ClassVar[dict[str, Any]] = {
        "maturity": "production",
        "tags": ["hub", "legal rule"],
        "contributors": ["@ningxia-enforcement-hub"],
    }


class ExpectColumnPairValuesPersonAdultOnDate(_PairExpectation):
    """Expect the person of the resident ID in column_A to be 18 or older on the date in column_B.

    Minors are never put on the dishonest-debtor list: use it with column_B the listing or publication
    date and ``row_condition`` ``kind=="PERSON"``. The birth date is read from the ID number; a row whose
    ID is not valid or whose date cannot be read fails (the rule cannot be shown to hold). Rows where
    either value is missing are skipped by default (``ignore_row_if``).

    Args:
        column_A (str): resident ID numbers.
        column_B (str): dates (date, datetime or ISO text).
        ignore_row_if (str): default "either_value_is_missing".
        mostly (float), row_condition (str), condition_parser ("pandas").
    """

    map_metric = "column_pair_values.hub_person_adult_on_date"
    ignore_row_if: IgnoreRowIf = pydantic.Field(default="either_value_is_missing")
    _template = "the person with resident ID $column_A must be 18 or older on $column_B"


class ExpectColumnPairValuesIdTypeMatchesPartyKind(_PairExpectation):
    """Expect the ID type in column_B to suit the party kind in column_A.

    Persons (PERSON) carry a resident ID (RIC); organisations (ORG) a unified social credit code (USCC)
    or an organisation code (ORGCODE). Any other pair, including OTHER and unknown kinds, fails;
    comparison ignores case and surrounding spaces. ``allowed_id_types`` (kind → list of types)
    replaces the table.

    Args:
        column_A (str): party kind.
        column_B (str): ID type.
        allowed_id_types (dict): optional replacement of the kind → types table.
        mostly (float), row_condition (str), condition_parser ("pandas").
    """

    map_metric = "column_pair_values.hub_id_type_matches_party_kind"
    allowed_id_types: dict[str, list[str]] | None = None
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly", "allowed_id_types")
    ignore_row_if: IgnoreRowIf = pydantic.Field(default="both_values_are_missing")
    _template = "the ID type in $column_B must suit the party kind in $column_A (PERSON: RIC; ORG: USCC or ORGCODE)"


class ExpectColumnPairValuesDatesOrdered(_PairExpectation):
    """Expect the date in column_A to be on or before the date in column_B.

    For the case timeline filing date <= decision date <= publication date, one expectation per pair.
    A missing column_B (not decided, not published yet) passes; a missing column_A with a column_B fails
    (something published without a decision); rows with both missing are skipped. Unreadable dates fail.

    Args:
        column_A (str): the earlier date.
        column_B (str): the later date.
        ignore_row_if (str): default "both_values_are_missing".
        mostly (float), row_condition (str), condition_parser ("pandas").
    """

    map_metric = "column_pair_values.hub_dates_ordered"
    ignore_row_if: IgnoreRowIf = pydantic.Field(default="both_values_are_missing")
    _template = "$column_A must be on or before $column_B (a missing $column_B passes)"
