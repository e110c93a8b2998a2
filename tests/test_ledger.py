"""The hash-chained ledger: appends form one chain; any alteration, removal or reordering is named."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from hub import ledger
from hub.cli import main
from hub.db import hub_engine


def traces(n: int, batch: str = "b1") -> list[ledger.Trace]:
    return [
        ledger.Trace(batch, "dishonest_list_sync", "credit_platform", "OUT", "delivered", "RECORD", str(i), 1, "h" * 64)
        for i in range(n)
    ]


@pytest.fixture
def engine(hub_env):
    engine = hub_engine()
    with engine.begin() as connection:
        ledger.append(connection, traces(10))
    return engine


def test_an_untouched_chain_verifies(engine):
    result = ledger.verify(engine)
    assert result.ok and result.entries_checked == 10 and result.last_seq == 10


def test_an_altered_entry_is_named(engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entries SET outcome = 'rejected' WHERE seq = 4"))
    result = ledger.verify(engine)
    assert not result.ok and result.first_bad_seq == 4 and "changed" in result.problem


def test_an_entry_whose_hash_was_recomputed_breaks_the_next_link(engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entries SET entry_hash = :h WHERE seq = 4"), {"h": "0" * 64})
    result = ledger.verify(engine)
    assert not result.ok and result.first_bad_seq == 4


def test_a_removed_entry_is_named(engine):
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entries WHERE seq = 6"))
    result = ledger.verify(engine)
    assert not result.ok and result.first_bad_seq == 6 and "removed" in result.problem


def test_entries_removed_from_the_end_are_detected(engine):
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_entries WHERE seq > 8"))
    result = ledger.verify(engine)
    assert not result.ok and result.first_bad_seq == 9


def test_reordered_entries_are_detected(engine):
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entries SET seq = 100 WHERE seq = 3"))
        connection.execute(text("UPDATE ledger_entries SET seq = 3 WHERE seq = 5"))
        connection.execute(text("UPDATE ledger_entries SET seq = 5 WHERE seq = 100"))
    result = ledger.verify(engine)
    assert not result.ok and result.first_bad_seq == 3


@pytest.mark.parametrize("server", ["mariadb", "postgresql"])
def test_concurrent_writers_form_one_chain(server, request):
    factory = request.getfixturevalue("make_database" if server == "mariadb" else "make_pg_database")
    engine = hub_engine(factory("ledger"))

    def write(batch: str) -> None:
        for _ in range(20):
            with engine.begin() as connection:
                ledger.append(connection, traces(5, batch))

    threads = [threading.Thread(target=write, args=(f"b{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = ledger.verify(engine)
    assert result.ok and result.entries_checked == 4 * 20 * 5
    engine.dispose()


def test_hub_ledger_verify_exits_non_zero_and_names_the_entry(engine):
    runner = CliRunner()
    ok = runner.invoke(main, ["ledger", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_entries SET reason = 'edited' WHERE seq = 7"))
    broken = runner.invoke(main, ["ledger", "verify"])
    assert broken.exit_code == 1 and "#7" in broken.output


def test_hub_ledger_show_prints_entries_of_one_record(engine):
    result = CliRunner().invoke(main, ["ledger", "show", "--record", "3"])
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.startswith("#")]
    assert len(lines) == 1 and "delivered" in lines[0]
