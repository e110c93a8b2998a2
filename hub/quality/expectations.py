"""Great Expectations (1.x) custom expectations for Chinese identifiers and the legal rules of the hub.

Importing this module registers the expectations with GE, so that a suite naming them loads:

- ``expect_column_values_to_be_valid_resident_id``: 居民身份证号 valid (GB 11643-1999; legacy 15-digit ok)
- ``expect_column_values_to_be_valid_credit_code``: 统一社会信用代码 valid (GB 32100-2015)
- ``expect_column_values_to_be_valid_org_code``: 组织机构代码 valid (GB 11714-1997)
- ``expect_column_values_to_be_valid_case_number``: 案号 of a Ningxia court with an enforcement type code
- ``expect_column_values_to_be_valid_plate``: 号牌 well-formed (GA 36-2018)
- ``expect_column_values_to_be_valid_bank_card``: bank card number, 16-19 digits, Luhn
- ``expect_column_pair_values_person_adult_on_date``: the person of the resident ID in column_A is 18 or
  older on the date in column_B
- ``expect_column_pair_values_id_type_matches_party_kind``: PERSON (column_A) carries RIC, ORG carries USCC
  or ORGCODE (column_B)
- ``expect_column_pair_values_dates_ordered``: column_A <= column_B; a missing column_B passes

The checks are the vectorised ones of :mod:`hub.identifiers.vector` (same rules and reasons as the scalar
modules); only the pandas engine is implemented. As with every GE column-map expectation, null values of
the column are not counted as unexpected: pair these with ``expect_column_values_to_not_be_null`` where a
value is required. Empty strings and whitespace are not null and fail.

Recipe (verified with great-expectations 1.24.1, pandas 3.1; the quality gate follows it)
-----------------------------------------------------------------------------------------
::

    import great_expectations as gx
    import hub.quality.expectations  # noqa: F401  -- registers the types above; import before loading

    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("hub")
    asset = source.add_dataframe_asset("parties")
    batch_definition = asset.add_batch_definition_whole_dataframe("all rows")
    suite = context.suites.add(gx.ExpectationSuite(**suite_dict))   # or ExpectationSuite(name=..., expectations=[...])
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="parties gate", data=batch_definition, suite=suite)
    )
    result = validation.run(
        batch_parameters={"dataframe": df},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["party_id"]},
    )
    for r in result.results:
        r.expectation_config.type, r.success
        r.result["unexpected_index_list"]    # [{"party_id": 3, "id_no": "1101..."} ...] one dict per failing row
        r.result["unexpected_index_query"]   # "df.filter(items=[2, 6], axis=0)" (DataFrame index labels)

with ``suite_dict`` as stored JSON. Row conditions have two spellings in GE 1.24; both work with these
expectations and give the same rows:

* structured (GX Core >= 1.9, no warning; what ``Column("kind") == "PERSON"`` serialises to)::

    {"type": "expect_column_values_to_be_valid_resident_id",
     "kwargs": {"column": "id_no",
                "row_condition": {"type": "comparison", "column": {"name": "kind"},
                                  "operator": "==", "parameter": "PERSON"}}}

  (``&`` of conditions serialises as ``{"type": "and", "conditions": [...]}``; build it in Python with
  ``great_expectations.expectations.row_conditions.Column`` and read ``expectation.configuration
  .to_json_dict()`` to get the JSON);

* string with a parser (deprecated since GX Core 1.9, removed in 2.0, emits ``DeprecationWarning``)::

    {"type": "expect_column_values_to_be_valid_resident_id",
     "kwargs": {"column": "id_no", "row_condition": "kind==\\"PERSON\\"", "condition_parser": "pandas"}}

A fuller suite::

    {"name": "parties",
     "expectations": [
        {"type": "expect_column_values_to_be_valid_credit_code",
         "kwargs": {"column": "id_no", "mostly": 0.99,
                    "row_condition": {"type": "comparison", "column": {"name": "id_type"},
                                      "operator": "==", "parameter": "USCC"}}},
        {"type": "expect_column_pair_values_person_adult_on_date",
         "kwargs": {"column_A": "id_no", "column_B": "listed_on",
                    "row_condition": {"type": "comparison", "column": {"name": "kind"},
                                      "operator": "==", "parameter": "PERSON"}}},
        {"type": "expect_column_pair_values_id_type_matches_party_kind",
         "kwargs": {"column_A": "kind", "column_B": "id_type"}},
        {"type": "expect_column_pair_values_dates_ordered",
         "kwargs": {"column_A": "filing_date", "column_B": "decision_date"}}]}

Findings from verifying it:

* ``unexpected_index_column_names`` works for these column-map and column-pair expectations: each entry of
  ``unexpected_index_list`` is a dict of the named key column(s) plus the checked column(s) of one failing
  row, e.g. ``{"party_id": 2, "id_no": "11010519491231002Y"}`` (key values come back as numpy scalars,
  ``np.int64``: convert with ``int()`` before ``json.dumps``). Without that key the list holds DataFrame
  index labels.
* A row condition is applied before the check; rows outside it are neither checked nor counted in
  ``element_count``. The string form with ``"condition_parser": "pandas"`` uses ``DataFrame.query``
  syntax (string literals in double quotes, escaped inside JSON); the legacy ``"great_expectations"``
  parser syntax ``col("kind")=="PERSON"`` also still works.
* A suite naming these types fails to load unless this module was imported first:
  ``InvalidExpectationConfigurationError: ... expect_column_values_to_be_valid_resident_id not found``.
* ``mostly``, ``result_format``, ``meta``, ``notes``, ``severity`` and ``description`` behave as for built-in
  expectations; a ``description`` replaces the rendered sentence in Data Docs.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    render_suite_parameter_string,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)
from great_expectations.render import LegacyRendererType, RenderedStringTemplateContent
from great_expectations.render.renderer.renderer import renderer
from great_expectations.render.renderer_configuration import RendererConfiguration, RendererValueType
from great_expectations.render.util import num_to_str, substitute_none_for_missing

from hub.identifiers import vector

__all__ = [
    "ADULT_AGE",
    "PARTY_ID_TYPES",
    "ExpectColumnPairValuesDatesOrdered",
    "ExpectColumnPairValuesIdTypeMatchesPartyKind",
    "ExpectColumnPairValuesPersonAdultOnDate",
    "ExpectColumnValuesToBeValidBankCard",
    "ExpectColumnValuesToBeValidCaseNumber",
    "ExpectColumnValuesToBeValidCreditCode",
    "ExpectColumnValuesToBeValidOrgCode",
    "ExpectColumnValuesToBeValidPlate",
    "ExpectColumnValuesToBeValidResidentId",
    "adult_on",
]

#: Age of majority (民法典 art. 17). [check] The person counts as adult from the 18th birthday itself;
#: someone born on 29 February becomes adult on 1 March in years without a 29 February.
ADULT_AGE = 18

#: Party kind → the identifier types it may carry.
PARTY_ID_TYPES: dict[str, tuple[str, ...]] = {
    "PERSON": ("RIC",),
    "ORG": ("USCC", "ORGCODE"),
}


# --------------------------------------------------------------------------------------------------------
# Rendering shared by all expectations here: one sentence, with mostly and row_condition


def _row_condition_text(row_condition: Any) -> str | None:
    if row_condition is None:
        return None
    try:
        from great_expectations.render.util import parse_row_condition_string

        text = parse_row_condition_string(row_condition)
    except Exception:  # rendering must never break a validation run
        text = str(row_condition)
    if len(text) >= 2 and text[0] == text[-1] == "'":  # a plain string comes back in quotes
        text = text[1:-1]
    return text


class _Rendered:
    """Mixin: renders ``_template`` (with ``$column`` / ``$column_A`` / ``$column_B``) for Data Docs."""

    _template: ClassVar[str] = ""
    _render_params: ClassVar[tuple[str, ...]] = ("column",)

    @classmethod
    def _prescriptive_template(cls, renderer_configuration: RendererConfiguration) -> RendererConfiguration:
        for name in cls._render_params:
            renderer_configuration.add_param(name=name, param_type=RendererValueType.STRING)
        renderer_configuration.add_param(name="mostly", param_type=RendererValueType.NUMBER)
        template_str = cls._template
        params = renderer_configuration.params
        if params.mostly and params.mostly.value < 1.0:
            renderer_configuration = cls._add_mostly_pct_param(renderer_configuration=renderer_configuration)
            template_str += ", at least $mostly_pct % of the time."
        else:
            template_str += "."
        renderer_configuration.template_str = template_str
        return renderer_configuration

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(
        cls,
        configuration: Any = None,
        result: Any = None,
        runtime_configuration: dict | None = None,
        **kwargs: Any,
    ) -> list[RenderedStringTemplateContent]:
        runtime_configuration = runtime_configuration or {}
        styling = runtime_configuration.get("styling") or {}
        kwargs_in = configuration.kwargs if configuration is not None else {}
        params = substitute_none_for_missing(
            kwargs_in, [*cls._render_params, "mostly", "row_condition", "condition_parser"]
        )
        template_str = cls._template
        mostly = params.get("mostly")
        if isinstance(mostly, int | float) and mostly < 1.0:
            params["mostly_pct"] = num_to_str(mostly * 100, no_scientific=True)
            template_str += ", at least $mostly_pct % of the time."
        else:
            template_str += "."
        condition = _row_condition_text(params.get("row_condition"))
        if condition is not None:
            params["condition_content"] = condition
            badge = {"classes": ["badge", "badge-secondary"]}
            styling = {**styling, "params": {**styling.get("params", {}), "condition_content": badge}}
            template_str = "If $condition_content, then " + template_str
        return [
            RenderedStringTemplateContent(
                content_block_type="string_template",
                string_template={"template": template_str, "params": params, "styling": styling},
            )
        ]


# --------------------------------------------------------------------------------------------------------
# Identifier metrics and expectations


def _valid(kind: str, column: pd.Series) -> pd.Series:
    return vector.REASON_FUNCTIONS[kind](column).isna()


class ColumnValuesValidResidentId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_resident_id"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _valid("ric", column)


class ColumnValuesValidCreditCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_credit_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _valid("uscc", column)


class ColumnValuesValidOrgCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_org_code"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _valid("orgcode", column)


class ColumnValuesValidCaseNumber(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_case_number"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _valid("caseno", column)


class ColumnValuesValidPlate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_plate"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _valid("plate", column)


class ColumnValuesValidBankCard(ColumnMapMetricProvider):
    condition_metric_name = "column_values.hub_valid_bank_card"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: Any) -> pd.Series:
        return _valid("bankcard", column)


class _IdentifierExpectation(_Rendered, ColumnMapExpectation):
    """Base of the identifier expectations (abstract: no ``map_metric``, so GE does not register it)."""

    success_keys = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {
        "maturity": "production",
        "tags": ["hub", "china", "identifier"],
        "contributors": ["@ningxia-enforcement-hub"],
    }


class ExpectColumnValuesToBeValidResidentId(_IdentifierExpectation):
    """Expect values to be valid resident ID numbers (居民身份证号, GB 11643-1999).

    18 characters: region code, birth date, sequence, MOD 11-2 check character (X allowed, lower-case x
    accepted); legacy 15-digit numbers pass. Fails on wrong length, non-digits, wrong check character,
    impossible or future birth date, and region codes unknown to GB/T 2260 (retired codes are known).
    Spaces and full-width digits are tolerated.

    Args:
        column (str): the column of ID numbers.
        mostly (float): share of non-null rows that must pass (default 1).
        row_condition (str), condition_parser ("pandas"): check only the rows that match, e.g.
            ``kind=="PERSON"``.
    """

    map_metric = "column_values.hub_valid_resident_id"
    _template = "$column values must be valid resident ID numbers (居民身份证号, GB 11643-1999)"


class ExpectColumnValuesToBeValidCreditCode(_IdentifierExpectation):
    """Expect values to be valid unified social credit codes (统一社会信用代码, GB 32100-2015).

    18 characters of 0-9 and A-Y without I, O, S, V, Z; MOD 31 check character; a registering authority
    and entity type that are assigned (letters such as N, A, Y as authority pass). Hyphens, spaces and
    full-width characters are tolerated.

    Args:
        column (str): the column of credit codes.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = "column_values.hub_valid_credit_code"
    _template = "$column values must be valid unified social credit codes (统一社会信用代码, GB 32100-2015)"


class ExpectColumnValuesToBeValidOrgCode(_IdentifierExpectation):
    """Expect values to be valid organisation codes (组织机构代码, GB 11714-1997), ``XXXXXXXX-X``.

    Eight digits or capital letters and a MOD 11 check character (0-9 or X); the hyphen is optional.

    Args:
        column (str): the column of organisation codes.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = "column_values.hub_valid_org_code"
    _template = "$column values must be valid organisation codes (组织机构代码, GB 11714-1997)"


class ExpectColumnValuesToBeValidCaseNumber(_IdentifierExpectation):
    """Expect values to be enforcement case numbers (案号) of a Ningxia court, e.g. ``（2019）宁0104执123号``.

    The year is 1990 to this year, the court code a known Ningxia court, the type code an enforcement
    type (执, 执恢, 执保, 执异, 执复, 执监, 执协, 执他). Half-width parentheses and spaces are tolerated.

    Args:
        column (str): the column of case numbers.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = "column_values.hub_valid_case_number"
    _template = "$column values must be enforcement case numbers (案号) of a Ningxia court"


class ExpectColumnValuesToBeValidPlate(_IdentifierExpectation):
    """Expect values to be well-formed motor-vehicle plate numbers (号牌, GA 36-2018).

    Province character, issuing-office letter (a Ningxia office for 宁), then 5 characters (last may be 挂,
    学, 警) or a 6-character new-energy serial. Middle dots and spaces are tolerated.

    Args:
        column (str): the column of plate numbers.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = "column_values.hub_valid_plate"
    _template = "$column values must be well-formed vehicle plate numbers (号牌, GA 36-2018)"


class ExpectColumnValuesToBeValidBankCard(_IdentifierExpectation):
    """Expect values to be bank card numbers: 16 to 19 digits passing the Luhn check.

    Apply to card numbers only: corporate account numbers do not always pass Luhn.

    Args:
        column (str): the column of card numbers.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = "column_values.hub_valid_bank_card"
    _template = "$column values must be bank card numbers of 16 to 19 digits passing the Luhn check"


# --------------------------------------------------------------------------------------------------------
# Legal rules over two columns


def adult_on(ids: pd.Series, dates: pd.Series) -> pd.Series:
    """True where the person of the resident ID is at least :data:`ADULT_AGE` on the date.

    False when the ID is not valid or the date cannot be read (the rule cannot be shown to hold).

    >>> adult_on(pd.Series(["110105200002290021", "110105200002290021"]),
    ...          pd.Series(["2018-02-28", "2018-03-01"])).tolist()
    [False, True]
    """
    born = vector.ric_birth_dates(ids)
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
    key = _normalised(kinds) + "/" + _normalised(id_types).to_numpy()
    return pd.Series(key.isin(pairs).to_numpy(dtype=bool), index=kinds.index)


def _norm(value: object) -> str:
    return str(value).strip().upper()


def _normalised(values: pd.Series) -> pd.Series:
    text = pd.Series(values.to_numpy(dtype=object), index=values.index, dtype=object)
    return text.where(text.map(lambda v: isinstance(v, str)), None).str.strip().str.upper()


def _dates(values: object, index: pd.Index) -> pd.Series:
    """Dates, datetimes or date text (formats may differ row by row) as datetime64; NaT when unreadable."""
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


class _PairExpectation(_Rendered, ColumnPairMapExpectation):
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
