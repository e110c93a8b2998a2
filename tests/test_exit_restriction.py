"""The exit-restriction flow (限制出境) against the sandbox public-security service over HTTPS.

Orders go out as one row per restriction with a version (ISSUE 1..n, LIFT a later version) and come back
acknowledged with the border authority's order number (边控对象编号), stored in the case system. A lift
is never overtaken: the partner keeps the newest version per order and answers an older one STALE, the
hub records that in the ledger, and nothing regresses in the case system."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from hub import ledger
from hub.casesystem import cases, parties
from hub.casesystem.public_security import exit_acks, exit_orders
from hub.db import hub_engine
from hub.db.models import LedgerEntry
from hub.mapping import load_mapping, to_python_rows
from hub.public_security import orchestration
from hub.public_security.flows import exchange
from hub.public_security.results import flow_summary
from hub.public_security.transport import TicketDeliverer, partner_client
from hub.settings import get_settings
from sandbox.public_security.exits import ExitDesk
from sandbox.public_security.requests import lift_exit_orders
from tests.ps_support import pki_fixture, ps_https_fixture, ps_world_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb
FLOW = "exit_restriction"


def _orders(engine) -> dict[int, dict]:
    with engine.connect() as connection:
        return {r["id"]: dict(r) for r in connection.execute(select(exit_orders)).mappings()}


def _entries(hub, outcome: str) -> list[dict]:
    table = LedgerEntry.__table__
    query = select(table).where(table.c.flow == FLOW, table.c.outcome == outcome).order_by(table.c.seq)
    with hub.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _issue_and_acknowledge(ps_world) -> dict:
    ps_world.service.service.delay_fetches = 0
    submitted = orchestration.submit(FLOW)
    assert submitted["status"] == "SUCCEEDED" and submitted["delivered"] > 0
    collected = orchestration.collect_results(FLOW, wait_seconds=0)
    assert collected["tickets_complete"] == 1 and collected["loaded"] == submitted["delivered"]
    return submitted


def test_orders_are_acknowledged_with_the_border_authoritys_order_number(ps_world):
    submitted = _issue_and_acknowledge(ps_world)
    assert submitted["extracted"] == ps_world.exit_orders
    desk, service = ExitDesk(), ps_world.service.service
    orders = _orders(ps_world.case)
    acknowledged = [o for o in orders.values() if o["status"] == "ACKNOWLEDGED"]
    assert len(acknowledged) == submitted["delivered"]
    for order in acknowledged:
        assert order["border_order_no"] == desk.border_order_no(service, str(order["id"]))
        assert service.exit_orders[str(order["id"])] == {"version": 1, "action": "ISSUE"}
    with ps_world.case.connect() as connection:
        assert connection.execute(select(func.count()).select_from(exit_acks)).scalar_one() == len(acknowledged)
    # What the partner received: the version and the period, as the contract says.
    sent = service.requests[("exit", f"{acknowledged[0]['id']}:1")]
    assert sent["version"] == "1" and sent["action"] == "ISSUE"
    assert sent["periodFrom"] == f"{acknowledged[0]['period_from']:%Y-%m-%d}"
    assert sent["decisionNo"] == acknowledged[0]["decision_no"]


def test_a_lift_goes_out_as_the_next_version_and_the_order_becomes_lifted(ps_world):
    _issue_and_acknowledge(ps_world)
    lifted = lift_exit_orders(ps_world.case, share=0.5)
    assert lifted
    submitted = orchestration.submit(FLOW)
    assert (submitted["extracted"], submitted["delivered"]) == (len(lifted), len(lifted))
    collected = orchestration.collect_results(FLOW, wait_seconds=0)
    assert collected["loaded"] == len(lifted)
    orders = _orders(ps_world.case)
    for order_id in lifted:
        order = orders[order_id]
        assert (order["status"], order["action"], order["version"]) == ("LIFTED", "LIFT", 2)
        assert ps_world.service.service.exit_orders[str(order_id)] == {"version": 2, "action": "LIFT"}
    summary = flow_summary(FLOW, ps_world.hub, ps_world.case)
    assert summary["requests"]["LIFTED"] == len(lifted) and summary["outcomes"]["stale"] == 0


def test_an_older_issue_replayed_after_the_lift_is_stale_and_nothing_regresses(ps_world):
    _issue_and_acknowledge(ps_world)
    order_id = lift_exit_orders(ps_world.case, share=0.5)[0]
    orchestration.submit(FLOW)
    orchestration.collect_results(FLOW, wait_seconds=0)
    before = _orders(ps_world.case)[order_id]
    assert (before["status"], before["version"]) == ("LIFTED", 2)

    # The ISSUE (version 1) arrives again after the LIFT was acknowledged: a retry of an old batch, sent as
    # the pipeline sends it (flow query → outbound mapping → the ticket deliverer), in a batch of its own.
    spec = exchange(FLOW)
    row = _replayed_issue(ps_world, order_id)
    target = load_mapping(get_settings().mappings_dir / "public_security.yaml").target("exit_order")
    mapped, errors = target.apply(pd.DataFrame([row]))
    assert errors == {}
    deliverer = TicketDeliverer(spec, partner_client(), hub_engine(), ps_world.case)
    delivery = deliverer.deliver(target, to_python_rows(mapped))
    assert delivery.applied == [str(order_id)]  # taken for an answer ...
    collected = orchestration.collect_results(FLOW, wait_seconds=0)
    assert collected["loaded"] == 1

    # ... and answered STALE: the partner still holds the LIFT, the hub records it, nothing regressed.
    assert ps_world.service.service.exit_orders[str(order_id)] == {"version": 2, "action": "LIFT"}
    (stale,) = _entries(ps_world.hub, "stale")
    assert "version 1 (ISSUE) is older than version 2" in stale["reason"] and "not applied" in stale["reason"]
    with ps_world.case.connect() as connection:
        ack = connection.execute(select(exit_acks).where(exit_acks.c.version == 1, exit_acks.c.request_id == order_id,
                                                          exit_acks.c.status == "STALE")).mappings().one()  # fmt: skip
    assert ack["held_version"] == 2
    after = _orders(ps_world.case)[order_id]
    assert after == before
    assert flow_summary(FLOW, ps_world.hub, ps_world.case)["outcomes"]["stale"] == 1
    assert ledger.verify(ps_world.hub).ok


def _replayed_issue(ps_world, order_id: int) -> dict:
    """The canonical record of ``order_id`` as it was when first issued (version 1, ISSUE)."""
    query = (
        select(
            exit_orders.c.id.label("request_id"), exit_orders.c.document_type, exit_orders.c.document_number,
            exit_orders.c.period_from, exit_orders.c.period_to, exit_orders.c.decision_no,
            parties.c.name.label("party_name"), parties.c.id_type, parties.c.id_number, cases.c.case_no,
            cases.c.court_code,
        )
        .join(parties, parties.c.id == exit_orders.c.party_id)
        .join(cases, cases.c.id == exit_orders.c.case_id)
        .where(exit_orders.c.id == order_id)
    )  # fmt: skip
    with ps_world.case.connect() as connection:
        row = dict(connection.execute(query).mappings().one())
    return {**row, "version": 1, "action": "ISSUE"}
