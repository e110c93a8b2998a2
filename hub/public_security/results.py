"""Fetch answers by ticket, check them as hostile input, load them idempotently, mark overdue tickets.

For every ticket of the flow still AWAITING (or OVERDUE: a late answer is still taken) in
``pending_exchanges``, the ``Fetch*`` operation is called until the partner says the ticket is complete or
the task's wait is over. Each answer is flattened (results; events nested in them), mapped back with the
partner's inbound mapping, gated with the flow's inbound suite, and checked against what was submitted:
a result for a request the hub did not send under that ticket is quarantined, never loaded. Results and
events are loaded by the partner's own ids (a second fetch loads nothing twice) and every result is a
ledger entry. A ticket past its due time becomes OVERDUE, and so do its unanswered requests, which
officers see in the case system. A fetch that fails (fault, refused response, timeout) is a ledger entry
and fails the task; the ticket stays awaited, so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, func, insert, select, update

from connectors.soap import SoapPartner
from hub import batches, ledger, quarantine
from hub.casesystem import locate_events, locate_requests, locate_results
from hub.db.models import PendingExchange
from hub.errors import DeliveryError, PartnerResponseRefused
from hub.ledger import Trace, payload_hash, utcnow
from hub.mapping import load_mapping, to_python_rows
from hub.public_security.flows import AsyncExchange
from hub.quality.gate import QualityGate
from hub.settings import get_settings

log = logging.getLogger(__name__)
IN = "IN"
_pending = PendingExchange.__table__
OPEN_STATUSES = ("AWAITING", "OVERDUE")


@dataclass
class CollectSummary:
    tickets_fetched: int = 0
    tickets_complete: int = 0
    tickets_overdue: int = 0
    tickets_open: int = 0
    read: int = 0
    loaded: int = 0
    already_loaded: int = 0
    quarantined: int = 0
    events_loaded: int = 0
    quarantine_reasons: dict = field(default_factory=dict)

    def figures(self) -> dict:
        return {
            "extracted": self.read,
            "loaded": self.loaded + self.already_loaded,
            "duplicates": self.already_loaded,
            "quarantined": self.quarantined,
        }


def collect(
    exchange: AsyncExchange,
    client: SoapPartner,
    case_system: Engine,
    hub: Engine,
    *,
    wait_seconds: float = 0.0,
    poll_seconds: float = 1.0,
) -> CollectSummary:
    """Fetch every open ticket of the flow, again every ``poll_seconds`` until none is open or
    ``wait_seconds`` have passed; load what came back. Returns the figures."""
    flow = exchange.flow
    settings = get_settings()
    mapping = load_mapping(settings.mappings_dir / f"{flow.partner}.yaml")
    results_target = mapping.inbound_target(exchange.result_target)
    events_target = mapping.inbound_target(exchange.event_target) if exchange.event_target else None
    gate = QualityGate(
        settings.expectations_dir / f"{exchange.inbound_suite}.json", "result_id", 1.0, name=f"{flow.name}_inbound"
    )
    summary = CollectSummary()
    batch_id = str(uuid.uuid4())
    batches.open_batch(hub, batch_id, flow.name, flow.partner, IN, f"fetch results of open {flow.name} tickets")
    gate.begin(batch_id)
    deadline = time.monotonic() + wait_seconds
    loader = _Loader(exchange, results_target, events_target, gate, case_system, hub, batch_id, summary)
    try:
        while True:
            with hub.connect() as connection:
                open_tickets = connection.execute(
                    select(_pending)
                    .where(_pending.c.flow == flow.name, _pending.c.status.in_(OPEN_STATUSES))
                    .order_by(_pending.c.id)
                ).mappings().all()  # fmt: skip
            for ticket in open_tickets:
                loader.fetch(client, dict(ticket))
            summary.tickets_open = _count_open(hub, flow.name)
            if summary.tickets_open == 0 or time.monotonic() >= deadline:
                break
            time.sleep(poll_seconds)
    except Exception as error:
        batches.close_batch(
            hub, batch_id, flow.name, flow.partner, IN, figures=summary.figures(),
            error=f"{type(error).__name__}: {error}",
        )  # fmt: skip
        raise
    finally:
        gate.finish()
    batches.close_batch(hub, batch_id, flow.name, flow.partner, IN, figures=summary.figures())
    return summary


def results_feed(flow_name: str) -> str:
    """The name quarantined answers of ``flow_name`` are held under (``hub quarantine list --flow``)."""
    return f"{flow_name}_results"


def _count_open(hub: Engine, flow: str) -> int:
    with hub.connect() as connection:
        return connection.execute(
            select(func.count()).where(_pending.c.flow == flow, _pending.c.status == "AWAITING")
        ).scalar_one()


@dataclass
class _Loader:
    exchange: AsyncExchange
    results_target: object
    events_target: object
    gate: QualityGate
    case_system: Engine
    hub: Engine
    batch_id: str
    summary: CollectSummary

    @property
    def flow(self):
        return self.exchange.flow

    def _ticket_trace(self, ticket: str, outcome: str, reason: str) -> Trace:
        return Trace(self.batch_id, self.flow.name, self.flow.partner, IN, outcome, "BATCH", ticket, None, None, reason)

    def fetch(self, client: SoapPartner, ticket: dict) -> None:
        ticket_id = ticket["exchange_id"]
        try:
            answer = client.call(self.exchange.fetch_operation, request_ids=[ticket_id], ticketId=ticket_id)
            if answer.get("ticketId") != ticket_id:
                raise PartnerResponseRefused(
                    f"partner {self.flow.partner}, operation {self.exchange.fetch_operation}: answer for ticket "
                    f"{answer.get('ticketId')!r} when {ticket_id} was asked"
                )
        except DeliveryError as error:
            with self.hub.begin() as connection:
                ledger.append(connection, [self._ticket_trace(ticket_id, "fetch_failed", str(error))])
            log.error("%s: fetching ticket %s failed: %s", self.flow.name, ticket_id, error)
            raise
        self.summary.tickets_fetched += 1
        submitted = set(json.loads(ticket["note"] or "{}").get("requests", []))
        self._load(ticket_id, answer.get("result") or [], submitted)
        self._settle(ticket, bool(answer.get("complete")), int(answer.get("pending") or 0))

    def _load(self, ticket_id: str, results: list[dict], submitted: set[str]) -> None:
        if not results:
            return
        raw_results, raw_events = [], []
        for result in results:
            raw_results.append({
                "resultId": result.get("resultId"),
                "requestId": result.get("requestId"),
                "status": result.get("status"),
                "registeredAddress": result.get("registeredAddress"),
                "currentAddress": result.get("currentAddress"),
                "phones": ",".join(result.get("phone") or []) or None,
            })  # fmt: skip
            for event in result.get("event") or []:
                raw_events.append({**event, "resultId": result.get("resultId"), "requestId": result.get("requestId")})
        frame = pd.DataFrame(raw_results)
        mapped, errors = self.results_target.apply(frame)
        reasons: dict[str, list[str]] = {
            str(frame.at[i, "resultId"]): [f"mapping: {e}" for e in why] for i, why in errors.items()
        }
        checked = self.gate.check(mapped)
        for key, why in checked.failures.items():
            reasons.setdefault(key, []).extend(why)
        good: list[dict] = []
        for row in to_python_rows(checked.passed):
            key = str(row["result_id"])
            if str(row["request_id"]) not in submitted:
                reasons.setdefault(key, []).append(
                    f"result for request {row['request_id']}, which the hub did not submit under ticket {ticket_id}"
                )
            else:
                row["request_id"] = int(row["request_id"])
                good.append(row)
        good_results = {row["result_id"] for row in good}
        events, event_reasons = self._events(raw_events, good_results)
        now = utcnow()
        with self.case_system.begin() as connection:
            fresh = self._fresh(connection, locate_results, "result_id", good)
            if fresh:
                connection.execute(insert(locate_results), [{**row, "loaded_at": now} for row in fresh])
            fresh_events = self._fresh(connection, locate_events, "event_id", events)
            if fresh_events:
                connection.execute(insert(locate_events), [{**row, "loaded_at": now} for row in fresh_events])
            for status, answered in (("FOUND", "ANSWERED"), ("NOT_FOUND", "NOT_FOUND")):
                ids = [row["request_id"] for row in good if row["status"] == status]
                if ids:
                    connection.execute(
                        update(locate_requests)
                        .where(locate_requests.c.id.in_(ids))
                        .where(locate_requests.c.status.in_(["PENDING", "SUBMITTED", "OVERDUE"]))
                        .values(status=answered, answered_at=now)
                    )
        fresh_ids = {row["result_id"] for row in fresh}
        traces = [
            self._trace(row, "loaded" if row["result_id"] in fresh_ids else "already_loaded",
                        None if row["result_id"] in fresh_ids else "result loaded before: not loaded again")
            for row in good
        ]  # fmt: skip
        traces += [
            Trace(self.batch_id, self.flow.name, self.flow.partner, IN, "quarantined", "RECORD", key, None, None,
                  "; ".join(why))
            for key, why in {**reasons, **event_reasons}.items()
        ]  # fmt: skip
        held = [(str(r["resultId"]), r) for r in raw_results if str(r["resultId"]) in reasons]
        held += [(str(e.get("eventId")), e) for e in raw_events if str(e.get("eventId")) in event_reasons]
        with self.hub.begin() as connection:
            ledger.append(connection, traces)
            quarantine.hold(
                # Under the results feed's own name: a release must never reach the submit run's
                # released-request retry (whose keys are request ids, not the partner's result ids).
                connection, flow=results_feed(self.flow.name), partner=self.flow.partner, batch_id=self.batch_id,
                records=((key, None, record, {**reasons, **event_reasons}[key]) for key, record in held),
            )  # fmt: skip
            self.summary.read += len(raw_results)
            self.summary.loaded += len(fresh)
            self.summary.already_loaded += len(good) - len(fresh)
            self.summary.quarantined += len(reasons) + len(event_reasons)
            self.summary.events_loaded += len(fresh_events)
            for why in [*reasons.values(), *event_reasons.values()]:
                for reason in why:
                    self.summary.quarantine_reasons[reason] = self.summary.quarantine_reasons.get(reason, 0) + 1
            batches.record_progress(connection, self.batch_id, self.summary.figures())

    def _events(self, raw_events: list[dict], good_results: set[str]) -> tuple[list[dict], dict[str, list[str]]]:
        if not raw_events or self.events_target is None:
            return [], {}
        frame = pd.DataFrame(raw_events)
        mapped, errors = self.events_target.apply(frame)
        reasons = {str(frame.at[i, "eventId"]): [f"mapping: {e}" for e in why] for i, why in errors.items()}
        events = []
        for row in to_python_rows(mapped):
            if row["result_id"] not in good_results:
                continue  # its result was quarantined: the raw result carries the event with it
            row["request_id"] = int(row["request_id"])
            events.append(row)
        return events, reasons

    @staticmethod
    def _fresh(connection, table, key: str, rows: list[dict]) -> list[dict]:
        if not rows:
            return []
        keys = [row[key] for row in rows]
        present = set(connection.execute(select(table.c[key]).where(table.c[key].in_(keys))).scalars())
        seen: set[str] = set()
        fresh = []
        for row in rows:
            if row[key] not in present and row[key] not in seen:
                seen.add(row[key])
                fresh.append(row)
        return fresh

    def _trace(self, row: dict, outcome: str, reason: str | None) -> Trace:
        return Trace(
            self.batch_id, self.flow.name, self.flow.partner, IN, outcome, "RECORD", row["result_id"], None,
            payload_hash(row), reason,
        )  # fmt: skip

    def _settle(self, ticket: dict, complete: bool, pending: int) -> None:
        ticket_id, now = ticket["exchange_id"], utcnow()
        if complete:
            with self.hub.begin() as connection:
                connection.execute(
                    update(_pending)
                    .where(_pending.c.id == ticket["id"])
                    .values(status="COMPLETE", completed_at=now, note=_note(ticket, "complete"))
                )
                ledger.append(connection, [self._ticket_trace(ticket_id, "ticket_complete", "all requests answered")])
            self.summary.tickets_complete += 1
            return
        if ticket["status"] == "AWAITING" and now > ticket["due_at"]:
            with self.case_system.begin() as connection:
                connection.execute(
                    update(locate_requests)
                    .where(locate_requests.c.ticket_id == ticket_id, locate_requests.c.status == "SUBMITTED")
                    .values(status="OVERDUE")
                )
            with self.hub.begin() as connection:
                connection.execute(
                    update(_pending).where(_pending.c.id == ticket["id"]).values(status="OVERDUE")
                )  # fmt: skip
                reason = f"{pending} requests unanswered past {ticket['due_at']:%Y-%m-%d %H:%M} UTC"
                ledger.append(connection, [self._ticket_trace(ticket_id, "overdue", reason)])
            log.warning("%s: ticket %s is overdue: %s", self.flow.name, ticket_id, reason)
            self.summary.tickets_overdue += 1


def _note(ticket: dict, state: str) -> str:
    note = json.loads(ticket["note"] or "{}")
    note["state"] = state
    return json.dumps(note)


def status_counts(case_system: Engine) -> dict[str, int]:
    """What officers see: requests by status (PENDING, SUBMITTED, ANSWERED, NOT_FOUND, OVERDUE)."""
    with case_system.connect() as connection:
        rows = connection.execute(
            select(locate_requests.c.status, func.count()).group_by(locate_requests.c.status)
        ).all()  # fmt: skip
    return {status: count for status, count in rows}


def flow_summary(flow_name: str, hub: Engine, case_system: Engine) -> dict:
    """The figures of a public-security flow for a summary table: the last submit and collect batches,
    requests by status (what officers see) and tickets by status (pending_exchanges)."""
    out, inbound = batches.latest(hub, flow_name, "OUT") or {}, batches.latest(hub, flow_name, IN) or {}
    with hub.connect() as connection:
        tickets = dict(
            connection.execute(
                select(_pending.c.status, func.count()).where(_pending.c.flow == flow_name).group_by(_pending.c.status)
            ).all()
        )
    return {
        "flow": flow_name,
        "submitted": {k: out.get(k, 0) for k in ("extracted", "delivered", "duplicates", "quarantined", "rejected")},
        "collected": {k: inbound.get(k, 0) for k in ("extracted", "loaded", "duplicates", "quarantined")},
        "requests": status_counts(case_system),
        "tickets": tickets,
        "ledger_ok": ledger.verify(hub).ok,
    }
