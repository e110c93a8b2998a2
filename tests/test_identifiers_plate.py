"""Vehicle plate numbers (GA 36-2018)."""

from __future__ import annotations

import pytest

from hub.identifiers import plate
from hub.identifiers._errors import EmptyIdentifier, InvalidCharacter, InvalidLength, UnknownRegion


@pytest.mark.parametrize(
    ("value", "city"),
    [("宁A12345", "银川"), ("宁B12345", "石嘴山"), ("宁C12345", "吴忠"), ("宁D12345", "固原"), ("宁E12345", "中卫")],
)
def test_ningxia_office_letters_name_their_city(value, city):
    parts = plate.parse(value)
    assert (parts.province, parts.province_name, parts.city) == ("宁", "宁夏回族自治区", city)
    assert parts.new_energy is False
    assert parts.energy is None and parts.size is None


def test_unknown_ningxia_office_letter_is_a_region_error():
    with pytest.raises(UnknownRegion, match="宁F is not a Ningxia issuing office") as caught:
        plate.validate("宁F12345")
    assert caught.value.reason == "region"


def test_other_provinces_are_valid_and_their_province_is_reported():
    parts = plate.parse("京N12345")
    assert (parts.province, parts.province_name, parts.city) == ("京", "北京市", None)


def test_unknown_province_character_is_a_region_error():
    with pytest.raises(UnknownRegion, match="港 is not a province character"):
        plate.validate("港A12345")


def test_plate_without_province_character_is_a_character_error():
    with pytest.raises(InvalidCharacter, match="does not start with a province character"):
        plate.validate("AA12345")


@pytest.mark.parametrize("letter", ["I", "O"])
def test_letters_i_and_o_are_not_used_in_serials(letter):
    with pytest.raises(InvalidCharacter, match=f"serial character 3 is '{letter}'"):
        plate.validate(f"宁A12{letter}45")


@pytest.mark.parametrize(("value", "use"), [("宁A1234挂", "trailer"), ("宁A1234学", "coach"), ("宁A1234警", "police")])
def test_last_character_may_be_trailer_coach_or_police(value, use):
    assert plate.parse(value).use == use


def test_suffix_character_only_in_last_position():
    with pytest.raises(InvalidCharacter):
        plate.validate("宁A12挂45")


@pytest.mark.parametrize("letter", list("DABCE"))
def test_small_new_energy_plate_with_electric_letter(letter):
    parts = plate.parse(f"宁A{letter}12345")
    assert (parts.new_energy, parts.energy, parts.size) == (True, "electric", "small")


@pytest.mark.parametrize("letter", list("FGHJK"))
def test_small_new_energy_plate_with_hybrid_letter(letter):
    parts = plate.parse(f"宁A{letter}12345")
    assert (parts.new_energy, parts.energy, parts.size) == (True, "hybrid", "small")


def test_small_new_energy_plate_allows_a_letter_in_second_position_only():
    assert plate.is_valid("宁ADA1234")
    with pytest.raises(InvalidCharacter, match="not a new-energy serial"):
        plate.validate("宁AD1A234")


def test_small_new_energy_plate_needs_an_energy_letter_first():
    with pytest.raises(InvalidCharacter):
        plate.validate("宁AL12345")  # L is not an energy letter


@pytest.mark.parametrize(("value", "energy"), [("宁A12345D", "electric"), ("宁A12345F", "hybrid")])
def test_large_new_energy_plate_ends_with_d_or_f(value, energy):
    parts = plate.parse(value)
    assert (parts.new_energy, parts.energy, parts.size) == (True, energy, "large")


def test_large_new_energy_plate_with_other_last_letter_is_invalid():
    with pytest.raises(InvalidCharacter):
        plate.validate("宁A12345A")


def test_middle_dot_spaces_lower_case_and_full_width_are_normalised():
    assert plate.validate(" 宁ａ·d1 2345 ") == "宁AD12345"
    assert plate.format("宁a12345") == "宁A·12345"


@pytest.mark.parametrize("value", ["宁A1234", "宁A1234567"])
def test_serial_of_four_or_seven_characters_is_wrong_length(value):
    with pytest.raises(InvalidLength):
        plate.validate(value)


@pytest.mark.parametrize("value", [None, "", " · "])
def test_missing_values_are_empty(value):
    with pytest.raises(EmptyIdentifier):
        plate.validate(value)


def test_province_alone_lacks_the_office_letter():
    with pytest.raises(InvalidCharacter, match="office letter"):
        plate.validate("宁")
