"""`hub quarantine`: operators see what was held and why, and release or drop it with a ledger entry."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from hub import ledger, quarantine
from hub.cli import main
from hub.db import hub_engine


@pytest.fixture
def held(hub_env) -> int:
    engine = hub_engine()
    with engine.begin() as connection:
        quarantine.hold(
            connection,
            flow="dishonest_list_sync",
            partner="credit_platform",
            batch_id="batch-1",
            records=[
                (
                    "42",
                    3,
                    {"entry_id": 42, "id_type": "RIC", "id_number": "11010520100101001X", "party_name": "王五"},
                    ["debtor is a minor on the decision date: minors are never listed"],
                )
            ],
        )
    return quarantine.records(engine)[0]["id"]


def test_list_shows_each_held_record_with_its_reasons(held):
    result = CliRunner().invoke(main, ["quarantine", "list"])
    assert result.exit_code == 0
    assert f"#{held}" in result.output and "dishonest_list_sync" in result.output and "minor" in result.output


def test_show_masks_the_resident_id(held):
    result = CliRunner().invoke(main, ["quarantine", "show", str(held)])
    assert result.exit_code == 0
    assert "1101**********001X" in result.output and "11010520100101001X" not in result.output


def test_drop_needs_a_reason_and_leaves_a_ledger_entry(held):
    runner = CliRunner()
    assert runner.invoke(main, ["quarantine", "drop", str(held)]).exit_code == 2
    result = runner.invoke(main, ["quarantine", "drop", str(held), "--reason", "duplicate of entry 41"])
    assert result.exit_code == 0
    entry = list(ledger.entries(hub_engine(), record_key="42"))[-1]
    assert entry["outcome"] == "dropped" and "duplicate of entry 41" in entry["reason"]
    assert ledger.verify(hub_engine()).ok
    assert CliRunner().invoke(main, ["quarantine", "list"]).output.strip() == "nothing in quarantine matches"


def test_release_marks_the_record_for_its_next_run(held):
    result = CliRunner().invoke(main, ["quarantine", "release", str(held), "--note", "birth date corrected"])
    assert result.exit_code == 0 and "retried on the next run" in result.output
    with hub_engine().connect() as connection:
        assert quarantine.released_keys(connection, "dishonest_list_sync", "credit_platform") == {"42": held}
    assert list(ledger.entries(hub_engine(), record_key="42"))[-1]["outcome"] == "released"


def test_a_record_can_be_resolved_only_once_and_unknown_ids_are_named(held):
    runner = CliRunner()
    runner.invoke(main, ["quarantine", "drop", str(held), "--reason", "test"])
    again = runner.invoke(main, ["quarantine", "release", str(held), "--note", "x"])
    assert again.exit_code == 1 and "is DROPPED, not HELD" in again.output
    missing = runner.invoke(main, ["quarantine", "show", "999"])
    assert missing.exit_code == 1 and "no quarantined record #999" in missing.output


def test_held_records_are_stored_alike_by_bulk_load_and_by_insert(make_database, monkeypatch):
    """On MariaDB with local_infile the records go by LOAD DATA; the stored rows must be those an INSERT
    stores, including text that LOAD DATA must escape and a record without a version."""
    from sqlalchemy import select

    from connectors import bulk
    from hub.db.models import QuarantinedRecord

    awkward = {"entry_id": 7, "conduct": "有\t制表符\n和换行\\反斜杠", "amount": None, "party_name": "马 \\N 丽"}
    records = [("7", None, awkward, ["reason one", 'a "quoted" reason\twith a tab']), ("8", 2, {"entry_id": 8}, [])]
    loaded: list[str] = []
    real_load = bulk.load

    def load(connection, table, *args, **kwargs):
        loaded.append(table)
        return real_load(connection, table, *args, **kwargs)

    monkeypatch.setattr(bulk, "load", load)
    stored = []
    for local_infile in ("", "&local_infile=1"):
        url = make_database("hubq") + local_infile
        engine = hub_engine(url)
        with engine.begin() as connection:
            assert quarantine.hold(connection, flow="f", partner="p", batch_id="b", records=records) == 2
        with engine.connect() as connection:
            table = QuarantinedRecord.__table__
            stored.append(
                connection.execute(
                    select(
                        table.c.record_key, table.c.record_version, table.c.payload, table.c.reasons, table.c.status
                    ).order_by(table.c.id)
                ).all()
            )
        engine.dispose()
    assert loaded == ["quarantine"]  # the second database only
    assert stored[0] == stored[1]
    assert [row.record_version for row in stored[1]] == [None, 2]
    assert json.loads(stored[1][0].payload) == awkward
