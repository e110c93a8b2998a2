"""Organisation codes (GB 11714-1997)."""

from __future__ import annotations

import pytest

from hub.identifiers import orgcode
from hub.identifiers._errors import EmptyIdentifier, InvalidCharacter, InvalidChecksum, InvalidLength


def test_standard_example_d2143569_x_is_valid():
    assert orgcode.calc_check_digit("D2143569") == "X"
    assert orgcode.validate("D2143569-X") == "D2143569X"
    assert orgcode.format("D2143569X") == "D2143569-X"


def test_check_value_eleven_is_written_zero_and_ten_is_written_x():
    # a body whose weighted sum is 0 mod 11 gets check 11 - 0 = 11, written 0
    assert orgcode.calc_check_digit("00000000") == "0"
    bodies = {orgcode.calc_check_digit(f"{n:08d}") for n in range(200)}
    assert {"0", "X"} <= bodies


def test_the_organisation_code_inside_the_credit_code_example_is_valid():
    assert orgcode.is_valid("M000100Y4")  # from 91350100M000100Y43


def test_lower_case_full_width_and_missing_hyphen_are_accepted():
    assert orgcode.validate("ｄ2143569ｘ") == "D2143569X"
    assert orgcode.validate(" d2143569 - x ") == "D2143569X"


def test_parse_splits_body_and_check():
    parts = orgcode.parse("D2143569-X")
    assert (parts.body, parts.check, parts.formatted) == ("D2143569", "X", "D2143569-X")


@pytest.mark.parametrize("value", [None, "", " - "])
def test_missing_values_are_empty(value):
    with pytest.raises(EmptyIdentifier):
        orgcode.validate(value)


@pytest.mark.parametrize("value", ["D2143569", "D2143569-XX"])
def test_eight_or_ten_characters_are_wrong_length(value):
    with pytest.raises(InvalidLength):
        orgcode.validate(value)


def test_punctuation_in_the_body_is_a_character_error():
    with pytest.raises(InvalidCharacter, match="character 4 is '_'"):
        orgcode.validate("D21_3569-X")


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(InvalidChecksum) as caught:
        orgcode.validate("D2143569-1")
    assert str(caught.value) == "organisation code D2143569-1: check character is 1, expected X"
    assert caught.value.reason == "checksum"
