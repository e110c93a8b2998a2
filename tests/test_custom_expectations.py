"""The custom Great Expectations flag exactly the bad rows, by key, with and without row_condition."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

gx = pytest.importorskip("great_expectations")

from hub.identifiers import ric  # noqa: E402
from hub.quality import expectations as hub_expectations  # noqa: E402  (registers the expectations)

# The string row_condition/condition_parser spelling still works in GE 1.24 but warns (deprecated since 1.9);
# it is tested here because stored suites use it. The structured spelling is tested without the filter.
STRING_CONDITION_DEPRECATED = "ignore:.*deprecated as of GX Core 1.9.0:DeprecationWarning"

RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["party_id"]}


def _ric(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17)


ADULT = "11010519491231002X"
MINOR = _ric("64010420100101001")  # born 2010-01-01


@pytest.fixture()
def parties() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "party_id": [1, 2, 3, 4, 5, 6, 7],
            "kind": ["PERSON", "PERSON", "ORG", "PERSON", "ORG", "PERSON", "ORG"],
            "id_type": ["RIC", "RIC", "USCC", "RIC", "RIC", "RIC", "ORGCODE"],
            "id_no": [
                ADULT,
                "11010519491231002Y",
                "91350100M000100Y43",
                MINOR,
                "91350100M000100Y44",
                None,
                "D2143569-X",
            ],
            "listed_on": ["2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01", None],
            "filing_date": ["2020-01-01"] * 7,
            "decision_date": ["2020-02-01", None, "2019-12-01", "2020-02-01", None, "2020-01-01", "2020-03-01"],
            "case_no": [
                "（2019）宁0104执123号",
                "(2019)宁0104执124号",
                "（2019）京0105执1号",
                "（2019）宁0104民初1号",
                "（2019）宁01执恢2号",
                "（1989）宁0104执1号",
                None,
            ],
            "plate": ["宁A12345", "宁F12345", "宁AD12345", "宁A1234I", "京B12345", "宁E12345F", "宁AL12345"],
            "card": ["6222021001112345670", "6222021001112345673", None, "4111111111111111", "62220210", "", None],
        }
    )


def run(df: pd.DataFrame, suite_dict: dict) -> list:
    """Validate ``df`` against a suite given as stored JSON; the recipe of hub.quality.expectations."""
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("hub").add_dataframe_asset("parties")
    batch_definition = asset.add_batch_definition_whole_dataframe("all rows")
    suite = context.suites.add(gx.ExpectationSuite(**json.loads(json.dumps(suite_dict))))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="gate", data=batch_definition, suite=suite)
    )
    result = validation.run(batch_parameters={"dataframe": df}, result_format=RESULT_FORMAT)
    return result.results


def failing_keys(result) -> list[int]:
    assert not result.exception_info.get("raised_exception"), result.exception_info
    return sorted(int(row["party_id"]) for row in result.result["unexpected_index_list"])


def one(df: pd.DataFrame, expectation_type: str, **kwargs) -> object:
    (result,) = run(df, {"name": "one", "expectations": [{"type": expectation_type, "kwargs": kwargs}]})
    return result


@pytest.mark.parametrize(
    ("expectation_type", "column", "bad"),
    [
        ("expect_column_values_to_be_valid_case_number", "case_no", [3, 4, 6]),
        ("expect_column_values_to_be_valid_plate", "plate", [2, 4, 7]),
        ("expect_column_values_to_be_valid_bank_card", "card", [2, 5, 6]),
    ],
)
def test_identifier_expectation_flags_exactly_the_bad_rows(parties, expectation_type, column, bad):
    result = one(parties, expectation_type, column=column)
    assert result.success is False
    assert failing_keys(result) == bad


@pytest.mark.filterwarnings(STRING_CONDITION_DEPRECATED)
def test_resident_id_expectation_with_row_condition_checks_only_persons(parties):
    result = one(
        parties,
        "expect_column_values_to_be_valid_resident_id",
        column="id_no",
        row_condition='kind=="PERSON"',
        condition_parser="pandas",
    )
    assert failing_keys(result) == [2]  # row 6 (None) is null: not counted, as in every GE map expectation
    assert result.result["element_count"] == 4


def test_without_row_condition_the_credit_codes_fail_as_resident_ids(parties):
    result = one(parties, "expect_column_values_to_be_valid_resident_id", column="id_no")
    assert failing_keys(result) == [2, 3, 5, 7]


@pytest.mark.filterwarnings(STRING_CONDITION_DEPRECATED)
def test_credit_code_and_org_code_expectations_with_row_condition_on_id_type(parties):
    credit = one(
        parties,
        "expect_column_values_to_be_valid_credit_code",
        column="id_no",
        row_condition='id_type=="USCC"',
        condition_parser="pandas",
    )
    assert credit.success is True and credit.result["element_count"] == 1
    org = one(
        parties,
        "expect_column_values_to_be_valid_org_code",
        column="id_no",
        row_condition='id_type=="ORGCODE"',
        condition_parser="pandas",
    )
    assert org.success is True


@pytest.mark.filterwarnings(STRING_CONDITION_DEPRECATED)
def test_legacy_great_expectations_row_condition_syntax_also_works(parties):
    result = one(
        parties,
        "expect_column_values_to_be_valid_resident_id",
        column="id_no",
        row_condition='col("kind")=="PERSON"',
        condition_parser="great_expectations",
    )
    assert failing_keys(result) == [2]


def test_mostly_lets_a_share_of_bad_rows_pass(parties):
    result = one(parties, "expect_column_values_to_be_valid_plate", column="plate", mostly=0.5)
    assert result.success is True
    assert failing_keys(result) == [2, 4, 7]


@pytest.mark.filterwarnings(STRING_CONDITION_DEPRECATED)
def test_adult_rule_flags_minors_and_invalid_ids_among_persons(parties):
    result = one(
        parties,
        "expect_column_pair_values_person_adult_on_date",
        column_A="id_no",
        column_B="listed_on",
        row_condition='kind=="PERSON"',
        condition_parser="pandas",
    )
    assert failing_keys(result) == [2, 4]  # 2: ID not valid; 4: born 2010; 6: no ID, skipped


def test_adult_rule_counts_the_eighteenth_birthday_as_adult():
    born_2000 = _ric("64010420000301001")
    df = pd.DataFrame(
        {
            "party_id": [1, 2, 3],
            "id_no": [born_2000, born_2000, _ric("11010520000229002")],
            "on": ["2018-02-28", "2018-03-01", "2018-02-28"],
        }
    )
    result = one(df, "expect_column_pair_values_person_adult_on_date", column_A="id_no", column_B="on")
    assert failing_keys(result) == [1, 3]  # born 29 Feb 2000: adult on 1 March 2018


def test_id_type_rule_flags_an_organisation_with_a_resident_id(parties):
    result = one(parties, "expect_column_pair_values_id_type_matches_party_kind", column_A="kind", column_B="id_type")
    assert failing_keys(result) == [5]


def test_id_type_rule_flags_other_and_accepts_a_replacement_table(parties):
    df = parties.assign(id_type=["RIC", "OTHER", "USCC", "ric ", "ORGCODE", "RIC", "ORGCODE"])
    result = one(df, "expect_column_pair_values_id_type_matches_party_kind", column_A="kind", column_B="id_type")
    assert failing_keys(result) == [2]
    lenient = one(
        df,
        "expect_column_pair_values_id_type_matches_party_kind",
        column_A="kind",
        column_B="id_type",
        allowed_id_types={"PERSON": ["RIC", "OTHER"], "ORG": ["USCC", "ORGCODE"]},
    )
    assert lenient.success is True


def test_dates_ordered_flags_a_decision_before_filing_and_lets_missing_decisions_pass(parties):
    result = one(parties, "expect_column_pair_values_dates_ordered", column_A="filing_date", column_B="decision_date")
    assert failing_keys(result) == [3]


def test_dates_ordered_fails_a_later_date_without_the_earlier_one_and_unreadable_dates():
    df = pd.DataFrame(
        {
            "party_id": [1, 2, 3, 4],
            "decided": [None, "2020-01-01", None, "2020-01-01"],
            "published": ["2020-02-01", "not a date", None, pd.Timestamp("2020-01-01")],
        }
    )
    result = one(df, "expect_column_pair_values_dates_ordered", column_A="decided", column_B="published")
    assert failing_keys(result) == [1, 2]  # row 3: both missing, skipped; row 4: equal dates pass


@pytest.mark.filterwarnings(STRING_CONDITION_DEPRECATED)
def test_a_whole_suite_from_json_flags_the_bad_rows_per_expectation(parties):
    suite = {
        "name": "parties",
        "expectations": [
            {
                "type": "expect_column_values_to_be_valid_resident_id",
                "kwargs": {"column": "id_no", "row_condition": 'kind=="PERSON"', "condition_parser": "pandas"},
            },
            {"type": "expect_column_values_to_be_valid_case_number", "kwargs": {"column": "case_no"}},
            {
                "type": "expect_column_pair_values_person_adult_on_date",
                "kwargs": {
                    "column_A": "id_no",
                    "column_B": "listed_on",
                    "row_condition": 'kind=="PERSON"',
                    "condition_parser": "pandas",
                },
            },
            {
                "type": "expect_column_pair_values_id_type_matches_party_kind",
                "kwargs": {"column_A": "kind", "column_B": "id_type"},
            },
            {
                "type": "expect_column_pair_values_dates_ordered",
                "kwargs": {"column_A": "filing_date", "column_B": "decision_date"},
            },
        ],
    }
    results = {r.expectation_config.type: failing_keys(r) for r in run(parties, suite)}
    assert results == {
        "expect_column_values_to_be_valid_resident_id": [2],
        "expect_column_values_to_be_valid_case_number": [3, 4, 6],
        "expect_column_pair_values_person_adult_on_date": [2, 4],
        "expect_column_pair_values_id_type_matches_party_kind": [5],
        "expect_column_pair_values_dates_ordered": [3],
    }


def test_expectation_types_are_registered_under_their_snake_case_names():
    from great_expectations.expectations.registry import get_expectation_impl

    for name in [
        "expect_column_values_to_be_valid_resident_id",
        "expect_column_values_to_be_valid_credit_code",
        "expect_column_values_to_be_valid_org_code",
        "expect_column_values_to_be_valid_case_number",
        "expect_column_values_to_be_valid_plate",
        "expect_column_values_to_be_valid_bank_card",
        "expect_column_pair_values_person_adult_on_date",
        "expect_column_pair_values_id_type_matches_party_kind",
        "expect_column_pair_values_dates_ordered",
    ]:
        impl = get_expectation_impl(name)
        assert impl.__module__.startswith(hub_expectations.__name__ + ".")  # defined in the hub's package
        assert getattr(hub_expectations, impl.__name__) is impl  # and exported by it


def test_structured_row_condition_from_json_selects_the_same_rows_without_deprecation_warnings(parties):
    person = {"type": "comparison", "column": {"name": "kind"}, "operator": "==", "parameter": "PERSON"}
    suite = {
        "name": "structured",
        "expectations": [
            {
                "type": "expect_column_values_to_be_valid_resident_id",
                "kwargs": {"column": "id_no", "row_condition": person},
            },
            {
                "type": "expect_column_pair_values_person_adult_on_date",
                "kwargs": {"column_A": "id_no", "column_B": "listed_on", "row_condition": person},
            },
        ],
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*deprecated as of GX Core.*")
        results = {r.expectation_config.type: failing_keys(r) for r in run(parties, suite)}
    assert results == {
        "expect_column_values_to_be_valid_resident_id": [2],
        "expect_column_pair_values_person_adult_on_date": [2, 4],
    }


def test_structured_row_condition_built_in_python_serialises_to_the_json_form():
    from great_expectations.expectations.row_conditions import Column

    expectation = hub_expectations.ExpectColumnValuesToBeValidResidentId(
        column="id_no", row_condition=Column("kind") == "PERSON"
    )
    assert expectation.configuration.to_json_dict()["kwargs"]["row_condition"] == {
        "type": "comparison",
        "column": {"name": "kind"},
        "operator": "==",
        "parameter": "PERSON",
    }


def test_rendered_sentence_names_the_column_and_the_row_condition():
    from great_expectations.expectations.row_conditions import Column

    expectation = hub_expectations.ExpectColumnValuesToBeValidResidentId(
        column="id_no", row_condition=Column("kind") == "PERSON", mostly=0.95
    )
    expectation.render()
    rendered = expectation.rendered_content[0].value
    assert rendered.template.startswith("If $row_condition__0, then $column values must be valid resident ID")
    assert "$mostly_pct %" in rendered.template
    assert rendered.params["column"]["value"] == "id_no"


def test_id_type_matches_normalises_text_and_fails_anything_else():
    import numpy as np

    from hub.quality.expectations.legal_rules import _normalised, id_type_matches

    kinds = pd.Series(
        [" person", "ORG", "org\t", None, np.nan, pd.NA, 1, "ORG", "PERSON", [1]], index=list("abcdefghij")
    )
    types = pd.Series(["ric", " Uscc ", "orgcode", "RIC", "RIC", "RIC", "RIC", 1.5, "RIC/", "RIC"], dtype=object)
    assert id_type_matches(kinds, types).tolist() == [True, True, True] + [False] * 7
    assert id_type_matches(kinds, types).index.tolist() == list("abcdefghij")
    assert _normalised(kinds).tolist() == ["PERSON", "ORG", "ORG", None, None, None, None, "ORG", "PERSON", None]
    assert id_type_matches(kinds, types, {"ORG/USCC": ["X"], "PERSON": ["RIC/"]}).tolist()[8] is True
    assert id_type_matches(kinds.iloc[:0], types.iloc[:0]).tolist() == []
