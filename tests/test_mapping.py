"""The mapping engine: partner dialects as data, errors that name the field, file and entry."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from hub.errors import ConfigurationError
from hub.identifiers import ric
from hub.mapping import load_mapping, to_python_rows
from tests.conftest import PROJECT_ROOT

CREDIT = PROJECT_ROOT / "mappings" / "credit_platform.yaml"


def entry(**changes) -> dict:
    row = {
        "entry_id": 7, "version": 2, "state": "PUBLISHED", "party_name": "张三", "id_type": "RIC",
        "id_number": "11010519491231002X", "sex": "M", "birth_date": dt.date(1949, 12, 31),
        "decision_date": dt.date(2020, 1, 5), "legal_representative": None, "court_name": "银川市兴庆区人民法院",
        "court_code": "宁0104", "case_no": "（2019）宁0104执1号", "filing_date": dt.date(2019, 3, 1),
        "basis_doc_no": None, "basis_issuer": None, "obligation": "支付", "performance_status": "全部未履行",
        "trigger_code": 1, "publish_date": dt.date(2020, 2, 1), "state_reason": None,
        "pushed_at": dt.datetime(2026, 11, 27, 10, 0),
    }  # fmt: skip
    return row | changes


def apply(*rows: dict):
    return load_mapping(CREDIT).target("dishonest_list").apply(pd.DataFrame(list(rows)))


def test_a_person_entry_maps_to_the_platform_columns():
    mapped, errors = apply(entry())
    row = to_python_rows(mapped)[0]
    assert errors == {}
    assert row["JLID"] == 7 and row["BBH"] == 2 and row["ZT"] == "1" and row["ZJLX"] == "01" and row["XB"] == "1"
    assert (
        row["ZJHM"] == "11010519491231002X" and row["ZJHM_GS"] == ric.mask("11010519491231002X") == "1101**********002X"
    )
    assert row["NL"] == 70  # birthday on 31 December: still 70 on 5 January 2020
    assert (row["LASJ"], row["FBSJ"]) == ("20190301", "20200201")
    assert row["SXQX"].startswith("有履行能力而拒不履行") and row["SF"] == "宁夏回族自治区"


def test_an_organisation_keeps_its_credit_code_unmasked_and_has_no_age():
    mapped, errors = apply(
        entry(id_type="USCC", id_number="91350100M000100Y43", sex=None, birth_date=None, legal_representative="李四")
    )
    row = to_python_rows(mapped)[0]
    assert errors == {} and row["ZJHM_GS"] == "91350100M000100Y43" and row["NL"] is None and row["FDDBR"] == "李四"


def test_unknown_codes_and_missing_values_name_the_field_and_leave_the_row_out():
    mapped, errors = apply(entry(), entry(entry_id=8, state="WEIRD", party_name="  ", trigger_code=9))
    assert list(mapped.index) == [0]
    assert errors[1] == [
        "field ZT: code 'WEIRD' is not in code table dishonest_state",
        "field XM (from party_name): required value is missing",
        "field SXQX: code '9' is not in code table dishonest_trigger",
    ]


def test_a_mapping_reading_a_field_the_flow_does_not_extract_is_a_configuration_error():
    frame = pd.DataFrame([entry()]).drop(columns=["court_code"])
    with pytest.raises(ConfigurationError, match="FYDM reads canonical field 'court_code'"):
        load_mapping(CREDIT).target("dishonest_list").apply(frame)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("partner: p\ntargets:\n  t:\n    table: T\n    key: K\n    version: V\n    columns:\n      K: {source: a}\n",
         "key/version column V is not mapped"),
        ("partner: p\ntargets:\n  t:\n    table: T\n    key: K\n    version: V\n    columns:\n"
         "      K: {source: a}\n      V: {source: b, codes: nope}\n", "no code table 'nope'"),
        ("partner: p\ntargets:\n  t:\n    table: T\n    key: K\n    version: V\n    columns:\n"
         "      K: {source: a, renamed: x}\n      V: {source: b}\n", "unknown keys ['renamed']"),
        ("partner: p\ntargets:\n  t:\n    table: T\n    key: K\n    version: V\n    columns:\n"
         "      K: {source: a, transform: shout}\n      V: {source: b}\n", "unknown transform 'shout'"),
        ("partner: [unclosed\n", "cannot read mapping"),
    ],
)  # fmt: skip
def test_a_broken_mapping_file_is_refused_with_file_and_entry_named(tmp_path: Path, yaml_text: str, message: str):
    path = tmp_path / "broken.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=re.escape(message)) as caught:
        load_mapping(path)
    assert "broken.yaml" in str(caught.value)


def test_every_outbound_flow_reads_only_fields_its_query_extracts():
    from hub.flows import OUTBOUND_FLOWS
    from hub.pipeline import check_flow_mapping

    mapping = load_mapping(CREDIT)
    for flow in OUTBOUND_FLOWS.values():
        target = mapping.target(flow.record_type)
        check_flow_mapping(flow, target)
        extracted = {column.name for column in flow.query.selected_columns} | {"pushed_at"}
        sources = {rule.source for rule in target.columns if rule.source}
        assert sources <= extracted, f"{flow.name} maps fields it never extracts: {sources - extracted}"
