"""Case numbers 案号 (SPC rules 2016, amended 2018)."""

from __future__ import annotations

import datetime

import pytest

from hub.identifiers import caseno, courts
from hub.identifiers._errors import (
    EmptyIdentifier,
    FutureDate,
    ImpossibleDate,
    InvalidCharacter,
    UnknownCourt,
    UnknownType,
)

CANONICAL = "（2019）宁0104执123号"


@pytest.mark.parametrize(
    "value",
    [
        CANONICAL,
        "(2019)宁0104执123号",
        " （2019） 宁0104 执 123 号 ",
        "（2019)宁0104执123号",
        "(２０１９)宁0104执123号",
    ],
)
def test_full_width_and_half_width_parentheses_and_spaces_give_the_canonical_form(value):
    assert caseno.validate(value) == CANONICAL
    assert caseno.format(value) == CANONICAL


def test_parse_reads_year_court_type_and_sequence():
    parts = caseno.parse(CANONICAL)
    assert parts.year == 2019
    assert (parts.court_code, parts.court_name, parts.court_level) == ("宁0104", "银川市兴庆区人民法院", "basic")
    assert (parts.type_code, parts.type_name) == ("执", "执行实施")
    assert parts.sequence == 123
    assert parts.canonical == CANONICAL


@pytest.mark.parametrize(
    ("type_code", "meaning"),
    [
        ("执", "执行实施"),
        ("执恢", "恢复执行"),
        ("执保", "财产保全执行"),
        ("执异", "执行异议"),
        ("执复", "执行复议"),
        ("执监", "执行监督"),
        ("执协", "执行协调"),
        ("执他", "其他执行"),
    ],
)
def test_every_enforcement_type_code_has_its_meaning(type_code, meaning):
    assert caseno.parse(f"（2020）宁01{type_code}5号").type_name == meaning


def test_high_and_intermediate_court_codes_are_accepted():
    assert caseno.parse("（2020）宁执1号").court_level == "high"
    assert caseno.parse("（2020）宁05执恢1号").court_name == "中卫市中级人民法院"


def test_every_known_court_code_makes_a_valid_case_number():
    for code in courts.COURTS:
        assert caseno.is_valid(f"（2020）{code}执1号"), code


def test_court_of_another_province_is_a_court_error_that_keeps_the_province():
    with pytest.raises(UnknownCourt, match="not a Ningxia court") as caught:
        caseno.validate("（2019）京0105执123号")
    assert caught.value.reason == "court"
    assert caught.value.province == "京"
    assert caseno.split("（2019）京0105执123号").province == "京"


def test_unknown_ningxia_court_code_is_a_court_error():
    with pytest.raises(UnknownCourt, match="宁0199 is not a known Ningxia court"):
        caseno.validate("（2019）宁0199执1号")


def test_supreme_court_code_is_not_a_ningxia_court():
    with pytest.raises(UnknownCourt, match="Supreme People's Court") as caught:
        caseno.validate("（2019）最高法执监1号")
    assert caught.value.province is None


def test_non_enforcement_type_code_is_a_type_error():
    with pytest.raises(UnknownType, match="type code 民初 is not an enforcement type") as caught:
        caseno.validate("（2019）宁0104民初1号")
    assert caught.value.reason == "type"


def test_year_before_1990_is_a_date_error():
    with pytest.raises(ImpossibleDate, match="year 1989"):
        caseno.validate("（1989）宁0104执1号")
    assert caseno.is_valid("（1990）宁0104执1号")


def test_year_after_this_year_is_a_future_date():
    with pytest.raises(FutureDate) as caught:
        caseno.validate("（2026）宁0104执1号", today=datetime.date(2025, 12, 31))
    assert caught.value.reason == "future_date"
    assert caseno.is_valid("（2026）宁0104执1号", today=datetime.date(2026, 1, 1))


@pytest.mark.parametrize(
    "value",
    ["2019宁0104执123号", "（2019）宁0104执123", "（19）宁0104执123号", "（2019）宁010执1号", "（2019）宁0104执号"],
)
def test_text_not_shaped_like_a_case_number_is_a_character_error(value):
    with pytest.raises(InvalidCharacter, match="not shaped like") as caught:
        caseno.validate(value)
    assert caught.value.reason == "character"


def test_sequence_zero_is_rejected_and_leading_zeros_are_dropped():
    with pytest.raises(InvalidCharacter, match="sequence"):
        caseno.validate("（2019）宁0104执0号")
    assert caseno.validate("（2019）宁0104执007号") == "（2019）宁0104执7号"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_missing_values_are_empty(value):
    with pytest.raises(EmptyIdentifier):
        caseno.validate(value)
