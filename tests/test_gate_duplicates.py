"""Duplicates across the chunks of a batch: the gate remembers compound keys between begin() and finish().

The dishonest-list suite says an entry is a duplicate when case, debtor, trigger and decision date are
those of another row. GE only ever sees one chunk; the gate checks that rule across the whole batch, lets
the first occurrence pass and quarantines each later one with a reason naming the record that came first.
"""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text, update

from hub.casesystem import dishonest_entries
from hub.db.models import QuarantinedRecord
from hub.errors import ConfigurationError, QualityGateError
from hub.flows import DISHONEST_LIST
from hub.quality import duplicates
from hub.quality.gate import QualityGate
from hub.settings import get_settings

UNIQUE = "duplicate entry: same case, debtor, trigger and decision date as another row"


def _suite(tmp_path, **unique_kwargs) -> QualityGate:
    document = {
        "name": "listing",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "party_name"},
             "meta": {"reason": "name is missing"}},
            {"type": "expect_compound_columns_to_be_unique",
             "kwargs": {"column_list": ["case_no", "id_number", "trigger_code", "decision_date"], **unique_kwargs},
             "meta": {"reason": UNIQUE}},
        ],
    }  # fmt: skip
    path = tmp_path / "listing.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return QualityGate(path, "entry_id", 1.0, name="listing")


def _rows(entries: list[tuple]) -> pd.DataFrame:
    columns = ["entry_id", "party_name", "case_no", "id_number", "trigger_code", "decision_date"]
    return pd.DataFrame(entries, columns=columns)


DAY = datetime.date(2021, 3, 4)
A = ("（2021）宁0104执12号", "11010519491231002X", 1, DAY)
B = ("（2021）宁0104执13号", "11010519491231002X", 1, DAY)


def test_a_duplicate_in_a_later_chunk_is_failed_with_the_first_records_key(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    first = gate.check(_rows([(1, "王伟", *A), (2, "李娜", *B)]))
    second = gate.check(_rows([(3, "王伟", *A), (4, "张敏", "（2021）宁0104执14号", "X", 1, DAY)]))
    assert first.failures == {} and list(first.passed["entry_id"]) == [1, 2]
    assert second.failures == {"3": [f"{UNIQUE} (first seen as record 1)"]}
    assert list(second.passed["entry_id"]) == [4]


def test_within_a_chunk_only_the_later_occurrence_fails(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    result = gate.check(_rows([(7, "王伟", *A), (8, None, *B), (9, "王伟", *A), (10, "王伟", *A)]))
    assert result.failures == {
        "8": ["name is missing"],
        "9": [f"{UNIQUE} (first seen as record 7)"],
        "10": [f"{UNIQUE} (first seen as record 7)"],
    }
    assert result.reason_counts() == {UNIQUE: 2, "name is missing": 1}


def test_equal_values_of_other_types_in_another_chunk_are_still_duplicates(tmp_path):
    """A chunk with a missing trigger code reads the column as float; dates may come as timestamps."""
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    gate.check(_rows([(1, "王伟", *A)]))
    later = _rows([(2, "王伟", A[0], A[1], 1.0, pd.Timestamp(DAY)), (3, "王伟", A[0], A[1], np.nan, DAY)])
    assert later["trigger_code"].dtype == np.float64
    assert gate.check(later).failures == {"2": [f"{UNIQUE} (first seen as record 1)"]}


def test_a_new_batch_starts_with_no_keys_seen(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    gate.check(_rows([(1, "王伟", *A)]))
    gate.begin("batch-2")
    assert gate.check(_rows([(2, "王伟", *A)])).failures == {}


def test_the_same_record_read_twice_is_not_its_own_duplicate(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    gate.check(_rows([(1, "王伟", *A)]))
    assert gate.check(_rows([(1, "王伟", *A)])).failures == {}


def test_rows_with_every_key_value_missing_are_not_duplicates_unless_told(tmp_path):
    empty = (None, None, None, None)
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    assert gate.check(_rows([(1, "王伟", *empty), (2, "王伟", *empty)])).failures == {}
    strict = _suite(tmp_path, ignore_row_if="never")
    strict.begin("batch-1")
    assert strict.check(_rows([(1, "王伟", *empty), (2, "王伟", *empty)])).failures == {
        "2": [f"{UNIQUE} (first seen as record 1)"]
    }


def test_the_chunk_that_stops_the_batch_leaves_no_keys_behind(tmp_path):
    gate = _suite(tmp_path)
    gate.max_failure_rate, gate.min_rows = 0.4, 1
    gate.begin("batch-1")
    with pytest.raises(QualityGateError):
        gate.check(_rows([(1, None, *A), (2, None, *B)]))
    assert gate.check(_rows([(3, "王伟", *A), (4, "王伟", *B)])).failures == {}


def test_a_uniqueness_rule_with_options_the_gate_cannot_honour_is_refused(tmp_path):
    condition = {"type": "comparison", "column": {"name": "x"}, "operator": "==", "parameter": 1}
    with pytest.raises(ConfigurationError, match="row_condition"):
        _suite(tmp_path, row_condition=condition)
    with pytest.raises(ConfigurationError, match="mostly"):
        _suite(tmp_path, mostly=0.9)


def test_a_chunk_without_a_key_column_is_a_configuration_error_naming_it(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    with pytest.raises(ConfigurationError, match="decision_date"):
        gate.check(_rows([(1, "王伟", *A)]).drop(columns=["decision_date"]))


def test_reason_family_drops_only_the_record_named():
    assert duplicates.reason_family(duplicates.first_seen_reason(UNIQUE, "41")) == UNIQUE
    assert duplicates.reason_family("ID number is missing") == "ID number is missing"


def test_the_first_records_key_is_named_in_full_whatever_the_width_of_earlier_keys(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    gate.check(_rows([(7, "王伟", *A)]))
    gate.check(_rows([(1234567, "李娜", *B)]))
    assert gate.check(_rows([(8, "王伟", *A), (9, "李娜", *B)])).failures == {
        "8": [f"{UNIQUE} (first seen as record 7)"],
        "9": [f"{UNIQUE} (first seen as record 1234567)"],
    }


def test_memory_holds_one_hash_per_distinct_key_not_rows(tmp_path):
    gate = _suite(tmp_path)
    gate.begin("batch-1")
    gate.check(_rows([(i, "王伟", f"（2021）宁0104执{i}号", "X", 1, DAY) for i in range(1, 501)]))
    gate.check(_rows([(i, "王伟", f"（2021）宁0104执{i - 250}号", "X", 1, DAY) for i in range(501, 1001)]))
    seen = gate._batch_unique[0].seen
    assert len(seen) == 750 and seen._hashes.dtype == np.dtype("V16")


def test_past_its_capacity_the_batch_keeps_keys_in_a_scratch_file_and_still_finds_every_duplicate(tmp_path):
    gate = _suite(tmp_path)
    seen = gate._batch_unique[0].seen
    seen.capacity = 300
    gate.begin("batch-1")
    for start in range(1, 1001, 250):  # 1,000 distinct keys in four chunks: three spills
        gate.check(_rows([(i, "王伟", f"（2021）宁0104执{i}号", "X", 1, DAY) for i in range(start, start + 250)]))
    assert len(seen) == 1000 and len(seen._hashes) <= 300 and len(seen._spilled) >= 700
    again = [(5000 + i, "李娜", f"（2021）宁0104执{i}号", "X", 1, DAY) for i in (1, 299, 600, 1000)]
    fresh = (6000, "张敏", "（2021）宁0104执9999号", "X", 1, DAY)
    result = gate.check(_rows([*again, fresh, (6001, "张敏", *fresh[2:])]))
    assert result.failures == {
        **{str(row[0]): [f"{UNIQUE} (first seen as record {row[0] - 5000})"] for row in again},
        "6001": [f"{UNIQUE} (first seen as record 6000)"],
    }
    assert gate.check(_rows([(1, "王伟", "（2021）宁0104执1号", "X", 1, DAY)])).failures == {}  # itself, re-read
    gate.finish()
    assert len(seen) == 0 and seen._spilled is None  # the batch's keys and scratch file are gone


# ------------------------------------------------------------------------------------------------------
# Through the pipeline, on real MariaDB databases


def _duplicate_pair(world) -> tuple[int, int]:
    """(original, twin) of a ``duplicate_row`` defect of the generated case system, neither pending."""
    entries = dishonest_entries
    listing = (entries.c.case_id, entries.c.party_id, entries.c.trigger_code, entries.c.decision_date)
    with world.source.engine.connect() as connection:
        for twin in world.report.defect_entries["duplicate_row"]:
            row = connection.execute(select(*listing, entries.c.state).where(entries.c.id == twin)).one()
            if row.state == "PENDING":
                continue
            same = select(entries.c.id).where(*(c == v for c, v in zip(listing, row[:4], strict=True)))
            others = [i for i in connection.execute(same.where(entries.c.id != twin)).scalars()]
            if len(others) == 1:
                return others[0], twin
    raise AssertionError("the generator made no duplicate pair outside the grace period")


@pytest.mark.mariadb
def test_a_duplicate_pair_split_across_chunks_delivers_the_first_and_quarantines_the_second(credit_world):
    original, twin = _duplicate_pair(credit_world)
    with credit_world.source.engine.begin() as connection:  # the original first in the run, the twin last
        connection.execute(
            update(dishonest_entries).where(dishonest_entries.c.id == original).values(updated_at="2000-01-01")
        )
        connection.execute(
            update(dishonest_entries).where(dishonest_entries.c.id == twin).values(updated_at="2035-01-01")
        )
    summary = credit_world.run(DISHONEST_LIST, chunk_size=50)
    assert summary.chunks >= 3 and summary.balanced

    table = QuarantinedRecord.__table__
    with credit_world.hub.connect() as connection:
        held = dict(connection.execute(select(table.c.record_key, table.c.reasons)).all())
    assert str(original) not in held
    assert f"{UNIQUE} (first seen as record {original})" in json.loads(held[str(twin)])
    with credit_world.frontdb.engine.connect() as connection:
        pushed = set(connection.execute(text("SELECT JLID FROM T_SXBZXR")).scalars())
    assert str(original) in pushed and str(twin) not in pushed
    assert summary.quarantine_reasons[UNIQUE] >= 1  # counted under the suite's reason, not per record
    assert not any("first seen" in reason for reason in summary.quarantine_reasons)


def test_the_suite_file_names_the_duplicate_reason_the_tests_use():
    document = json.loads((get_settings().expectations_dir / "dishonest_list_outbound.json").read_text("utf-8"))
    unique = [e for e in document["expectations"] if e["type"] == "expect_compound_columns_to_be_unique"]
    assert [e["meta"]["reason"] for e in unique] == [UNIQUE]
