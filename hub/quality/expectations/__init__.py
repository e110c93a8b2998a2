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

Modules: :mod:`.identifiers` (the six column-map expectations, one validity metric each over
:mod:`hub.identifiers.vector`), :mod:`.legal_rules` (the three column-pair rules and their vectorised
checks), :mod:`.rendering` (the Data Docs sentence they share) and :mod:`.kwargs` (kwargs look-ups that
build GE's configuration once per call, not once per key). Importing this package imports both
expectation modules, which is what registers the types with GE.
"""

from __future__ import annotations

from hub.quality.ge_import import great_expectations

great_expectations()  # before the modules below import GE: scipy.stats and altair deferred (see ge_import)

from .identifiers import (  # noqa: E402
    ExpectColumnValuesToBeValidBankCard,
    ExpectColumnValuesToBeValidCaseNumber,
    ExpectColumnValuesToBeValidCreditCode,
    ExpectColumnValuesToBeValidOrgCode,
    ExpectColumnValuesToBeValidPlate,
    ExpectColumnValuesToBeValidResidentId,
)
from .legal_rules import (  # noqa: E402
    ADULT_AGE,
    PARTY_ID_TYPES,
    ExpectColumnPairValuesDatesOrdered,
    ExpectColumnPairValuesIdTypeMatchesPartyKind,
    ExpectColumnPairValuesPersonAdultOnDate,
    adult_on,
)

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
