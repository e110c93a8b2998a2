"""Status synchronisation with the sandbox military court: once, in order, converging; a status that goes
backwards is refused, quarantined and in the ledger; a conflict (both sides changed the same request) is
resolved by the rule (the handling side's change stands), reported, and both sides end equal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub import alerts, ledger, quarantine
from hub.casesystem import military_incoming_requests, military_outgoing_requests, military_status_history
from hub.db.models import LedgerEntry
from hub.military import orchestration
from hub.military.status import record_local_change
from tests.military_support import mc_world_fixture  # noqa: F401  (fixtures)
from tests.ps_support import pki_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb
_out, _in, _history = military_outgoing_requests, military_incoming_requests, military_status_history


def _outcomes(hub, outcome: str) -> list[dict]:
    table = LedgerEntry.__table__
    with hub.connect() as connection:
        return [dict(r) for r in connection.execute(select(table).where(table.c.outcome == outcome)).mappings()]


def _status(world, direction: str, key: str):
    table, where = (_out, _out.c.id == int(key)) if direction == "OUT" else (_in, _in.c.partner_request_id == key)
    with world.case.connect() as connection:
        return connection.execute(select(table.c.status, table.c.status_seq).where(where)).one()


def _both_sides_agree(world) -> None:
    """Every request has the same status and change number in the case system and at the court."""
    with world.case.connect() as connection:
        sent = select(_out).where(_out.c.status != "PENDING")
        ours = {("OUT", str(r.id)): (r.status, r.status_seq) for r in connection.execute(sent)}
        ours |= {("IN", r.partner_request_id): (r.status, r.status_seq) for r in connection.execute(select(_in))}
    theirs = {("OUT", k): (h.status, h.seq) for k, h in world.court.ningxia.items()}
    theirs |= {("IN", k): (h.status, h.seq) for k, h in world.court.own.items() if ("IN", k) in ours}
    assert ours == theirs


def _a_request(world, outcome: str = "DONE") -> str:
    return next(key for key in world.court.ningxia if world.court.outcome(key) == outcome)


def test_a_second_sync_sends_and_loads_nothing_and_both_sides_agree(mc_world):
    orchestration.submit_outgoing()
    orchestration.fetch_incoming_requests()
    first = orchestration.sync_request_statuses()
    assert first["pulled"] > 0 and first["pushed"] > 0 and first["quarantined"] == 0
    mc_world.court.advancing = False  # nothing new on the court's side
    second = orchestration.sync_request_statuses()
    assert (second["pulled"], second["applied"], second["pushed"], second["reported"]) == (0, 0, 0, 0)
    _both_sides_agree(mc_world)
    reported = _outcomes(mc_world.hub, "reported")
    assert len(reported) == len({(e["record_key"], e["record_version"]) for e in reported})  # each change once
    assert ledger.verify(mc_world.hub).ok


def test_the_sync_runs_until_both_sides_agree_on_every_request(mc_world):
    orchestration.submit_outgoing()
    orchestration.fetch_incoming_requests()
    for _ in range(5):
        orchestration.sync_request_statuses()
    quiet = orchestration.sync_request_statuses()
    assert (quiet["pulled"], quiet["pushed"]) == (0, 0)
    _both_sides_agree(mc_world)
    with mc_world.case.connect() as connection:
        assert set(connection.execute(select(_out.c.status)).scalars()) <= {"DONE", "REFUSED"}


def test_a_status_that_goes_backwards_is_refused_quarantined_and_in_the_ledger(mc_world):
    orchestration.submit_outgoing()
    key = _a_request(mc_world)
    for _ in range(4):
        orchestration.sync_request_statuses()
    assert tuple(_status(mc_world, "OUT", key)) == ("DONE", 3)
    mc_world.court.push_change(key, "IN_PROGRESS")  # DONE → IN_PROGRESS, change 4
    synced = orchestration.sync_request_statuses()
    assert synced["quarantined"] == 1 and synced["applied"] == 0
    assert tuple(_status(mc_world, "OUT", key)) == ("DONE", 3)  # not applied
    (held,) = quarantine.records(mc_world.hub, flow="military_court_status")
    assert held["record_key"] == key and held["record_version"] == 4
    assert held["reasons"] == [f"Ningxia's request {key}: DONE → IN_PROGRESS goes backwards"]
    (entry,) = _outcomes(mc_world.hub, "quarantined")
    assert entry["record_key"] == key and "goes backwards" in entry["reason"] and "change 4" in entry["reason"]
    assert orchestration.sync_request_statuses()["pulled"] == 0  # held once, not fetched again


def test_a_withdrawal_crossing_the_courts_progress_loses_and_is_reported(mc_world):
    orchestration.submit_outgoing()
    key = _a_request(mc_world)
    mc_world.court.advancing = False
    mc_world.court.advance()  # ACCEPTED (change 1) everywhere
    orchestration.sync_request_statuses()
    assert record_local_change(mc_world.case, "OUT", key, "WITHDRAWN", "当事人已履行") == 2  # Ningxia withdraws ...
    mc_world.court.advance()  # ... while the court moves it to IN_PROGRESS, also change 2
    synced = orchestration.sync_request_statuses()
    assert synced["conflicts"] == 1 and synced["pushed"] == 0  # the dropped withdrawal is never sent
    assert tuple(_status(mc_world, "OUT", key)) == ("IN_PROGRESS", 2)  # the handling side's change stands
    with mc_world.case.connect() as connection:
        mine = connection.execute(
            select(_history.c.outcome).where(_history.c.request_key == key, _history.c.changed_by == "NINGXIA")
        ).scalar_one()  # fmt: skip
    assert mine == "SUPERSEDED"  # kept, not lost
    (entry,) = _outcomes(mc_world.hub, "conflict")
    assert entry["record_key"] == key and "kept the military court's IN_PROGRESS" in entry["reason"]
    assert "dropped Ningxia's WITHDRAWN" in entry["reason"]
    assert any(a["record_key"] == key and "conflict" in a["reason"] for a in alerts.recent(mc_world.hub))
    _both_sides_agree(mc_world)


def test_a_withdrawal_by_the_court_crossing_ningxias_progress_loses_on_both_sides(mc_world):
    orchestration.fetch_incoming_requests()
    orchestration.sync_request_statuses()  # ACCEPTED (change 1) reported
    mc_world.court.advancing = False
    record_local_change(mc_world.case, "IN", "JF7-0001", "DONE")  # Ningxia finishes it (change 2) ...
    mc_world.court.withdraw("JF7-0001")  # ... while the court withdraws it (change 2)
    synced = orchestration.sync_request_statuses()
    assert synced["conflicts"] == 1 and synced["reported"] == 1 and synced["report_refused"] == 0
    assert tuple(_status(mc_world, "IN", "JF7-0001")) == ("DONE", 2)
    assert mc_world.court.own["JF7-0001"].status == "DONE"  # the court applied the same rule
    (entry,) = _outcomes(mc_world.hub, "conflict")
    assert "kept Ningxia's DONE" in entry["reason"] and "dropped the military court's WITHDRAWN" in entry["reason"]
    _both_sides_agree(mc_world)
    quiet = orchestration.sync_request_statuses()
    assert (quiet["pulled"], quiet["pushed"]) == (0, 0)


def test_a_change_the_court_refuses_is_kept_marked_and_raised_to_operators(mc_world):
    orchestration.fetch_incoming_requests()
    mc_world.court.advancing = False
    mc_world.court.own.pop("JF7-0001")  # the court has lost track of its own request
    synced = orchestration.sync_request_statuses()
    assert synced["report_refused"] == 1 and synced["reported"] == synced["pushed"] - 1
    with mc_world.case.connect() as connection:
        (row,) = connection.execute(
            select(_history).where(_history.c.request_key == "JF7-0001", _history.c.changed_by == "NINGXIA")
        ).all()  # fmt: skip
    assert row.outcome == "REFUSED" and row.reported_at is None  # kept, not lost, not sent again
    (entry,) = _outcomes(mc_world.hub, "report_refused")
    assert entry["record_key"] == "JF7-0001" and "request JF7-0001 (MILITARY) is unknown here" in entry["reason"]
    assert any(a["record_key"] == "JF7-0001" for a in alerts.recent(mc_world.hub))
    assert orchestration.sync_request_statuses()["pushed"] == 0
