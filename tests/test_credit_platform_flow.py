"""The dishonest-list and consumption-restriction flows against real MariaDB databases."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from hub import acknowledgements, feedback, ledger, watermarks
from hub.casesystem import dishonest_entries
from hub.db.models import DeliveredKey, QuarantinedRecord
from hub.errors import ConfigurationError
from hub.flows import CONSUMPTION_RESTRICTION, DISHONEST_FEEDBACK, DISHONEST_LIST
from hub.mapping import load_mapping
from hub.pipeline import run_outbound
from hub.settings import get_settings
from sandbox.case_generator import evolve
from sandbox.credit_platform.simulator import process_pending

pytestmark = pytest.mark.mariadb


def mapping():
    return load_mapping(get_settings().mappings_dir / "credit_platform.yaml")


def quarantined_keys(world, flow_name: str) -> dict[str, list[str]]:
    import json

    table = QuarantinedRecord.__table__
    with world.hub.connect() as connection:
        rows = connection.execute(select(table.c.record_key, table.c.reasons).where(table.c.flow == flow_name))
        return {key: json.loads(reasons) for key, reasons in rows}


def test_every_extracted_entry_is_delivered_quarantined_or_rejected(credit_world):
    summary = credit_world.run(DISHONEST_LIST, chunk_size=100)
    eligible = credit_world.count("case", "SELECT COUNT(*) FROM dishonest_entries WHERE state <> 'PENDING'")
    assert summary.extracted == eligible
    assert summary.balanced
    assert summary.delivered == credit_world.count("frontdb", "SELECT COUNT(*) FROM T_SXBZXR")
    assert summary.quarantined == len(quarantined_keys(credit_world, DISHONEST_LIST.name)) > 0
    assert ledger.verify(credit_world.hub).ok


def test_each_injected_defect_is_quarantined_with_its_reason(credit_world):
    credit_world.run(DISHONEST_LIST, chunk_size=100)
    held = quarantined_keys(credit_world, DISHONEST_LIST.name)
    with credit_world.source.engine.connect() as connection:
        pending = set(
            connection.execute(select(dishonest_entries.c.id).where(dishonest_entries.c.state == "PENDING")).scalars()
        )
    expected_words = {
        "minor": "minor",
        "legal_rep_listed": "legal representative",
        "missing_field": "missing",
        "bad_checksum": "not valid",
        "org_with_person_id": "ID type does not fit",
        "date_order": "before the decision date",
        "duplicate_row": "duplicate",
    }
    for kind, word in expected_words.items():
        entries = [e for e in credit_world.report.defect_entries[kind] if e not in pending]
        assert entries, f"the generator injected no {kind} defect on a non-pending entry"
        for entry_id in entries:
            reasons = held.get(str(entry_id))
            assert reasons, f"{kind} entry {entry_id} was not quarantined"
            assert any(word in reason for reason in reasons), f"{kind} entry {entry_id}: {reasons}"
            if kind == "bad_checksum":  # a wrong check character says nothing about age
                assert not any("minor" in reason for reason in reasons), f"entry {entry_id}: {reasons}"


def test_minors_and_legal_representatives_never_reach_the_platform(credit_world):
    credit_world.run(DISHONEST_LIST)
    with credit_world.frontdb.engine.connect() as connection:
        pushed = set(connection.execute(text("SELECT JLID FROM T_SXBZXR")).scalars())
        ages = [a for a in connection.execute(text("SELECT NL FROM T_SXBZXR WHERE NL IS NOT NULL")).scalars()]
    for kind in ("minor", "legal_rep_listed"):
        assert not pushed & {str(e) for e in credit_world.report.defect_entries[kind]}
    assert min(ages) >= 18


def test_a_second_run_delivers_nothing_new(credit_world):
    first = credit_world.run(DISHONEST_LIST)
    second = credit_world.run(DISHONEST_LIST)
    assert first.delivered > 0
    assert (second.extracted, second.delivered, second.quarantined) == (0, 0, 0)
    assert second.cursor_to == first.cursor_to


def test_rows_sharing_a_timestamp_are_not_skipped_across_chunks(credit_world):
    with credit_world.source.engine.begin() as connection:
        connection.execute(update(dishonest_entries).values(updated_at="2030-01-01 00:00:00"))
    summary = credit_world.run(DISHONEST_LIST, chunk_size=7)
    eligible = credit_world.count("case", "SELECT COUNT(*) FROM dishonest_entries WHERE state <> 'PENDING'")
    assert summary.extracted == eligible
    assert summary.chunks > 10


def test_changes_after_a_run_are_delivered_once_as_newer_versions(credit_world):
    credit_world.run(DISHONEST_LIST)
    change = evolve(credit_world.source.engine, seed=11, fraction=0.3)
    changed = change.changed["dishonest_entries"]
    assert change.tied_rows > 0
    summary = credit_world.run(DISHONEST_LIST, chunk_size=5)
    assert 0 < summary.extracted <= len(changed)
    with credit_world.frontdb.engine.connect() as connection:
        versions = dict(connection.execute(text("SELECT JLID, BBH FROM T_SXBZXR")).all())
    with credit_world.source.engine.connect() as connection:
        source_versions = dict(connection.execute(select(dishonest_entries.c.id, dishonest_entries.c.version)).all())
    held = quarantined_keys(credit_world, DISHONEST_LIST.name)
    for key, version in versions.items():
        assert version == source_versions[int(key)] or key in held


def test_an_older_version_never_overtakes_a_newer_one_at_the_platform(credit_world):
    credit_world.run(DISHONEST_LIST)
    target = mapping().target("dishonest_list")
    with credit_world.frontdb.engine.connect() as connection:
        key, version = connection.execute(text("SELECT JLID, BBH FROM T_SXBZXR LIMIT 1")).one()
        row = dict(connection.execute(text("SELECT * FROM T_SXBZXR WHERE JLID = :k"), {"k": key}).mappings().one())
    newer = {c: row[c] for c in target.column_names} | {"BBH": version + 1, "ZT": "3"}
    older = {c: row[c] for c in target.column_names} | {"BBH": version, "ZT": "1"}
    credit_world.frontdb.deliver_versioned("T_SXBZXR", [newer], key="JLID", version="BBH")
    result = credit_world.frontdb.deliver_versioned("T_SXBZXR", [older], key="JLID", version="BBH")
    assert result.already_present == {key: version + 1}
    with credit_world.frontdb.engine.connect() as connection:
        assert connection.execute(text("SELECT BBH, ZT FROM T_SXBZXR WHERE JLID = :k"), {"k": key}).one() == (
            version + 1,
            "3",
        )


def test_a_row_the_platform_refuses_is_rejected_with_the_database_reason(credit_world):
    with credit_world.source.engine.begin() as connection:
        entry_id = connection.execute(
            text("SELECT MIN(e.id) FROM dishonest_entries e WHERE e.state = 'PUBLISHED'")
        ).scalar_one()
        connection.execute(
            text(
                "UPDATE cases SET obligation = :long WHERE id = (SELECT case_id FROM dishonest_entries WHERE id = :e)"
            ),
            {"long": "支付" * 600, "e": entry_id},
        )
    summary = credit_world.run(DISHONEST_LIST)
    assert summary.rejected >= 1
    assert summary.balanced
    rows = list(ledger.entries(credit_world.hub, flow=DISHONEST_LIST.name, record_key=str(entry_id)))
    assert rows[-1]["outcome"] == "rejected"
    assert "ck_sxbzxr_yw_length" in rows[-1]["reason"]


def test_acknowledgements_and_feedback_are_loaded_once(credit_world):
    summary = credit_world.run(DISHONEST_LIST)
    process_pending(credit_world.frontdb.engine, seed=3)
    target = mapping().target("dishonest_list")
    acks = acknowledgements.collect(DISHONEST_LIST, target, credit_world.frontdb, credit_world.hub, wait_seconds=0)
    assert acks.accepted == summary.delivered and acks.awaiting == 0
    inbound = mapping().inbound_target("feedback_dishonest")
    first = feedback.load(DISHONEST_FEEDBACK, inbound, credit_world.frontdb, credit_world.source, credit_world.hub)
    feedback_rows = credit_world.count("frontdb", "SELECT COUNT(*) FROM T_LHCJFK WHERE MDLX = '01'")
    assert first.loaded == feedback_rows > 0
    loaded = credit_world.count("case", "SELECT COUNT(*) FROM joint_punishment_feedback")
    # Replaying the feed from the start (watermark reset) finds every row already loaded.
    with credit_world.hub.begin() as connection:
        watermarks.write(connection, DISHONEST_FEEDBACK.name, DISHONEST_FEEDBACK.partner, watermarks.Cursor())
    again = feedback.load(DISHONEST_FEEDBACK, inbound, credit_world.frontdb, credit_world.source, credit_world.hub)
    assert (again.loaded, again.already_loaded) == (0, feedback_rows)
    assert credit_world.count("case", "SELECT COUNT(*) FROM joint_punishment_feedback") == loaded


def test_feedback_about_unknown_records_is_quarantined(credit_world):
    from datetime import datetime

    with credit_world.frontdb.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO T_LHCJFK (FKID, JLID, MDLX, CJDW, CJCS, CJSJ, XRSJ) VALUES "
                "('X1', '99999999', '01', '某单位', '限制乘坐飞机', :t, :t), "
                "('X2', '../../etc', '01', '某单位', '限制乘坐飞机', :t, :t), "
                "('X3', '1', '07', '某单位', '限制乘坐飞机', :t, :t)"
            ),
            {"t": datetime(2026, 1, 1)},
        )
    inbound = mapping().inbound_target("feedback_dishonest")
    result = feedback.load(DISHONEST_FEEDBACK, inbound, credit_world.frontdb, credit_world.source, credit_world.hub)
    held = quarantined_keys(credit_world, DISHONEST_FEEDBACK.name)
    assert result.quarantined == 2 and set(held) == {"X1", "X2"}  # X3 is another list type: not this feed's
    assert "no dishonest record 99999999" in held["X1"][0]
    assert "not a case-system id" in held["X2"][0]


def test_consumption_restrictions_flow_balances_and_lifts_are_delivered(credit_world):
    first = credit_world.run(CONSUMPTION_RESTRICTION)
    assert first.balanced and first.delivered > 0
    evolve(credit_world.source.engine, seed=5, fraction=0.5)
    second = credit_world.run(CONSUMPTION_RESTRICTION)
    assert second.balanced
    lifted = credit_world.count("frontdb", "SELECT COUNT(*) FROM T_XZGXF WHERE ZT = '2' AND JCRQ IS NOT NULL")
    assert lifted > 0


def test_idempotency_keys_record_every_delivered_version(credit_world):
    summary = credit_world.run(DISHONEST_LIST)
    table = DeliveredKey.__table__
    with credit_world.hub.connect() as connection:
        keys = connection.execute(select(table.c.record_key).where(table.c.flow == DISHONEST_LIST.name)).scalars()
        assert len(set(keys)) == summary.delivered


def test_feedback_is_read_incrementally_from_the_last_row_loaded(credit_world):
    credit_world.run(DISHONEST_LIST)
    process_pending(credit_world.frontdb.engine, seed=3)
    inbound = mapping().inbound_target("feedback_dishonest")
    first = feedback.load(DISHONEST_FEEDBACK, inbound, credit_world.frontdb, credit_world.source, credit_world.hub)
    nothing = feedback.load(DISHONEST_FEEDBACK, inbound, credit_world.frontdb, credit_world.source, credit_world.hub)
    assert first.read > 0 and nothing.read == 0
    evolve(credit_world.source.engine, seed=13, fraction=0.3)
    credit_world.run(DISHONEST_LIST)
    report = process_pending(credit_world.frontdb.engine, seed=3)
    later = feedback.load(DISHONEST_FEEDBACK, inbound, credit_world.frontdb, credit_world.source, credit_world.hub)
    new_rows = credit_world.count("frontdb", "SELECT COUNT(*) FROM T_LHCJFK WHERE MDLX = '01'") - first.read
    assert later.read == later.loaded == new_rows
    assert report.feedback_rows >= new_rows


def test_a_released_record_is_retried_at_its_current_version_on_the_next_run(credit_world):
    from hub import quarantine

    credit_world.run(DISHONEST_LIST)
    held = quarantine.records(credit_world.hub, flow=DISHONEST_LIST.name, limit=1000)
    missing_name = next(
        r for r in held if r["reasons"] == ["debtor name is missing"] or r["reasons"] == ["debtor ID number is missing"]
    )
    entry_id = int(missing_name["record_key"])
    fix = (
        "name = '补录姓名'"
        if "name" in missing_name["reasons"][0]
        else "id_number = '11010519491231002X', id_type = 'RIC'"
    )
    with credit_world.source.engine.begin() as connection:  # the clerk fixes the party, not the entry
        connection.execute(
            text(f"UPDATE parties SET {fix} WHERE id = (SELECT party_id FROM dishonest_entries WHERE id = :e)"),
            {"e": entry_id},
        )
    quarantine.resolve(credit_world.hub, missing_name["id"], action="release", note="name entered")
    retry = credit_world.run(DISHONEST_LIST)
    assert retry.extracted == 1 and retry.delivered == 1 and retry.balanced
    with credit_world.frontdb.engine.connect() as connection:
        pushed = connection.execute(text("SELECT XM, ZJHM FROM T_SXBZXR WHERE JLID = :k"), {"k": str(entry_id)}).one()
    assert "补录姓名" in pushed or "11010519491231002X" in pushed
    outcomes = [e["outcome"] for e in ledger.entries(credit_world.hub, record_key=str(entry_id))]
    assert outcomes[-3:] == ["quarantined", "released", "delivered"]
    assert quarantine.record(credit_world.hub, missing_name["id"])["status"] == "RETRIED"
    assert credit_world.run(DISHONEST_LIST).extracted == 0


def test_each_run_writes_a_quality_report_an_operator_can_open(credit_world):
    from click.testing import CliRunner

    from hub.cli import main

    summary = credit_world.run(DISHONEST_LIST, chunk_size=100)
    page = summary.quality_report
    assert page.endswith(f"{summary.batch_id}.html")
    html = Path(page).read_text(encoding="utf-8")
    assert "minors are never listed" in html and f"{summary.quarantined} (" in html
    result = CliRunner().invoke(main, ["quality", "report", DISHONEST_LIST.name])
    assert result.exit_code == 0, result.output
    assert (
        f"rows checked {summary.extracted}" in result.output and f"quarantined {summary.quarantined}" in result.output
    )
    assert "FAIL" in result.output and page in result.output


@pytest.mark.postgres
def test_the_hub_db_can_live_on_postgresql(credit_world, make_pg_database):
    from hub.db import hub_engine

    hub = hub_engine(make_pg_database("hub"))
    first = run_outbound(DISHONEST_LIST, source=credit_world.source, partner=credit_world.frontdb, hub=hub)
    again = run_outbound(DISHONEST_LIST, source=credit_world.source, partner=credit_world.frontdb, hub=hub)
    assert first.balanced and first.delivered > 0 and again.extracted == 0
    assert ledger.verify(hub).ok
    hub.dispose()


def test_the_bulk_load_path_keeps_versions_rejections_and_balance(credit_world):
    """With local_infile on (as in production), first deliveries go by LOAD DATA and updates through a
    staging table; the outcomes must be those of the row path."""
    from connectors.db import DatabaseLink

    bulk = DatabaseLink(credit_world.frontdb_url.replace("charset=utf8mb4", "charset=utf8mb4&local_infile=1"))
    with credit_world.source.engine.begin() as connection:
        entry_id = connection.execute(text("SELECT MIN(id) FROM dishonest_entries WHERE state = 'PUBLISHED'")).scalar()
        connection.execute(
            text(
                "UPDATE cases SET obligation = :long WHERE id = (SELECT case_id FROM dishonest_entries WHERE id = :e)"
            ),
            {"long": "支付" * 600, "e": entry_id},
        )
    first = run_outbound(DISHONEST_LIST, source=credit_world.source, partner=bulk, hub=credit_world.hub)
    assert first.balanced and first.rejected >= 1 and first.delivered > 0
    assert credit_world.count("frontdb", "SELECT COUNT(*) FROM T_SXBZXR") == first.delivered
    evolve(credit_world.source.engine, seed=17, fraction=0.3)
    second = run_outbound(DISHONEST_LIST, source=credit_world.source, partner=bulk, hub=credit_world.hub)
    assert second.balanced and second.delivered > 0
    with credit_world.frontdb.engine.connect() as connection:
        versions = dict(connection.execute(text("SELECT JLID, BBH FROM T_SXBZXR")).all())
    with credit_world.source.engine.connect() as connection:
        source_versions = dict(connection.execute(select(dishonest_entries.c.id, dishonest_entries.c.version)).all())
    held = quarantined_keys(credit_world, DISHONEST_LIST.name)
    assert all(version == source_versions[int(key)] or key in held for key, version in versions.items())
    assert ledger.verify(credit_world.hub).ok
    bulk.dispose()


def test_a_flow_pages_by_its_own_chunk_size_unless_hub_chunk_size_is_set(credit_world, monkeypatch):
    monkeypatch.delenv("HUB_CHUNK_SIZE", raising=False)
    eligible = credit_world.count("case", "SELECT COUNT(*) FROM dishonest_entries WHERE state <> 'PENDING'")
    own = credit_world.run(dataclasses.replace(DISHONEST_LIST, chunk_size=9))
    assert own.extracted == eligible
    assert own.chunks == math.ceil(eligible / 9)

    with credit_world.source.engine.begin() as connection:  # every entry changes: all read again
        connection.execute(
            update(dishonest_entries).values(version=dishonest_entries.c.version + 1, updated_at="2031-01-01 00:00:00")
        )
    monkeypatch.setenv("HUB_CHUNK_SIZE", "13")
    overridden = credit_world.run(dataclasses.replace(DISHONEST_LIST, chunk_size=9))
    assert overridden.chunks == math.ceil(eligible / 13)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "2.5"])
def test_a_chunk_size_that_is_not_a_positive_whole_number_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("HUB_CHUNK_SIZE", value)
    with pytest.raises(ConfigurationError, match=rf"HUB_CHUNK_SIZE='{re.escape(value)}': expected a whole number"):
        get_settings()
