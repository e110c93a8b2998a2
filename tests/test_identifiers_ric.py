"""Resident ID numbers (GB 11643-1999)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from stdnum.cn import ric as stdnum_ric

from hub.errors import InvalidIdentifier
from hub.identifiers import regions, ric
from hub.identifiers._errors import (
    EmptyIdentifier,
    FutureDate,
    ImpossibleDate,
    InvalidCharacter,
    InvalidChecksum,
    InvalidLength,
    UnknownRegion,
)

STANDARD_EXAMPLE = "11010519491231002X"  # GB 11643-1999


def with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17)


def test_standard_example_is_valid_with_check_character_x():
    assert ric.calc_check_digit(STANDARD_EXAMPLE[:17]) == "X"
    assert ric.validate(STANDARD_EXAMPLE) == STANDARD_EXAMPLE
    assert ric.is_valid(STANDARD_EXAMPLE)


def test_lower_case_x_check_character_is_accepted_and_compacted():
    assert ric.validate("11010519491231002x") == STANDARD_EXAMPLE


def test_full_width_digits_and_spaces_are_normalised_then_valid():
    assert ric.validate(" １１０１０５　１９４９１２３１　００２ｘ ") == STANDARD_EXAMPLE


def test_parse_reads_birth_date_sex_and_region():
    parts = ric.parse(STANDARD_EXAMPLE)
    assert parts.birth_date == datetime.date(1949, 12, 31)
    assert parts.sex == "female"  # sequence 002 is even
    assert parts.region_code == "110105"
    assert parts.region_name == "北京市朝阳区"
    assert parts.legacy is False
    assert parts.check == "X"


def test_parse_result_is_frozen():
    parts = ric.parse(STANDARD_EXAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parts.sex = "male"  # type: ignore[misc]


def test_odd_sequence_is_male():
    assert ric.parse(with_check("64010419800101001")).sex == "male"


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", float("nan")])
def test_missing_values_are_empty(value):
    with pytest.raises(EmptyIdentifier) as caught:
        ric.validate(value)
    assert caught.value.reason == "empty"
    assert isinstance(caught.value, InvalidIdentifier)


@pytest.mark.parametrize("value", [STANDARD_EXAMPLE[:17], STANDARD_EXAMPLE + "1", "1101051949"])
def test_seventeen_or_nineteen_characters_are_wrong_length(value):
    with pytest.raises(InvalidLength) as caught:
        ric.validate(value)
    assert caught.value.reason == "length"
    assert f"has {len(value)} characters" in str(caught.value)


def test_letter_in_a_digit_position_is_a_character_error():
    with pytest.raises(InvalidCharacter, match="character 7 is 'A', expected a digit") as caught:
        ric.validate("110105A9491231002X")
    assert caught.value.reason == "character"


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(InvalidChecksum) as caught:
        ric.validate("11010519491231002Y")
    assert str(caught.value) == "resident ID 11010519491231002Y: check character is Y, expected X"
    assert (caught.value.reason, caught.value.found, caught.value.expected) == ("checksum", "Y", "X")


def test_impossible_date_with_correct_check_character_is_a_date_error():
    value = with_check("11010519990230002")
    with pytest.raises(ImpossibleDate, match="birth date 19990230 does not exist") as caught:
        ric.validate(value)
    assert caught.value.reason == "date"


def test_twenty_ninth_february_is_valid_only_in_leap_years():
    assert ric.is_valid(with_check("11010520000229002"))
    assert not ric.is_valid(with_check("11010519000229002"))


def test_birth_year_before_1890_is_a_date_error():
    with pytest.raises(ImpossibleDate, match="before 1890"):
        ric.validate(with_check("11010518800101002"))


def test_future_birth_date_is_reported_as_future_date():
    value = with_check("11010520300101002")
    with pytest.raises(FutureDate) as caught:
        ric.validate(value, today=datetime.date(2025, 6, 30))
    assert caught.value.reason == "future_date"
    assert ric.is_valid(value, today=datetime.date(2030, 1, 1))


def test_unknown_region_code_is_a_region_error():
    with pytest.raises(UnknownRegion, match="region code 649999") as caught:
        ric.validate(with_check("64999919800101001"))
    assert caught.value.reason == "region"


def test_region_created_after_the_birth_year_is_still_valid():
    # 640104 兴庆区 exists since 2002; people born before then were given numbers with it.
    value = with_check("64010419800101001")
    assert ric.validate(value) == value
    assert ric.parse(value).region_name == "宁夏回族自治区银川市兴庆区"
    # python-stdnum requires the birth year inside the code's period of use and rejects it
    assert not stdnum_ric.is_valid(value)


def test_retired_region_code_stays_valid():
    value = with_check("64010219900101001")  # 城区, retired 2002
    assert ric.is_valid(value)
    assert ric.parse(value).region_name == "宁夏回族自治区银川市城区"
    assert regions.names("640102")[-1].end == 2002


def test_legacy_fifteen_digit_number_is_valid_and_reported_as_legacy():
    parts = ric.parse("110105491231002")
    assert parts.legacy is True
    assert parts.birth_date == datetime.date(1949, 12, 31)
    assert parts.check is None
    assert parts.number_18 == STANDARD_EXAMPLE


def test_legacy_number_with_impossible_date_is_a_date_error():
    with pytest.raises(ImpossibleDate):
        ric.validate("110105990230002")


def test_to_18_upgrades_legacy_numbers_and_leaves_others():
    assert ric.to_18("110105491231002") == STANDARD_EXAMPLE
    assert ric.to_18(STANDARD_EXAMPLE.lower()) == STANDARD_EXAMPLE


def test_checks_run_in_order_length_before_checksum():
    with pytest.raises(InvalidLength):
        ric.validate("11010519491231002YY")


def test_format_and_mask():
    assert ric.format("110105 19491231 002x") == STANDARD_EXAMPLE
    assert ric.mask(STANDARD_EXAMPLE) == "1101**********002X"


def test_integer_input_from_a_spreadsheet_is_checked_as_its_digits():
    assert ric.validate(640104198001010013) == "640104198001010013"
