"""The frame the gate hands GE (dates as datetime64, repetitive text as categoricals) changes no outcome.

The gate converts columns only to make GE's per-expectation copies and null checks cheaper; these tests
run the real suites once with the conversion and once without it and demand the same failures.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

import hub.quality.gate as gate_module
from hub.quality.gate import QualityGate
from hub.settings import get_settings

VALID_RIC = "11010519491231002X"
MINOR_RIC = "110105201001010016"  # born 2010: a minor in 2021
USCC = "91640100MA76L1234X"


def _dishonest_rows(n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        decided = datetime.date(2021, 3, 1) + datetime.timedelta(days=i % 40)
        rows.append(
            {
                "entry_id": i + 1,
                "party_name": None if i % 17 == 3 else f"王{i}",
                "id_number": [VALID_RIC, MINOR_RIC, "11010519491231002Y", None][i % 4]
                if i % 5
                else "91640100MA76L1234X",
                "id_type": "RIC" if i % 5 else "USCC",
                "party_kind": "PERSON" if i % 5 else ("ORG" if i % 3 else "PERSON"),
                "party_role": "DEBTOR" if i % 13 else "LEGAL_REPRESENTATIVE",
                "case_no": f"（2021）宁0104执{i + 1}号" if i % 11 else "（2021）京0105执1号",
                "state": ["PUBLISHED", "SHIELDED", "published", None][i % 4],
                "trigger_code": [1, 2, 7][i % 3],
                "filing_date": decided - datetime.timedelta(days=30 if i % 7 else -5),
                "decision_date": decided if i % 19 else None,
                "publish_date": decided + datetime.timedelta(days=3),
            }
        )
    return pd.DataFrame(rows)


def _categorical(column: pd.Series) -> bool:
    converted = gate_module._compact(column)
    return converted is not None and isinstance(converted.dtype, pd.CategoricalDtype)


def _failures(suite: str, key: str, frame: pd.DataFrame) -> dict[str, set[str]]:
    gate = QualityGate(get_settings().expectations_dir / f"{suite}.json", key, 1.0, name=suite)
    gate.begin("batch")
    return {k: set(v) for k, v in gate.check(frame).failures.items()}


@pytest.mark.parametrize("rows", [40, 300])  # below and above the size where text becomes categorical
def test_the_dishonest_suite_fails_the_same_rows_for_the_same_reasons_with_and_without_conversion(rows, monkeypatch):
    frame = _dishonest_rows(rows)
    converted = _failures("dishonest_list_outbound", "entry_id", frame)
    assert any(_categorical(frame[c]) for c in frame) == (rows > 64)
    monkeypatch.setattr(gate_module, "_compact", lambda column: None)
    assert converted == _failures("dishonest_list_outbound", "entry_id", frame)
    assert len(converted) > rows // 4  # the frame has plenty of defects to compare


def test_the_locate_results_suite_matches_regex_and_lengths_the_same_on_categorical_text(monkeypatch):
    frame = pd.DataFrame(
        {
            "result_id": range(1, 201),
            "request_id": [str(i) if i % 9 else f"x{i}" for i in range(200)],
            "status": ["FOUND", "NOT_FOUND", "LOST"][0:3] * 66 + ["FOUND", None],
            "registered_address": ["银川市兴庆区", "A" * 300, None, "石嘴山市"] * 50,
            "current_address": ["固原市", None] * 100,
        }
    )
    assert _categorical(frame["registered_address"]) and not _categorical(frame["request_id"])
    converted = _failures("debtor_locate_inbound", "result_id", frame)
    monkeypatch.setattr(gate_module, "_compact", lambda column: None)
    assert converted == _failures("debtor_locate_inbound", "result_id", frame)
    assert {r for reasons in converted.values() for r in reasons} == {
        "request id is not a case-system id",
        "result status is not FOUND or NOT_FOUND",
        "registered address longer than 256 characters",
    }


def test_dates_become_datetime64_only_when_every_value_is_a_date():
    dates = pd.Series([datetime.date(2021, 1, 2), None] * 40)
    assert str(gate_module._compact(dates).dtype).startswith("datetime64")
    mixed = pd.Series([datetime.date(2021, 1, 2), "2021-13-45"] * 40)
    assert gate_module._compact(mixed).dtype == object
