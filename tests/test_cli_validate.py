"""``hub validate``: one line per value, exit 0 all valid / 1 some invalid / 2 usage error."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hub.cli.validate import command


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(command, list(args), input=stdin)


def test_all_valid_values_exit_zero_with_one_line_each():
    result = invoke("ric", "11010519491231002X", "110105491231002")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines == [
        "11010519491231002X valid birth_date=1949-12-31 sex=female region_code=110105 region_name=北京市朝阳区 "
        "legacy=no",
        "110105491231002 valid birth_date=1949-12-31 sex=female region_code=110105 region_name=北京市朝阳区 "
        "legacy=yes number_18=11010519491231002X",
    ]


def test_any_invalid_value_exits_one_and_names_the_expected_check_character():
    result = invoke("ric", "11010519491231002X", "11010519491231002Y")
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == "11010519491231002Y invalid checksum: check character is Y, expected X"


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("1101051949123100", "1101051949123100 invalid length: has 16 characters, expected 18 (or 15, legacy)"),
        ("110105A9491231002X", "110105A9491231002X invalid character: character 7 is 'A', expected a digit"),
        ("110105199902300023", "110105199902300023 invalid date: birth date 19990230 does not exist"),
        ("649999198001010011", "649999198001010011 invalid region: region code 649999 is not a known region code"),
        ("", '"" invalid empty: is empty'),
    ],
)
def test_each_invalid_resident_id_gets_its_precise_reason(value, line):
    result = invoke("ric", value)
    assert result.exit_code == 1
    assert result.output.strip() == line


def test_future_birth_date_is_reported():
    result = invoke("ric", "110105209901010020")
    assert "invalid future_date: birth date 2099-01-01 is in the future" in result.output


def test_normalised_value_is_shown_next_to_the_input():
    result = invoke("ric", " １１０１０５１９４９１２３１００２x")
    assert result.exit_code == 0
    assert result.output.startswith('" １１０１０５１９４９１２３１００２x" (11010519491231002X) valid')


def test_case_number_parts_and_canonical_form():
    result = invoke("case-no", "(2019)宁0104执123号")
    assert result.exit_code == 0
    assert result.output.strip() == (
        "(2019)宁0104执123号 (（2019）宁0104执123号) valid year=2019 court_code=宁0104 province=宁 "
        "court_name=银川市兴庆区人民法院 court_level=basic type_code=执 type_name=执行实施 sequence=123 "
        "canonical=（2019）宁0104执123号"
    )


def test_case_number_of_another_province_is_invalid_court_with_the_province():
    result = invoke("case-no", "（2019）京0105执1号", "--json")
    assert result.exit_code == 1
    outcome = json.loads(result.output)
    assert (outcome["reason"], outcome["province"]) == ("court", "京")
    assert "not a Ningxia court" in outcome["detail"]


def test_case_number_with_unknown_type_code_is_invalid_type():
    result = invoke("case-no", "（2019）宁0104民初1号")
    assert "invalid type: type code 民初 is not an enforcement type" in result.output


def test_plate_parts_show_city_energy_and_size():
    result = invoke("plate", "宁AD12345", "宁E12345F")
    assert result.exit_code == 0
    first, second = result.output.splitlines()
    assert "city=银川" in first and "new_energy=yes energy=electric size=small" in first
    assert "city=中卫" in second and "energy=hybrid size=large" in second


def test_credit_code_parts_show_authority_type_region_and_organisation_code():
    result = invoke("uscc", "91350100M000100Y43")
    assert result.exit_code == 0
    parts = ("authority_name=工商", "entity_type_name=企业", "region_name=福建省福州市", "organisation_code=M000100Y-4")
    for part in parts:
        assert part in result.output


def test_orgcode_and_bankcard_kinds():
    assert invoke("orgcode", "D2143569-X").exit_code == 0
    assert invoke("bankcard", "6222021001112345670").exit_code == 0
    assert "expected 0" in invoke("bankcard", "6222021001112345673").output


def test_json_lines_are_machine_readable():
    result = invoke("--json", "ric", "11010519491231002X", "11010519491231002Y")
    assert result.exit_code == 1
    valid, invalid = (json.loads(line) for line in result.output.splitlines())
    assert valid == {
        "kind": "ric",
        "input": "11010519491231002X",
        "valid": True,
        "value": "11010519491231002X",
        "parts": {
            "birth_date": "1949-12-31",
            "sex": "female",
            "region_code": "110105",
            "region_name": "北京市朝阳区",
            "legacy": False,
        },
    }
    assert invalid["valid"] is False
    assert (invalid["reason"], invalid["found"], invalid["expected"]) == ("checksum", "Y", "X")
    assert invalid["message"] == "resident ID 11010519491231002Y: check character is Y, expected X"


def test_values_are_read_from_stdin_when_none_are_given_skipping_blank_lines():
    result = invoke("ric", stdin="11010519491231002X\n\n11010519491231002Y\r\n")
    assert result.exit_code == 1
    assert [line.split()[1] for line in result.output.splitlines()] == ["valid", "invalid"]


def test_dash_reads_stdin_among_other_values():
    result = invoke("ric", "110105491231002", "-", stdin="11010519491231002X\n")
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == 2


def test_unknown_kind_is_a_usage_error():
    result = invoke("passport", "E12345678")
    assert result.exit_code == 2
    assert "Invalid value for 'KIND'" in result.output


def test_no_values_at_all_is_a_usage_error():
    result = invoke("ric", stdin="")
    assert result.exit_code == 2
    assert "no values to check" in result.output


def test_kind_is_case_insensitive():
    assert invoke("RIC", "11010519491231002X").exit_code == 0
