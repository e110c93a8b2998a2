"""The debtor-locate flow against the sandbox public-security service over HTTPS (test CA), MariaDB.

Submit (the outbound pipeline with the SOAP ticket deliverer) → fetch by ticket until complete → load;
reruns deliver and load nothing twice, a resubmitted request is answered not duplicated, a result for a
request the hub never sent is quarantined, and an unanswered ticket becomes OVERDUE."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select, update

from hub import batches, ledger, quarantine
from hub.casesystem import locate_events, locate_requests, locate_results
from hub.db.models import LedgerEntry, PendingExchange, Watermark
from hub.public_security import orchestration
from hub.public_security.results import flow_summary, results_feed
from tests.ps_support import pki_fixture, ps_https_fixture, ps_world_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb
FLOW = "debtor_locate"
_pending = PendingExchange.__table__


def _count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _tickets(hub) -> list[dict]:
    with hub.connect() as connection:
        return [dict(r) for r in connection.execute(select(_pending).order_by(_pending.c.id)).mappings()]


def _outcomes(hub, outcome: str) -> list[dict]:
    table = LedgerEntry.__table__
    query = select(table).where(table.c.flow == FLOW, table.c.outcome == outcome).order_by(table.c.seq)
    with hub.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def test_requests_go_out_in_one_ticket_and_answers_come_back_once(ps_world):
    submitted = orchestration.submit(FLOW)
    assert submitted["status"] == "SUCCEEDED"
    assert submitted["extracted"] == ps_world.requests
    assert submitted["extracted"] == submitted["delivered"] + submitted["quarantined"] + submitted["rejected"]
    assert submitted["delivered"] > 0 and len(submitted["tickets"]) == 1
    (ticket,) = _tickets(ps_world.hub)
    assert ticket["status"] == "AWAITING" and ticket["record_count"] == submitted["delivered"]
    assert _count(ps_world.case, locate_requests, locate_requests.c.status == "SUBMITTED") == submitted["delivered"]

    collected = orchestration.collect_results(FLOW, wait_seconds=10)
    assert collected["tickets_complete"] == 1 and collected["tickets_open"] == 0
    assert collected["loaded"] == submitted["delivered"] and collected["quarantined"] == 0
    service = ps_world.service.service
    with ps_world.case.connect() as connection:
        statuses = dict(connection.execute(select(locate_requests.c.id, locate_requests.c.status)).all())
    sent = json.loads(_tickets(ps_world.hub)[0]["note"])["requests"]
    for request_id in sent:
        expected = "NOT_FOUND" if service.outcome(request_id) == "NOT_FOUND" else "ANSWERED"
        assert statuses[int(request_id)] == expected
    assert _count(ps_world.case, locate_results) == len(sent)
    assert _count(ps_world.case, locate_events) == collected["events_loaded"] > 0
    with ps_world.case.connect() as connection:
        loaded = set(connection.execute(select(locate_results.c.result_id)).scalars())
    assert {e["record_key"] for e in _outcomes(ps_world.hub, "loaded")} == loaded
    assert _outcomes(ps_world.hub, "ticket_complete")[0]["record_key"] == ticket["exchange_id"]

    # A rerun sends nothing and loads nothing twice.
    again = orchestration.submit(FLOW)
    assert (again["extracted"], again["delivered"], again["tickets"]) == (0, 0, [])
    assert orchestration.collect_results(FLOW, wait_seconds=0)["tickets_fetched"] == 0
    assert _count(ps_world.case, locate_results) == len(sent)
    assert ledger.verify(ps_world.hub).ok
    assert batches.latest(ps_world.hub, FLOW, "IN")["status"] == "SUCCEEDED"
    figures = flow_summary(FLOW, ps_world.hub, ps_world.case)
    assert figures["tickets"] == {"COMPLETE": 1} and figures["ledger_ok"]
    assert figures["requests"].get("ANSWERED", 0) + figures["requests"].get("NOT_FOUND", 0) == len(sent)


def test_a_resubmitted_request_is_answered_not_duplicated(ps_world):
    first = orchestration.submit(FLOW)
    service = ps_world.service.service
    accepted = service.stats["submitted"]
    # The hub loses its record of the run (a crash after the partner took the batch): the requests are
    # read and sent again, with the same request ids.
    with ps_world.hub.begin() as connection:
        connection.execute(delete(Watermark.__table__))
        connection.execute(delete(_pending))
    with ps_world.case.begin() as connection:
        connection.execute(update(locate_requests).values(status="PENDING", ticket_id=None))
    second = orchestration.submit(FLOW)
    assert second["delivered"] == first["delivered"] and second["duplicates"] == first["delivered"]
    assert service.stats["submitted"] == accepted  # nothing new at the partner
    assert second["tickets"] == first["tickets"]  # the same batch: the same ticket
    orchestration.collect_results(FLOW, wait_seconds=10)
    orchestration.collect_results(FLOW, wait_seconds=0)
    assert _count(ps_world.case, locate_results) == first["delivered"]
    assert ledger.verify(ps_world.hub).ok


def test_a_result_for_a_request_never_sent_is_quarantined_not_loaded(ps_world):
    orchestration.submit(FLOW)
    ps_world.service.service.inject("unknown_request")
    collected = orchestration.collect_results(FLOW, wait_seconds=10)
    assert collected["quarantined"] == 1
    (held,) = quarantine.records(ps_world.hub, flow=results_feed(FLOW))
    assert held["payload"]["requestId"] == "999999999"
    assert "did not submit" in held["reasons"][0]
    assert _count(ps_world.case, locate_results, locate_results.c.request_id == 999999999) == 0
    assert any("did not submit" in (e["reason"] or "") for e in _outcomes(ps_world.hub, "quarantined"))
    assert ledger.verify(ps_world.hub).ok


def test_an_unanswered_ticket_becomes_overdue_and_a_late_answer_is_still_taken(ps_world, monkeypatch):
    monkeypatch.setenv("HUB_PS_DUE_HOURS", "0")
    service = ps_world.service.service
    service.delay_fetches, service.delayed_share, service.not_found_share = 1000, 10, 0  # no answer for now
    submitted = orchestration.submit(FLOW)
    collected = orchestration.collect_results(FLOW, wait_seconds=0)
    assert collected["tickets_overdue"] == 1 and collected["loaded"] == 0
    assert _tickets(ps_world.hub)[0]["status"] == "OVERDUE"
    assert collected["requests"]["OVERDUE"] == submitted["delivered"]
    assert _outcomes(ps_world.hub, "overdue")
    service.delay_fetches = 0  # the partner answers at last
    late = orchestration.collect_results(FLOW, wait_seconds=0)
    assert late["tickets_complete"] == 1 and late["loaded"] == submitted["delivered"]
    assert "OVERDUE" not in late["requests"] and _tickets(ps_world.hub)[0]["status"] == "COMPLETE"
    table = LedgerEntry.__table__
    assert _count(ps_world.hub, table, table.c.outcome == "overdue") == 1
