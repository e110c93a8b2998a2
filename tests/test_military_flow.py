"""The military-court exchange against the sandbox court over HTTPS (test CA), MariaDB, both directions.

Ningxia's requests go out once (a resubmission is answered, not duplicated) and the court's progress
comes back in order; the court's requests are created once, or refused and reported when the case is not
Ningxia's; statuses converge; the operator command lists what is open."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select, update

from hub import ledger
from hub.casesystem import military_incoming_requests, military_outgoing_requests, military_status_history
from hub.db.models import LedgerEntry, Watermark
from hub.military import orchestration
from hub.military.flows import OUTGOING
from hub.military.status import StatusChangeRefused, record_local_change
from tests.military_support import mc_world_fixture  # noqa: F401  (fixtures)
from tests.ps_support import pki_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb
_out, _in, _history = military_outgoing_requests, military_incoming_requests, military_status_history


def _outcomes(hub, outcome: str, flow: str | None = None) -> list[dict]:
    table = LedgerEntry.__table__
    query = select(table).where(table.c.outcome == outcome).order_by(table.c.seq)
    if flow:
        query = query.where(table.c.flow == flow)
    with hub.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _sync_until_quiet(runs: int = 6) -> list[dict]:
    done = []
    for _ in range(runs):
        done.append(orchestration.sync_request_statuses())
        if done[-1]["pulled"] == 0 and done[-1]["pushed"] == 0:
            return done
    raise AssertionError(f"status sync did not settle in {runs} runs: {done}")


def test_requests_go_out_once_and_the_courts_progress_comes_back_in_order(mc_world):
    submitted = orchestration.submit_outgoing()
    assert submitted["status"] == "SUCCEEDED" and submitted["extracted"] == mc_world.outgoing > 0
    assert submitted["delivered"] == mc_world.outgoing and submitted["duplicates"] == 0
    assert set(mc_world.court.ningxia) == {str(i) for i in range(1, mc_world.outgoing + 1)}
    with mc_world.case.connect() as connection:
        assert set(connection.execute(select(_out.c.status)).scalars()) == {"SUBMITTED"}

    _sync_until_quiet()
    with mc_world.case.connect() as connection:
        requests = {str(r.id): r for r in connection.execute(select(_out))}
        history = connection.execute(
            select(_history.c.request_key, _history.c.seq, _history.c.status).where(_history.c.direction == "OUT")
            .order_by(_history.c.id)
        ).all()  # fmt: skip
    for key, request in requests.items():
        expected = mc_world.court.outcome(key)
        assert request.status == expected, key
        assert (request.status_reason is not None) == (expected == "REFUSED")
        mine = [(seq, status) for k, seq, status in history if k == key]
        plan = [(1, "REFUSED")] if expected == "REFUSED" else [(1, "ACCEPTED"), (2, "IN_PROGRESS"), (3, "DONE")]
        assert mine == plan, key  # each change once, in order
    assert len(_outcomes(mc_world.hub, "status_applied")) == len(history)

    # The hub loses its record of the run (a crash after the court took the requests): sent again, the
    # same request ids are answered as duplicates, not held twice.
    with mc_world.hub.begin() as connection:
        connection.execute(delete(Watermark.__table__).where(Watermark.__table__.c.flow == OUTGOING.name))
    with mc_world.case.begin() as connection:
        connection.execute(update(_out).values(status="PENDING"))
    again = orchestration.submit_outgoing()
    assert again["delivered"] == again["duplicates"] == mc_world.outgoing
    assert mc_world.court.stats["submitted"] == mc_world.outgoing
    assert ledger.verify(mc_world.hub).ok


def test_a_request_for_a_case_the_court_does_not_have_is_refused_and_reported_not_created(mc_world):
    fetched = orchestration.fetch_incoming_requests()
    assert fetched["refused"] == 2
    refused = {"JF7-X001": "（2015）宁0104执99901号", "JF7-X002": "（2016）宁0205执99902号"}
    with mc_world.case.connect() as connection:
        created = set(connection.execute(select(_in.c.partner_request_id)).scalars())
    assert created.isdisjoint(refused) and created  # the others are created
    held = {row["record_key"]: row for row in _quarantined(mc_world.hub, "military_court_incoming")}
    assert set(held) == set(refused)
    for key, case_no in refused.items():
        assert (
            case_no in held[key]["reasons"][0] and "not in the Ningxia courts' case system" in held[key]["reasons"][0]
        )
    entries = {e["record_key"]: e["reason"] for e in _outcomes(mc_world.hub, "refused")}
    assert set(entries) == set(refused) and all(
        "reported to the military court as REFUSED" in r for r in entries.values()
    )

    orchestration.sync_request_statuses()  # the refusal reaches the court, with the reason
    for key, case_no in refused.items():
        held_there = mc_world.court.own[key]
        assert held_there.status == "REFUSED" and case_no in held_there.history[1][1]
    assert orchestration.fetch_incoming_requests()["read"] == 0  # not fetched again
    assert ledger.verify(mc_world.hub).ok


def test_a_duplicate_request_from_the_court_is_loaded_once(mc_world):
    fetched = orchestration.fetch_incoming_requests()
    assert fetched["already_loaded"] == 1
    feed_ids = [entry["requestId"] for entry in mc_world.court.incoming_feed]
    (duplicate,) = [key for key in set(feed_ids) if feed_ids.count(key) == 2]
    with mc_world.case.connect() as connection:
        rows = connection.execute(select(_in).where(_in.c.partner_request_id == duplicate)).all()
        assert len(rows) == 1 and rows[0].feed_sequence == 1
        assert connection.execute(select(func.count()).select_from(_in)).scalar_one() == len(set(feed_ids)) - 2
    (entry,) = _outcomes(mc_world.hub, "already_loaded", "military_court_incoming")
    assert entry["record_key"] == duplicate and "loaded once" in entry["reason"]
    assert fetched["loaded"] + fetched["already_loaded"] + fetched["refused"] == fetched["read"]  # nothing lost


def test_a_request_naming_only_a_ningxia_court_is_created_and_one_for_another_court_refused(mc_world):
    subject = {"name": "李某", "id_type": "RIC", "id_number": "640104199001011234", "kind": "PERSON"}
    mc_world.court.file_request("JF7-C001", {"case_no": None, "court_code": "宁0104", **subject})
    mc_world.court.file_request("JF7-C002", {"case_no": None, "court_code": "京0101", **subject})
    orchestration.fetch_incoming_requests()
    with mc_world.case.connect() as connection:
        rows = {r.partner_request_id: r for r in connection.execute(select(_in))}
    assert rows["JF7-C001"].case_id is None and rows["JF7-C001"].court_code == "宁0104"
    assert "JF7-C002" not in rows
    (held,) = [r for r in _quarantined(mc_world.hub, "military_court_incoming") if r["record_key"] == "JF7-C002"]
    assert held["reasons"] == ["names no case and '京0101' is not a Ningxia court"]


def test_the_hub_checks_an_officers_change_and_names_the_request(mc_world):
    orchestration.submit_outgoing()
    with pytest.raises(
        StatusChangeRefused, match=r"Ningxia's request 1: the requesting side \(NINGXIA\) may not set DONE"
    ):
        record_local_change(mc_world.case, "OUT", "1", "DONE")
    orchestration.fetch_incoming_requests()
    with pytest.raises(StatusChangeRefused, match=r"request JF7-X001 is not in the case system"):
        record_local_change(mc_world.case, "IN", "JF7-X001", "DONE")
    assert record_local_change(mc_world.case, "IN", "JF7-0001", "DONE") == 2
    with pytest.raises(StatusChangeRefused, match=r"request JF7-0001: DONE → IN_PROGRESS goes backwards"):
        record_local_change(mc_world.case, "IN", "JF7-0001", "IN_PROGRESS")


def test_open_requests_are_listed_per_direction_with_their_age(mc_world):
    from hub.cli import main

    orchestration.submit_outgoing()
    orchestration.fetch_incoming_requests()
    result = CliRunner().invoke(main, ["military", "open", "--direction", "out"])
    assert result.exit_code == 0, result.output
    assert f"out (Ningxia → military court): {mc_world.outgoing} open" in result.output
    assert "SUBMITTED" in result.output and " days " in result.output and "in (" not in result.output
    result = CliRunner().invoke(main, ["military", "open"])
    assert "in (military court → Ningxia): 2 open" in result.output and "JF7-0001" in result.output
    assert "JF7-X001" not in result.output  # refused, never created


def _quarantined(hub, flow: str) -> list[dict]:
    from hub import quarantine

    return quarantine.records(hub, flow=flow)
