"""The vehicle-control flow (查控车辆 / 车辆布控) against the sandbox public-security service over HTTPS.

Requests to search a debtor's vehicles and to control a plate go out under one ticket; vehicles and
interceptions (查获) come back and are loaded once by the partner's ids; every new interception raises
exactly one urgent operator alert (a CRITICAL log record on hub.alerts and an ``alert_urgent`` ledger
entry), however often its ticket is fetched; a malformed plate or a result for a request never sent is
quarantined with its reason; FetchVehicleResults recovers from a 503."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select, update

from hub import alerts, ledger, quarantine
from hub.casesystem import parties
from hub.casesystem.public_security import vehicle_interceptions, vehicle_requests, vehicle_results, vehicles
from hub.db.models import LedgerEntry, PendingExchange
from hub.identifiers import plate
from hub.public_security import orchestration
from hub.public_security.alerting import interception_alerts
from hub.public_security.flows import exchange
from hub.public_security.results import Loaded, flow_summary, results_feed
from sandbox.public_security.service import BAD_PLATE
from tests.ps_support import pki_fixture, ps_https_fixture, ps_world_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb
FLOW = "vehicle_control"
_pending = PendingExchange.__table__


def _count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _entries(hub, outcome: str) -> list[dict]:
    table = LedgerEntry.__table__
    query = select(table).where(table.c.flow == FLOW, table.c.outcome == outcome).order_by(table.c.seq)
    with hub.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _reopen_tickets(hub) -> None:
    """As if the hub crashed after loading but before marking its tickets complete: they are fetched again."""
    with hub.begin() as connection:
        connection.execute(update(_pending).where(_pending.c.flow == FLOW).values(status="AWAITING"))


def _urgent_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "hub.alerts" and r.levelno == logging.CRITICAL]


def test_searches_and_controls_go_out_and_vehicles_come_back_loaded_once(ps_world):
    submitted = orchestration.submit(FLOW)
    assert submitted["status"] == "SUCCEEDED" and submitted["extracted"] == ps_world.vehicle_requests
    assert submitted["delivered"] > 0 and len(submitted["tickets"]) == 1
    collected = orchestration.collect_results(FLOW, wait_seconds=10)
    assert collected["tickets_complete"] == 1 and collected["quarantined"] == 0
    assert collected["loaded"] == submitted["delivered"]

    service = ps_world.service.service
    (ticket,) = [t for t in service.tickets.values() if t.kind == "vehicle"]
    with ps_world.case.connect() as connection:
        requests = {r.id: r for r in connection.execute(select(vehicle_requests))}
    for request_id in ticket.request_ids:
        request = requests[int(request_id)]
        if service.outcome(request_id, "vehicle") == "NOT_FOUND":
            expected = "NOT_FOUND"
        else:
            expected = "CONTROLLED" if request.kind == "CONTROL" else "ANSWERED"
        assert request.status == expected, request_id
    with ps_world.case.connect() as connection:
        loaded_vehicles = connection.execute(select(vehicles)).mappings().all()
    assert loaded_vehicles and all(plate.is_valid(v["plate"]) for v in loaded_vehicles)
    assert {v["vehicle_type"] for v in loaded_vehicles} <= {"K11", "K31", "K33", "K41", "H11", "H31"}
    controlled = [r for r in requests.values() if r.status == "CONTROLLED"]
    assert controlled and all(
        any(v["request_id"] == r.id and v["plate"] == r.plate for v in loaded_vehicles) for r in controlled
    )
    assert collected["nested_loaded"] == {
        "vehicle": len(loaded_vehicles), "interception": _count(ps_world.case, vehicle_interceptions)
    }  # fmt: skip

    _reopen_tickets(ps_world.hub)
    again = orchestration.collect_results(FLOW, wait_seconds=0)
    assert again["tickets_fetched"] == 1 and again["loaded"] == 0 and again["already_loaded"] == collected["loaded"]
    assert again["events_loaded"] == 0
    assert _count(ps_world.case, vehicle_results) == submitted["delivered"]
    assert _count(ps_world.case, vehicles) == len(loaded_vehicles)
    assert ledger.verify(ps_world.hub).ok
    summary = flow_summary(FLOW, ps_world.hub, ps_world.case)
    assert summary["loaded"]["vehicle_results"] == submitted["delivered"]
    assert summary["outcomes"]["alert_urgent"] == _count(ps_world.case, vehicle_interceptions)


def test_an_interception_raises_exactly_one_urgent_alert_even_when_fetched_twice(ps_world, caplog):
    caplog.set_level(logging.WARNING, logger="hub.alerts")
    orchestration.submit(FLOW)
    collected = orchestration.collect_results(FLOW, wait_seconds=10)
    with ps_world.case.connect() as connection:
        interceptions = connection.execute(select(vehicle_interceptions)).mappings().all()
        id_numbers = set(connection.execute(select(parties.c.id_number)).scalars()) - {None}
    assert interceptions, "the seeded world must hold at least one intercepted vehicle"
    assert collected["alerts"] == len(interceptions)
    urgent = _entries(ps_world.hub, "alert_urgent")
    assert sorted(e["record_key"] for e in urgent) == sorted(i["interception_id"] for i in interceptions)
    records = _urgent_records(caplog)
    assert len(records) == len(interceptions)
    for interception in interceptions:
        (entry,) = [e for e in urgent if e["record_key"] == interception["interception_id"]]
        message = entry["reason"]
        assert interception["plate"] in message and interception["place"] in message
        assert f"{interception['intercepted_at']:%Y-%m-%d %H:%M}" in message
        assert f"request {interception['request_id']}" in message and "send officers" in message
        assert not any(number in message for number in id_numbers)  # never an ID number
    assert [a["record_key"] for a in alerts.recent(ps_world.hub, urgent_only=True)]

    caplog.clear()
    _reopen_tickets(ps_world.hub)
    again = orchestration.collect_results(FLOW, wait_seconds=0)
    assert again["tickets_fetched"] == 1 and again["alerts"] == 0
    assert len(_entries(ps_world.hub, "alert_urgent")) == len(interceptions)
    assert _urgent_records(caplog) == []
    assert _count(ps_world.case, vehicle_interceptions) == len(interceptions)


def test_the_alert_hook_skips_interceptions_alerted_before_and_alerts_one_that_never_was(ps_world):
    """The hook asks the ledger, not the case system, whether an interception was alerted: an interception
    loaded in the case system whose alert never reached the hub DB (a crash between the two commits) is
    alerted when its ticket is fetched again, and one alerted before never is."""
    orchestration.submit(FLOW)
    orchestration.collect_results(FLOW, wait_seconds=10)
    with ps_world.case.connect() as connection:
        rows = [dict(r) for r in connection.execute(select(vehicle_interceptions)).mappings()]
    assert rows
    never_alerted = {**rows[0], "interception_id": rows[0]["interception_id"] + "-lost"}
    passed = {"interception": [*rows, never_alerted]}
    loaded = Loaded(exchange(FLOW), "batch", "ticket", [], {"interception": []}, passed)
    with ps_world.hub.connect() as connection:
        (alert,) = interception_alerts(loaded, connection)
    assert alert.urgent and alert.record_key == never_alerted["interception_id"]


def test_a_malformed_plate_in_a_vehicle_result_is_quarantined_naming_the_field(ps_world):
    submitted = orchestration.submit(FLOW)
    service = ps_world.service.service
    service.delay_fetches = 0  # one fetch completes the ticket: the bad vehicle is not sent again
    service.inject("bad_plate")
    collected = orchestration.collect_results(FLOW, wait_seconds=0)
    assert collected["tickets_complete"] == 1
    assert collected["quarantined"] == 1
    (held,) = quarantine.records(ps_world.hub, flow=results_feed(FLOW))
    assert held["payload"]["plate"] == BAD_PLATE
    assert any(reason.startswith("field plate:") for reason in held["reasons"]), held["reasons"]
    assert _count(ps_world.case, vehicles, vehicles.c.plate == BAD_PLATE) == 0
    assert _count(ps_world.case, vehicles, vehicles.c.vehicle_id == held["record_key"]) == 0
    # The result carrying it is loaded; only the bad vehicle is held back.
    assert collected["loaded"] == submitted["delivered"]
    (entry,) = [e for e in _entries(ps_world.hub, "quarantined") if e["direction"] == "IN"]
    assert entry["record_key"] == held["record_key"] and "field plate" in entry["reason"]


def test_a_vehicle_result_for_a_request_never_sent_is_quarantined_not_loaded(ps_world):
    orchestration.submit(FLOW)
    ps_world.service.service.inject("unknown_request")
    collected = orchestration.collect_results(FLOW, wait_seconds=10)
    assert collected["quarantined"] >= 1
    held = [r for r in quarantine.records(ps_world.hub, flow=results_feed(FLOW)) if "requestId" in r["payload"]]
    assert [r["payload"]["requestId"] for r in held] == ["999999999"]
    assert "did not submit" in held[0]["reasons"][0]
    assert _count(ps_world.case, vehicle_results, vehicle_results.c.request_id == 999999999) == 0
    assert _count(ps_world.case, vehicles, vehicles.c.request_id == 999999999) == 0
    assert ledger.verify(ps_world.hub).ok


def test_fetch_vehicle_results_recovers_from_503_and_loads_everything_once(ps_world):
    submitted = orchestration.submit(FLOW)
    service = ps_world.service.service
    posts = service.stats["posts"]
    service.delay_fetches = 0  # every result ready on the first fetch
    service.inject("http503", times=2)  # the connection allows 2 retries
    collected = orchestration.collect_results(FLOW, wait_seconds=0)
    assert service.stats["posts"] == posts + 3
    assert collected["tickets_complete"] == 1 and collected["loaded"] == submitted["delivered"]
    assert _entries(ps_world.hub, "fetch_failed") == []
    with ps_world.hub.connect() as connection:
        note = json.loads(connection.execute(select(_pending.c.note).where(_pending.c.flow == FLOW)).scalar_one())
    assert note["state"] == "complete"
