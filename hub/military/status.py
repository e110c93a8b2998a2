"""Status changes both ways, once and in order; backwards changes refused; conflicts resolved by a rule.

Who may change what (the handling side owns progress; the requesting side may only withdraw):

* Ningxia's requests (direction OUT): the military court handles them and sets ACCEPTED, IN_PROGRESS,
  DONE or REFUSED; Ningxia may only set WITHDRAWN.
* The court's requests (direction IN): Ningxia handles them and sets the progress; the court may only
  withdraw.

Every change of a request has a number (``seq``: 1, 2, ...), whichever side made it, one more than the
change it was based on. A change is applied only if its number is higher than the request's last one and
its status does not go backwards (a lower rank, or out of DONE/REFUSED/WITHDRAWN): otherwise it is
refused, quarantined and in the ledger. **Conflict**: both sides made a change with the same number
(both changed the request since they last agreed). Rule: the handling side's change stands; the
requesting side's withdrawal is dropped (its row stays, outcome SUPERSEDED); the requester may withdraw
again afterwards if the request is still open. Every conflict is a ``conflict`` ledger entry and an
operator alert. The sandbox court applies the same rule, so both sides end in the same state.

:func:`sync_statuses` first pulls the court's changes (feed after the ``military_court_status``
watermark), then pushes Ningxia's unreported changes (``reported_at`` null): a change reaches the other
side once, in order, and a second sync with nothing new sends and loads nothing.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy import Engine, and_, insert, select, update

from connectors.soap import SoapPartner
from hub import alerts, batches, ledger, policy, quarantine, watermarks
from hub.casesystem import military_incoming_requests, military_outgoing_requests, military_status_history
from hub.errors import HubError
from hub.ledger import Trace, utcnow
from hub.mapping import load_mapping, to_python_rows
from hub.military.flows import PAGE_SIZE, PARTNER, STATUS
from hub.military.incoming import read_cursor
from hub.military.transport import flatten, items
from hub.settings import get_settings

log = logging.getLogger(__name__)
_history = military_status_history
#: How far along a status is; a change to a lower rank, or out of a terminal status, goes backwards.
RANK = {"PENDING": 0, "SUBMITTED": 0, "ACCEPTED": 1, "IN_PROGRESS": 2, "DONE": 3, "REFUSED": 3, "WITHDRAWN": 3}
TERMINAL = ("DONE", "REFUSED", "WITHDRAWN")
PROGRESS = ("ACCEPTED", "IN_PROGRESS", "DONE", "REFUSED")
#: direction → the side that handles the request (owns progress) and the side that made it (may withdraw).
HANDLER = {"OUT": "MILITARY", "IN": "NINGXIA"}


class StatusChangeRefused(HubError):
    """A status change breaks the rules (wrong side, backwards, unknown request); the message names it."""


def _table(direction: str):
    return military_outgoing_requests if direction == "OUT" else military_incoming_requests


def _where(direction: str, key: str):
    if direction == "OUT":
        return military_outgoing_requests.c.id == int(key)
    return military_incoming_requests.c.partner_request_id == key


def describe(direction: str, key: str) -> str:
    return f"Ningxia's request {key}" if direction == "OUT" else f"the military court's request {key}"


def check_change(direction: str, key: str, side: str, status: str, current: str | None) -> str | None:
    """Why ``side`` may not move the request from ``current`` to ``status`` (None: it may)."""
    if current is None:
        return f"{describe(direction, key)} is not in the case system"
    allowed = PROGRESS if HANDLER[direction] == side else ("WITHDRAWN",)
    if status not in allowed:
        role = "handling" if HANDLER[direction] == side else "requesting"
        return f"{describe(direction, key)}: the {role} side ({side}) may not set {status}"
    if current in TERMINAL or RANK[status] < RANK[current]:
        return f"{describe(direction, key)}: {current} → {status} goes backwards"
    return None


def record_local_change(case_system: Engine, direction: str, key: str, status: str, reason: str | None = None) -> int:
    """An officer's change of a request (Ningxia's side): checked, numbered, queued for the court.

    Raises StatusChangeRefused naming the request when the change breaks the rules; returns its number."""
    now = utcnow()
    table = _table(direction)
    with case_system.begin() as connection:
        row = connection.execute(select(table.c.status, table.c.status_seq).where(_where(direction, key))).first()
        problem = check_change(direction, key, "NINGXIA", status, row.status if row else None)
        if problem:
            raise StatusChangeRefused(problem)
        if direction == "OUT" and row.status == "PENDING":
            raise StatusChangeRefused(f"{describe(direction, key)} was never sent: change it in the case system")
        seq = row.status_seq + 1
        connection.execute(insert(_history).values(
            direction=direction, request_key=key, seq=seq, status=status, reason=reason, changed_by="NINGXIA",
            changed_at=now, recorded_at=now))  # fmt: skip
        connection.execute(update(table).where(_where(direction, key)).values(
            status=status, status_seq=seq, status_reason=reason, status_at=now))  # fmt: skip
    return seq


@dataclass
class SyncSummary:
    pulled: int = 0
    applied: int = 0
    already_applied: int = 0
    quarantined: int = 0
    conflicts: int = 0
    pushed: int = 0
    reported: int = 0
    report_refused: int = 0
    last_sequence: int = 0

    def figures(self) -> dict:
        return {"extracted": self.pulled + self.pushed, "loaded": self.applied + self.already_applied,
                "delivered": self.reported, "duplicates": self.already_applied,
                "quarantined": self.quarantined, "rejected": self.report_refused}  # fmt: skip

    def as_dict(self) -> dict:
        return asdict(self)


def sync_statuses(client: SoapPartner, case_system: Engine, hub: Engine) -> SyncSummary:
    """Pull the court's status changes, then push Ningxia's; returns the figures."""
    summary = SyncSummary(last_sequence=read_cursor(hub, STATUS))
    batch_id = str(uuid.uuid4())
    batches.open_batch(hub, batch_id, STATUS, PARTNER, "BOTH", f"status changes after {summary.last_sequence}")
    mapping = load_mapping(get_settings().mappings_dir / f"{PARTNER}.yaml")
    try:
        _pull(client, mapping.inbound_target("status_change"), case_system, hub, batch_id, summary)
        _push(client, mapping.target("status_report"), case_system, hub, batch_id, summary)
    except Exception as error:
        batches.close_batch(hub, batch_id, STATUS, PARTNER, "BOTH", figures=summary.figures(),
                            error=f"{type(error).__name__}: {error}")  # fmt: skip
        raise
    batches.close_batch(hub, batch_id, STATUS, PARTNER, "BOTH", figures=summary.figures())
    return summary


# -- pull: the court's changes ---------------------------------------------------------------------------
def _pull(client: SoapPartner, target, case_system: Engine, hub: Engine, batch_id: str, summary: SyncSummary) -> None:
    while True:
        after = summary.last_sequence
        answer = client.call("FetchStatusChanges", request_ids=[f"after {after}"], afterSequence=after,
                             maxCount=PAGE_SIZE)  # fmt: skip
        page = [flatten(item) for item in items(answer, "change")]
        last = int(answer.get("lastSequence") or after)
        traces, held, raised = [], [], []
        if page:
            frame = pd.DataFrame(page)
            mapped, errors = target.apply(frame)
            for index, why in errors.items():
                item = page[frame.index.get_loc(index)]
                reason = "; ".join(f"mapping: {e}" for e in why)
                traces.append(
                    _trace(batch_id, "IN", "quarantined", str(item.get("requestId")), item.get("seq"), reason)
                )
                held.append((str(item.get("requestId")), item.get("seq"), item, [reason]))
            with case_system.begin() as connection:
                for change in to_python_rows(mapped.sort_values("feed_sequence")):
                    _apply_remote(connection, change, batch_id, summary, traces, held, raised)
        with hub.begin() as connection:
            ledger.append(connection, traces)
            quarantine.hold(connection, flow=STATUS, partner=PARTNER, batch_id=batch_id, records=held)
            alerts.raise_alerts(connection, raised)
            if last > summary.last_sequence:
                watermarks.write(connection, STATUS, PARTNER, watermarks.Cursor(utcnow(), str(last)))
            summary.pulled += len(page)
            summary.quarantined += len(held)
            summary.last_sequence = max(summary.last_sequence, last)
            batches.record_progress(connection, batch_id, summary.figures())
        if not answer.get("more") or last <= after:
            return


def _apply_remote(connection, change: dict, batch_id, summary: SyncSummary, traces, held, raised) -> None:
    """One change from the court, checked against the request's state in the case system."""
    direction, key, seq, status = change["direction"], str(change["request_key"]), int(change["seq"]), change["status"]
    reason, now = change.get("reason"), utcnow()
    table = _table(direction)

    def hold(why: str) -> None:
        traces.append(
            _trace(batch_id, "IN", "quarantined", key, seq, f"{describe(direction, key)}, change {seq}: {why}")
        )
        held.append((key, seq, change, [why]))
        log.warning("%s: %s, change %s (%s) refused: %s", STATUS, describe(direction, key), seq, status, why)

    if direction == "OUT" and not key.isdigit():
        return hold(f"request id {key!r} is not one of Ningxia's request ids")
    row = connection.execute(select(table.c.status, table.c.status_seq).where(_where(direction, key))).first()
    same_number = connection.execute(
        select(_history).where(_history.c.direction == direction, _history.c.request_key == key, _history.c.seq == seq)
    ).mappings().all()  # fmt: skip
    theirs = [r for r in same_number if r["changed_by"] == "MILITARY"]
    ours = [r for r in same_number if r["changed_by"] == "NINGXIA"]
    if theirs:
        if theirs[0]["status"] == status:
            summary.already_applied += 1
            traces.append(_trace(batch_id, "IN", "already_applied", key, seq, "change applied before: not again"))
            return None
        return hold(f"contradicts the court's own change {seq} ({theirs[0]['status']}) applied before")
    if row is None:
        return hold(f"{describe(direction, key)} is not in the case system")
    if ours and ours[0]["outcome"] in (None, "REFUSED"):
        return _conflict(connection, change, ours[0], row, batch_id, summary, traces, raised)
    if seq <= row.status_seq:
        return hold(f"out of order: the request is already at change {row.status_seq}")
    problem = check_change(direction, key, "MILITARY", status, row.status)
    if problem:
        return hold(problem)
    connection.execute(insert(_history).values(
        direction=direction, request_key=key, seq=seq, status=status, reason=reason, changed_by="MILITARY",
        changed_at=change["changed_at"], recorded_at=now))  # fmt: skip
    connection.execute(update(table).where(_where(direction, key)).values(
        status=status, status_seq=seq, status_reason=reason, status_at=change["changed_at"]))  # fmt: skip
    summary.applied += 1
    traces.append(_trace(batch_id, "IN", "status_applied", key, seq, f"{row.status} → {status}"))
    return None


def _conflict(connection, change: dict, ours: dict, row, batch_id, summary: SyncSummary, traces, raised) -> None:
    """Both sides changed the request at the same number: the handling side's change stands."""
    direction, key, seq, status = change["direction"], str(change["request_key"]), int(change["seq"]), change["status"]
    now, table = utcnow(), _table(direction)
    if HANDLER[direction] == "MILITARY":  # the court handles it: its change stands, our withdrawal is dropped
        connection.execute(update(_history).where(_history.c.id == ours["id"]).values(outcome="SUPERSEDED"))
        connection.execute(insert(_history).values(
            direction=direction, request_key=key, seq=seq, status=status, reason=change.get("reason"),
            changed_by="MILITARY", changed_at=change["changed_at"], recorded_at=now))  # fmt: skip
        if row.status_seq <= seq:
            connection.execute(
                update(table)
                .where(_where(direction, key))
                .values(
                    status=status, status_seq=seq, status_reason=change.get("reason"), status_at=change["changed_at"]
                )
            )
        kept, dropped = f"the military court's {status}", f"Ningxia's {ours['status']}"
    else:  # Ningxia handles it: our change stands (and is still reported), the court's withdrawal is dropped
        connection.execute(
            insert(_history).values(
                direction=direction,
                request_key=key,
                seq=seq,
                status=status,
                reason=change.get("reason"),
                changed_by="MILITARY",
                changed_at=change["changed_at"],
                recorded_at=now,
                outcome="SUPERSEDED",
            )
        )
        kept, dropped = f"Ningxia's {ours['status']}", f"the military court's {status}"
    message = (f"conflict on {describe(direction, key)}, change {seq}: both sides changed it; the handling side's "
               f"change stands: kept {kept}, dropped {dropped}" + (
                   "; withdraw again if still wanted" if HANDLER[direction] == "MILITARY" else ""))  # fmt: skip
    summary.conflicts += 1
    traces.append(_trace(batch_id, "IN", "conflict", key, seq, message))
    raised.append(alerts.Alert(STATUS, PARTNER, "IN", batch_id, key, message))
    log.warning("%s: %s", STATUS, message)


# -- push: Ningxia's changes -----------------------------------------------------------------------------
def _push(client: SoapPartner, target, case_system: Engine, hub: Engine, batch_id: str, summary: SyncSummary) -> None:
    violations = policy.policy_for(PARTNER).check_target(target, f"{STATUS}: targets.{target.record_type}")
    if violations:  # deny by default: nothing is sent the partner's policy does not allow
        raise StatusChangeRefused("; ".join(str(v) for v in violations))
    unreported = and_(
        _history.c.changed_by == "NINGXIA", _history.c.reported_at.is_(None), _history.c.outcome.is_(None)
    )
    while True:
        with case_system.connect() as connection:
            rows = connection.execute(
                select(_history).where(unreported).order_by(_history.c.id).limit(PAGE_SIZE)
            ).mappings().all()  # fmt: skip
        if not rows:
            return
        frame = pd.DataFrame([dict(r) for r in rows])
        mapped, errors = target.apply(frame)
        if errors:  # a code the mapping cannot express: a configuration error, nothing is sent
            raise StatusChangeRefused(f"status changes cannot be mapped: {errors}")
        changes = [{k: v for k, v in change.items() if v is not None} for change in to_python_rows(mapped)]
        keys = [f"{r['request_key']}#{r['seq']}" for r in rows]
        answer = client.call("ReportStatusChanges", request_ids=keys, change=changes)
        receipts = {(str(r["requestId"]), int(r["seq"])): r for r in items(answer, "receipt")}
        now = utcnow()
        traces, raised = [], []
        with case_system.begin() as connection:
            for row in rows:
                key, seq = row["request_key"], row["seq"]
                receipt = receipts.get((key, seq))
                if receipt is None:
                    raise StatusChangeRefused(f"the court sent no receipt for {describe(row['direction'], key)}, "
                                              f"change {seq}: nothing marked reported")  # fmt: skip
                if receipt["result"] in ("APPLIED", "ALREADY_APPLIED"):
                    connection.execute(update(_history).where(_history.c.id == row["id"]).values(reported_at=now))
                    summary.reported += 1
                    outcome = "reported" if receipt["result"] == "APPLIED" else "already_reported"
                    traces.append(_trace(batch_id, "OUT", outcome, key, seq, receipt.get("reason")))
                    continue
                connection.execute(update(_history).where(_history.c.id == row["id"]).values(outcome="REFUSED"))
                why = receipt.get("reason") or "no reason given"
                message = (
                    f"{describe(row['direction'], key)}, change {seq} ({row['status']}) refused by the court: {why}"
                )
                summary.report_refused += 1
                traces.append(_trace(batch_id, "OUT", "report_refused", key, seq, message))
                raised.append(alerts.Alert(STATUS, PARTNER, "OUT", batch_id, key, message))
        with hub.begin() as connection:
            ledger.append(connection, traces)
            alerts.raise_alerts(connection, raised)
            summary.pushed += len(rows)
            batches.record_progress(connection, batch_id, summary.figures())


def _trace(batch_id: str, direction: str, outcome: str, key: str, seq, reason: str | None) -> Trace:
    version = int(seq) if seq is not None and str(seq).isdigit() else None
    return Trace(batch_id, STATUS, PARTNER, direction, outcome, "RECORD", key, version, None, reason)
