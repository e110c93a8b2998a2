"""Unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc as stdnum_uscc

from hub.identifiers import uscc
from hub.identifiers._errors import EmptyIdentifier, InvalidCharacter, InvalidChecksum, InvalidLength, UnknownType

STANDARD_EXAMPLE = "91350100M000100Y43"  # GB 32100-2015 appendix


def with_check(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def test_standard_example_is_valid():
    assert uscc.calc_check_digit(STANDARD_EXAMPLE) == "3"
    assert uscc.validate(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_python_stdnum_example_is_valid_here_too():
    assert uscc.is_valid("91110000600037341L")


def test_parse_names_authority_entity_type_region_and_embedded_organisation_code():
    parts = uscc.parse(STANDARD_EXAMPLE)
    assert (parts.authority_code, parts.authority_name) == ("9", "工商")
    assert (parts.entity_type_code, parts.entity_type_name) == ("1", "企业")
    assert (parts.region_code, parts.region_name) == ("350100", "福建省福州市")
    assert parts.organisation_code == "M000100Y-4"
    assert parts.organisation_code_valid is True


@pytest.mark.parametrize("prefix", ["N2", "A1", "Y1", "N9"])
def test_letter_registering_authorities_are_accepted_where_python_stdnum_rejects_them(prefix):
    value = with_check(prefix + "640100MA7L2LX55")
    assert uscc.is_valid(value)
    assert not stdnum_uscc.is_valid(value)  # stdnum requires 8 leading digits


def test_python_stdnum_computes_the_same_check_character():
    value = with_check("N2640100MA7L2LX55")
    assert stdnum_uscc.calc_check_digit(value[:17]) == value[-1]


def test_lower_case_hyphens_spaces_and_full_width_are_normalised():
    assert uscc.validate(" ９１３５０１００-m000100y43 ") == STANDARD_EXAMPLE


@pytest.mark.parametrize("value", [None, "", "  "])
def test_missing_values_are_empty(value):
    with pytest.raises(EmptyIdentifier):
        uscc.validate(value)


@pytest.mark.parametrize("value", [STANDARD_EXAMPLE[:17], STANDARD_EXAMPLE + "0"])
def test_seventeen_or_nineteen_characters_are_wrong_length(value):
    with pytest.raises(InvalidLength) as caught:
        uscc.validate(value)
    assert caught.value.reason == "length"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_character_errors(letter):
    value = STANDARD_EXAMPLE[:10] + letter + STANDARD_EXAMPLE[11:]
    with pytest.raises(InvalidCharacter, match=f"character 11 is '{letter}'") as caught:
        uscc.validate(value)
    assert caught.value.reason == "character"


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(InvalidChecksum) as caught:
        uscc.validate("91350100M000100Y44")
    assert str(caught.value) == "credit code 91350100M000100Y44: check character is 4, expected 3"
    assert caught.value.expected == "3"


def test_unassigned_registering_authority_is_a_type_error():
    with pytest.raises(UnknownType, match="registering authority code B is not assigned") as caught:
        uscc.validate(with_check("B1640100MA7L2LX55"))
    assert caught.value.reason == "type"


def test_entity_type_not_assigned_for_the_authority_is_a_type_error():
    with pytest.raises(UnknownType, match="entity type 9 is not assigned for registering authority 9"):
        uscc.validate(with_check("99640100MA7L2LX55"))


def test_region_code_outside_gb2260_does_not_make_the_code_invalid():
    value = with_check("91100000MA7L2LX55")  # national registration
    assert uscc.is_valid(value)
    assert uscc.parse(value).region_name == "全国（中央登记）"
    unknown = with_check("91649999MA7L2LX55")
    assert uscc.is_valid(unknown)
    assert uscc.parse(unknown).region_name is None


def test_embedded_organisation_code_with_a_bad_check_is_reported_not_rejected():
    parts = uscc.parse(with_check("N2640100MA7L2LX55"))
    assert parts.organisation_code_valid is False


def test_format_is_the_compact_form():
    assert uscc.format("9135 0100 M000 100Y 43") == STANDARD_EXAMPLE
