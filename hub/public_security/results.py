"""Fetch answers by ticket, check them as hostile input, load them idempotently, mark overdue tickets.

For every ticket of the flow still AWAITING (or OVERDUE: a late answer is still taken) in
``pending_exchanges``, the ``Fetch*`` operation is called until the partner says the ticket is complete or
the task's wait is over; up to the client's ``pool_size`` tickets are fetched at once (the partner prepares
the next answers while this process loads the current one), and answers are loaded in ticket order.
Each answer is checked by :mod:`.answers` (flattened into results and their
nested rows, mapped back with the partner's inbound mapping, gated with the flow's inbound suites, and
matched to the ticket: a result for a request the hub did not send under that ticket is quarantined,
never loaded). Results and nested rows are loaded by the partner's own ids (a second fetch loads nothing
twice), the requests they answer move to their new status, every result is a ledger entry, and the
flow's post-load hook may raise operator alerts (an interception) in the same hub transaction. A ticket
past its due time becomes OVERDUE, and so do its unanswered requests, which officers see in the case
system. A fetch that fails (fault, refused response, timeout) is a ledger entry
and fails the task; the ticket stays awaited, so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, bindparam, func, insert, or_, select, update

from connectors.soap import SoapPartner
from hub import batches, ledger, quarantine
from hub.alerts import URGENT, raise_alerts
from hub.db.models import LedgerEntry, PendingExchange
from hub.errors import DeliveryError, PartnerResponseRefused
from hub.ledger import Trace, payload_hash, utcnow
from hub.mapping import load_mapping
from hub.public_security.answers import AnswerChecker
from hub.public_security.flows import OPEN_REQUEST_STATUSES, AsyncExchange
from hub.public_security.flows import exchange as flow_exchange
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
    events_loaded: int = 0  # nested rows of every kind (events, vehicles, interceptions)
    nested_loaded: dict = field(default_factory=dict)  # element → rows loaded
    alerts: int = 0
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
    nested_targets = {n.element: mapping.inbound_target(n.target) for n in exchange.nested}
    checker = AnswerChecker(
        exchange,
        mapping.inbound_target(exchange.result_target),
        nested_targets,
        _gate(settings, exchange.inbound_suite, "result_id"),
        {n.element: _gate(settings, n.suite, nested_targets[n.element].key) for n in exchange.nested if n.suite},
    )
    gates = [checker.gate, *checker.nested_gates.values()]
    summary = CollectSummary()
    batch_id = str(uuid.uuid4())
    batches.open_batch(hub, batch_id, flow.name, flow.partner, IN, f"fetch results of open {flow.name} tickets")
    for gate in gates:
        gate.begin(batch_id)
    deadline = time.monotonic() + wait_seconds
    loader = _Loader(exchange, checker, case_system, hub, batch_id, summary)
    try:
        while True:
            with hub.connect() as connection:
                open_tickets = connection.execute(
                    select(_pending)
                    .where(_pending.c.flow == flow.name, _pending.c.status.in_(OPEN_STATUSES))
                    .order_by(_pending.c.id)
                ).mappings().all()  # fmt: skip
            for ticket, answer in _fetched(loader, client, [dict(t) for t in open_tickets]):
                loader.take(ticket, answer)
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
        for gate in gates:
            gate.finish()
    batches.close_batch(hub, batch_id, flow.name, flow.partner, IN, figures=summary.figures())
    return summary


def _fetched(loader: _Loader, client: SoapPartner, tickets: list[dict]) -> Iterator[tuple[dict, dict]]:
    """(ticket, answer) in ticket order, with up to the client's pool size of fetches in flight.

    The partner works on the next answers while this process parses and loads the current one; at most
    ``pool_size`` answers are held at a time. If a fetch fails, the answers before it have been loaded and
    the error is raised; the tickets after it stay awaited (a fetch by ticket can be repeated)."""
    in_flight = max(1, min(client.settings.pool_size, len(tickets)))
    if in_flight == 1:
        for ticket in tickets:
            yield ticket, loader.call(client, ticket)
        return
    with ThreadPoolExecutor(in_flight, thread_name_prefix=f"fetch-{loader.flow.name}") as pool:
        waiting: deque = deque()
        queue = iter(tickets)
        for ticket in queue:
            waiting.append((ticket, pool.submit(loader.call, client, ticket)))
            if len(waiting) == in_flight:
                break
        try:
            while waiting:
                ticket, future = waiting.popleft()
                answer = future.result()
                following = next(queue, None)
                if following is not None:
                    waiting.append((following, pool.submit(loader.call, client, following)))
                yield ticket, answer
        finally:
            for _ticket, future in waiting:
                future.cancel()


def _gate(settings, suite: str, key: str) -> QualityGate:
    # Threshold 1.0: an answer is never refused as a whole, each bad row is quarantined on its own.
    return QualityGate(settings.expectations_dir / f"{suite}.json", key, 1.0, name=suite)


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
    checker: AnswerChecker
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
        """Fetch one ticket's answer and load it."""
        self.take(ticket, self.call(client, ticket))

    def call(self, client: SoapPartner, ticket: dict) -> dict:
        """The partner's answer for ``ticket`` (a failure is a ``fetch_failed`` ledger entry, then raised).

        Safe to run in several threads at once: it only calls the partner and, on failure, appends to the
        ledger (whose head is locked)."""
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
        return answer

    def take(self, ticket: dict, answer: dict) -> None:
        """Load a fetched answer and settle its ticket (complete, still open, or overdue)."""
        ticket_id = ticket["exchange_id"]
        self.summary.tickets_fetched += 1
        submitted = set(json.loads(ticket["note"] or "{}").get("requests", []))
        self._load(ticket_id, answer.get(self.exchange.result_element) or [], submitted)
        self._settle(ticket, bool(answer.get("complete")), int(answer.get("pending") or 0))

    def _load(self, ticket_id: str, results: list[dict], submitted: set[str]) -> None:
        if not results:
            return
        checked = self.checker.check_answer(ticket_id, results, submitted)
        good, now = checked.results, utcnow()
        fresh_nested: dict[str, list[dict]] = {}
        with self.case_system.begin() as connection:
            fresh = self._fresh(connection, self.exchange.result_table, "result_id", good)
            if fresh:
                connection.execute(insert(self.exchange.result_table), [{**row, "loaded_at": now} for row in fresh])
            for nested in self.exchange.nested:
                key = self.checker.nested_targets[nested.element].key
                rows = self._fresh(connection, nested.table, key, checked.nested.get(nested.element, []))
                if rows:
                    connection.execute(insert(nested.table), [{**row, "loaded_at": now} for row in rows])
                fresh_nested[nested.element] = rows
            self._answer_requests(connection, good, now)
        fresh_ids = {row["result_id"] for row in fresh}
        traces = [self._result_trace(row, row["result_id"] in fresh_ids) for row in good]
        every_reason = {**checked.reasons, **checked.nested_reasons}
        traces += [
            Trace(self.batch_id, self.flow.name, self.flow.partner, IN, "quarantined", "RECORD", key, None, None,
                  "; ".join(why))
            for key, why in every_reason.items()
        ]  # fmt: skip
        loaded = Loaded(self.exchange, self.batch_id, ticket_id, fresh, fresh_nested, checked.nested)
        with self.hub.begin() as connection:
            ledger.append(connection, traces)
            quarantine.hold(
                # Under the results feed's own name: a release must never reach the submit run's
                # released-request retry (whose keys are request ids, not the partner's result ids).
                connection, flow=results_feed(self.flow.name), partner=self.flow.partner, batch_id=self.batch_id,
                records=((key, None, record, every_reason[key]) for key, record in checked.held),
            )  # fmt: skip
            if self.exchange.after_load is not None:
                alerts = self.exchange.after_load(loaded, connection)
                raise_alerts(connection, alerts)
                self.summary.alerts += len(alerts)
            self.summary.read += checked.raw_results
            self.summary.loaded += len(fresh)
            self.summary.already_loaded += len(good) - len(fresh)
            self.summary.quarantined += checked.quarantined
            self.summary.events_loaded += sum(len(rows) for rows in fresh_nested.values())
            for element, rows in fresh_nested.items():
                self.summary.nested_loaded[element] = self.summary.nested_loaded.get(element, 0) + len(rows)
            for why in every_reason.values():
                for reason in why:
                    self.summary.quarantine_reasons[reason] = self.summary.quarantine_reasons.get(reason, 0) + 1
            batches.record_progress(connection, self.batch_id, self.summary.figures())

    def _answer_requests(self, connection, good: list[dict], now) -> None:
        """Move each answered request to its new status (never downgrading an answer); with a version
        column, only an answer to the request's current version moves it."""
        exchange, table = self.exchange, self.exchange.request_table
        movable = table.c.status.in_(OPEN_REQUEST_STATUSES)
        rows = [row for row in good if row["status"] in exchange.answered]
        if not rows:
            return
        if not exchange.copy_back and exchange.version_column is None:  # one statement per status
            for status, answered in exchange.answered.items():
                ids = [row["request_id"] for row in rows if row["status"] == status]
                if ids:
                    connection.execute(
                        update(table).where(table.c.id.in_(ids), movable).values(status=answered, answered_at=now)
                    )
            return
        # executemany cannot expand IN (...): the same condition spelled with OR.
        statement = update(table).where(
            table.c.id == bindparam("_id"), or_(*(table.c.status == s for s in OPEN_REQUEST_STATUSES))
        )
        if exchange.version_column is not None:
            statement = statement.where(table.c.version == bindparam("_version"))
        values = {"status": bindparam("_status"), "answered_at": bindparam("_now")}
        values |= {column: bindparam(f"_{column}") for column in exchange.copy_back}
        parameters = [
            {"_id": row["request_id"], "_status": exchange.answered[row["status"]], "_now": now,
             "_version": row.get(exchange.version_column) if exchange.version_column else None,
             **{f"_{column}": row[source] for column, source in exchange.copy_back.items()}}
            for row in rows
        ]  # fmt: skip
        connection.execute(statement.values(values), parameters)

    def _result_trace(self, row: dict, fresh: bool) -> Trace:
        if not fresh:
            return self._trace(row, "already_loaded", "result loaded before: not loaded again")
        special = self.exchange.outcomes.get(row["status"])
        if special is None:
            return self._trace(row, "loaded", None)
        outcome, reason = special
        return self._trace(row, outcome, reason.format(**row))

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
            table = self.exchange.request_table
            with self.case_system.begin() as connection:
                connection.execute(
                    update(table).where(table.c.ticket_id == ticket_id, table.c.status == "SUBMITTED")
                    .values(status="OVERDUE")
                )  # fmt: skip
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


@dataclass(frozen=True)
class Loaded:
    """What one fetched answer loaded, for the flow's post-load hook: the fresh results and nested rows,
    and every nested row that passed (fresh or loaded before: a hook that must act exactly once checks
    the ledger, so that a crash between the two databases' commits loses no alert)."""

    exchange: AsyncExchange
    batch_id: str
    ticket_id: str
    results: list[dict]
    nested: dict[str, list[dict]]  # element → rows loaded now
    passed: dict[str, list[dict]]  # element → rows that passed the checks (loaded now or before)


def status_counts(case_system: Engine, exchange: AsyncExchange | str = "debtor_locate") -> dict[str, int]:
    """What officers see: requests of the flow by status (PENDING, SUBMITTED, answered ones, OVERDUE)."""
    table = (flow_exchange(exchange) if isinstance(exchange, str) else exchange).request_table
    with case_system.connect() as connection:
        rows = connection.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
    return {status: count for status, count in rows}


def outcome_counts(hub: Engine, flow_name: str, outcomes: tuple[str, ...]) -> dict[str, int]:
    """How many ledger entries of the flow have each of ``outcomes`` (e.g. alert_urgent, stale)."""
    entries = LedgerEntry.__table__
    with hub.connect() as connection:
        rows = connection.execute(
            select(entries.c.outcome, func.count())
            .where(entries.c.flow == flow_name, entries.c.outcome.in_(outcomes))
            .group_by(entries.c.outcome)
        ).all()  # fmt: skip
    counts = dict(rows)
    return {outcome: counts.get(outcome, 0) for outcome in outcomes}


def flow_summary(flow_name: str, hub: Engine, case_system: Engine) -> dict:
    """The figures of a public-security flow for a summary table: the last submit and collect batches,
    requests by status (what officers see), tickets by status (pending_exchanges), rows loaded in the
    case system (results and nested rows, all runs) and the flow's alerts and stale answers."""
    spec = flow_exchange(flow_name)
    out, inbound = batches.latest(hub, flow_name, "OUT") or {}, batches.latest(hub, flow_name, IN) or {}
    with hub.connect() as connection:
        tickets = dict(
            connection.execute(
                select(_pending.c.status, func.count()).where(_pending.c.flow == flow_name).group_by(_pending.c.status)
            ).all()
        )
    with case_system.connect() as connection:
        loaded = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (spec.result_table, *(n.table for n in spec.nested))
        }
    return {
        "flow": flow_name,
        "submitted": {k: out.get(k, 0) for k in ("extracted", "delivered", "duplicates", "quarantined", "rejected")},
        "collected": {k: inbound.get(k, 0) for k in ("extracted", "loaded", "duplicates", "quarantined")},
        "requests": status_counts(case_system, spec),
        "tickets": tickets,
        "loaded": loaded,
        "outcomes": outcome_counts(hub, flow_name, (URGENT, *(o for o, _ in spec.outcomes.values()))),
        "ledger_ok": ledger.verify(hub).ok,
    }
