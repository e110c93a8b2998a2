"""Bank card numbers: 16 to 19 digits, Luhn."""

from __future__ import annotations

import pytest
from stdnum import luhn

from hub.identifiers import bankcard
from hub.identifiers._errors import EmptyIdentifier, InvalidCharacter, InvalidChecksum, InvalidLength

CARD = "6222021001112345670"


def test_valid_unionpay_card_is_accepted_and_described():
    parts = bankcard.parse(CARD)
    assert parts.unionpay is True
    assert parts.length == 19
    assert parts.issuer_prefix == "622202"
    assert parts.masked == "622202*********5670"


def test_luhn_agrees_with_python_stdnum():
    assert luhn.is_valid(CARD)
    assert bankcard.calc_check_digit(CARD[:-1]) == luhn.calc_check_digit(CARD[:-1])


def test_well_known_test_card_number_is_valid_but_not_unionpay():
    parts = bankcard.parse("4111 1111 1111 1111")
    assert parts.unionpay is False


def test_spaces_hyphens_and_full_width_digits_are_normalised():
    assert bankcard.validate("６２２２ 0210-0111 2345 670") == CARD


def test_format_groups_of_four():
    assert bankcard.format(CARD) == "6222 0210 0111 2345 670"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_values_are_empty(value):
    with pytest.raises(EmptyIdentifier):
        bankcard.validate(value)


@pytest.mark.parametrize("value", ["622202100111234", "62220210011123456701"])
def test_fifteen_or_twenty_digits_are_wrong_length(value):
    with pytest.raises(InvalidLength, match="expected 16 to 19 digits"):
        bankcard.validate(value)


def test_letter_in_the_number_is_a_character_error():
    with pytest.raises(InvalidCharacter):
        bankcard.validate("62220210011123456A0")


def test_wrong_check_digit_names_the_expected_one():
    with pytest.raises(InvalidChecksum) as caught:
        bankcard.validate("6222021001112345673")
    assert caught.value.expected == "0"
    assert "check character is 3, expected 0" in str(caught.value)
