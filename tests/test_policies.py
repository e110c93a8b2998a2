"""Per-partner data policies (hub/policy.py, policies/*.yaml): loading errors, the predicate language, and
`hub policy show|check`. Enforcement on the real flows is in tests/test_policies_enforced.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from hub import policy
from hub.cli import main
from hub.errors import ConfigurationError, PolicyViolation
from hub.mapping import load_mapping
from hub.settings import PROJECT_ROOT

PARTNERS = ["credit_platform", "bank_a", "bank_b", "public_security"]
DISCIPLINE_RULE = {
    "name": "the party is a public servant or a party member",
    "any_of": [{"field": "is_public_servant", "equals": True}, {"field": "is_party_member", "equals": True}],
}


def write_policy(directory: Path, partner: str, document: dict | str) -> Path:
    path = directory / f"{partner}.yaml"
    text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def a_policy(**record_overrides) -> dict:
    record = {"legal_basis": "a rule", "fields": ["A", "B"], "rows": []} | record_overrides
    return {"partner": "p", "legal_basis": "a law", "record_types": {"thing": record}}


# --- loading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("partner", PARTNERS)
def test_every_shipped_policy_loads_with_a_legal_basis_for_each_record_type(partner):
    loaded = policy.load_policy(PROJECT_ROOT / "policies" / f"{partner}.yaml")
    assert loaded.partner == partner and loaded.legal_basis
    assert loaded.record_types and all(rules.legal_basis and rules.fields for rules in loaded.record_types.values())


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("partner: p\nrecord_types: [", "cannot read policy"),
        ({**a_policy(), "partner": "q"}, "partner is 'q', but the file is named for 'p'"),
        ({**a_policy(), "record_types": {}}, "record_types must name at least one record type"),
        ({**a_policy(), "extra": 1}, "top level: unknown keys ['extra']"),
        (a_policy(fields=[]), "record_types.thing.fields: a non-empty list"),
        (a_policy(legal_basis=""), "record_types.thing: legal_basis is missing"),
        (a_policy(rows=[{"field": "x", "eq": 1}]), "record_types.thing.rows[0]: unknown keys ['eq']"),
        (a_policy(rows=[{"field": "x"}]), "record_types.thing.rows[0]: give exactly one of"),
        (a_policy(rows=[{"field": "x", "equals": 1, "in": [1]}]), "give exactly one of"),
        (a_policy(rows=[{"field": "x", "in": []}]), "record_types.thing.rows[0].in: a non-empty list"),
        (a_policy(rows=[{"field": "x", "present": "yes"}]), "rows[0].present: true or false"),
        (a_policy(rows=[{"equals": 1}]), "rows[0]: equals needs field"),
        (a_policy(rows=[{"any_of": [{"field": "x", "equal": 1}]}]), "rows[0].any_of[0]: unknown keys ['equal']"),
        (a_policy(rows=[{"any_of": []}]), "rows[0].any_of: a non-empty list of rules"),
    ],
)
def test_a_bad_policy_file_is_refused_naming_the_file_and_the_key(tmp_path, document, words):
    path = write_policy(tmp_path, "p", document)
    with pytest.raises(ConfigurationError) as error:
        policy.load_policy(path)
    assert str(path) in str(error.value) and words in str(error.value)


def test_a_partner_without_a_policy_file_may_receive_nothing(tmp_path):
    none = policy.policy_for("military_court", tmp_path)
    assert none.source_path is None and not none.allows("locate_request")
    assert none.allowed_fields("locate_request") == frozenset()
    with pytest.raises(PolicyViolation, match="military_court has no policy file"):
        none.record("locate_request")


# --- the predicate language ----------------------------------------------------------------------------


def rules_of(*rows: dict) -> policy.RecordPolicy:
    return policy._record(Path("test.yaml"), "p", "thing", {"legal_basis": "x", "fields": ["A"], "rows": list(rows)})


FRAME = pd.DataFrame(
    {
        "party_kind": ["PERSON", "ORG", "PERSON", None, "PERSON"],
        "is_public_servant": [1, 0, 0, 0, None],  # as MariaDB gives booleans
        "is_party_member": [False, False, True, False, True],
        "credential": ["A1", " ", None, "B2", "C3"],
    },
    index=[10, 11, 12, 13, 14],
)


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        ({"field": "party_kind", "equals": "PERSON"}, [10, 12, 14]),
        ({"field": "party_kind", "in": ["PERSON", "ORG"]}, [10, 11, 12, 14]),
        ({"field": "party_kind", "not_in": ["ORG"]}, [10, 12, 14]),  # a missing value is never judged allowed
        ({"field": "is_public_servant", "equals": True}, [10]),
        ({"field": "credential", "present": True}, [10, 13, 14]),  # blank text is no value
        ({"field": "credential", "present": False}, [11, 12]),
        (DISCIPLINE_RULE, [10, 12, 14]),
        (
            {"all_of": [{"field": "party_kind", "equals": "PERSON"}, {"field": "is_party_member", "equals": True}]},
            [12, 14],
        ),
    ],
)
def test_row_rules_are_evaluated_by_column_and_deny_what_they_cannot_judge(rule, allowed):
    mask, reasons = rules_of(rule).evaluate_rows(FRAME)
    assert list(FRAME.index[mask.to_numpy()]) == allowed
    assert sorted(reasons) == sorted(set(FRAME.index) - set(allowed))


def test_a_blocked_row_carries_one_reason_per_rule_it_fails_naming_rule_and_partner():
    rules = rules_of({"field": "party_kind", "equals": "PERSON"}, DISCIPLINE_RULE)
    _mask, reasons = rules.evaluate_rows(FRAME)
    assert reasons[11] == [
        "policy: party_kind = PERSON not satisfied for partner p",
        "policy: the party is a public servant or a party member not satisfied for partner p",
    ]
    assert reasons[13] == ["policy: party_kind = PERSON not satisfied for partner p", reasons[11][1]]
    assert 12 not in reasons and 14 not in reasons  # persons who are party members


def test_a_rule_reading_a_field_the_chunk_lacks_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="reads canonical field 'employer'"):
        rules_of({"field": "employer", "present": True}).evaluate_rows(FRAME)


# --- mappings and flows against policies ---------------------------------------------------------------


def test_check_mapping_names_the_mapping_target_and_each_field_not_allowed(tmp_path):
    document = yaml.safe_load((PROJECT_ROOT / "mappings" / "credit_platform.yaml").read_text(encoding="utf-8"))
    document["targets"]["dishonest_list"]["columns"]["SFGWY"] = {"source": "is_public_servant"}
    path = tmp_path / "credit_platform.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    (violation,) = policy.policy_for("credit_platform").check_mapping(load_mapping(path))
    assert (violation.field, violation.record_type, violation.kind) == ("SFGWY", "dishonest_list", "field")
    assert str(path) in str(violation) and "targets.dishonest_list" in str(violation)


def test_a_flow_whose_row_rule_reads_a_field_it_does_not_extract_is_a_violation(tmp_path, monkeypatch):
    from hub.banks.flows import control_flow

    shutil.copytree(PROJECT_ROOT / "policies", tmp_path, dirs_exist_ok=True)
    document = yaml.safe_load((tmp_path / "bank_a.yaml").read_text(encoding="utf-8"))
    document["record_types"]["control_request"]["rows"].append({"field": "party_role", "equals": "DEBTOR"})
    write_policy(tmp_path, "bank_a", document)
    monkeypatch.setenv("HUB_POLICIES_DIR", str(tmp_path))
    flow = control_flow("bank_a")
    target = load_mapping(PROJECT_ROOT / "mappings" / "bank_a.yaml").target("control_request")
    (violation,) = policy.policy_for("bank_a").check_flow(flow, target)
    assert violation.kind == "rule" and violation.field == "party_role" and "does not extract" in violation.problem


def test_every_declared_flow_family_is_discovered():
    found = {(flow.name, flow.partner) for flow in policy.declared_flows()}
    assert {
        ("dishonest_list_sync", "credit_platform"),
        ("consumption_restriction_sync", "credit_platform"),
        ("bank_inquiry_control", "bank_a"),
        ("bank_inquiry_control", "bank_b"),
        ("debtor_locate", "public_security"),
    } <= found


# --- the command -------------------------------------------------------------------------------------------


def test_policy_check_passes_on_the_shipped_mappings_and_flows():
    result = CliRunner().invoke(main, ["policy", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("policy check passed:") and result.output.count("\n") == 1


def test_policy_check_fails_naming_mapping_target_and_field_when_a_field_is_injected(tmp_path, monkeypatch):
    mappings = tmp_path / "mappings"
    shutil.copytree(PROJECT_ROOT / "mappings", mappings)
    document = yaml.safe_load((mappings / "public_security.yaml").read_text(encoding="utf-8"))
    document["targets"]["locate_request"]["columns"]["isPartyMember"] = {"source": "party_kind"}
    (mappings / "public_security.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(mappings))
    result = CliRunner().invoke(main, ["policy", "check"])
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "isPartyMember" in line]
    assert str(mappings / "public_security.yaml") in line and "targets.locate_request" in line
    assert "field isPartyMember is not allowed for public_security locate_request" in line


def test_policy_check_fails_when_a_declared_flow_has_no_policy_for_its_record_type(tmp_path, monkeypatch):
    shutil.copytree(PROJECT_ROOT / "policies", tmp_path, dirs_exist_ok=True)
    (tmp_path / "bank_b.yaml").unlink()  # deny by default: bank_b may now receive nothing
    monkeypatch.setenv("HUB_POLICIES_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["policy", "check"])
    assert result.exit_code == 1
    assert "flow bank_inquiry_control (bank_b control_request): partner bank_b has no policy file" in result.output


def test_policy_show_prints_record_types_fields_rules_and_legal_basis():
    result = CliRunner().invoke(main, ["policy", "show", "public_security"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "record type locate_request" in out and "idNumber" in out and "legal basis:" in out
    assert "- only a person can be located" in out and "anything else: denied" in out


def test_policy_show_says_a_partner_without_a_file_receives_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_POLICIES_DIR", str(tmp_path))
    unknown = CliRunner().invoke(main, ["policy", "show", "bank_a"])
    assert unknown.exit_code == 0 and "deny by default, it may receive nothing" in unknown.output
    hostile = CliRunner().invoke(main, ["policy", "show", "../mappings/bank_a"])
    assert hostile.exit_code == 1 and "is not a partner name" in hostile.output


def test_a_policy_violation_fails_the_airflow_task_without_retries():
    """A retry cannot fix a mapping that sends a forbidden field: the delivering task fails at once."""
    from airflow.sdk.exceptions import AirflowFailException

    from hub.errors import PolicyViolation
    from hub.runner import not_retried_on_policy_violation

    def deliver() -> dict:
        raise PolicyViolation("partner bank_a, flow bank_inquiry_control: field MOBILE is not allowed")

    with pytest.raises(AirflowFailException, match=r"field MOBILE is not allowed.*not retried") as caught:
        not_retried_on_policy_violation(deliver)()
    assert isinstance(caught.value.__cause__, PolicyViolation)
    assert not_retried_on_policy_violation(lambda: {"delivered": 1})() == {"delivered": 1}
