"""The exchange ledger: every batch and record the hub moves, hash-chained so tampering shows.

Each entry carries the hash of the entry before it (``prev_hash``) and its own hash over its fields and
``prev_hash``. ``ledger_head`` holds the tip; appenders lock it, so concurrent flows form one chain.
:func:`verify` walks the chain and names the first entry that was altered, removed or reordered.
Appends take a connection so that they commit in the same transaction as the state they describe
(watermark, idempotency keys, quarantine).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select, update

from hub.db.models import LedgerEntry, LedgerHead
from hub.errors import LedgerError

GENESIS_HASH = "0" * 64

_entries = LedgerEntry.__table__
_head = LedgerHead.__table__


def utcnow() -> datetime:
    """Naive UTC with microseconds: the one time form the hub stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def payload_hash(payload: dict) -> str:
    """SHA-256 of a record's canonical JSON (sorted keys, no spaces): what the partner received."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Trace:
    """What happened to one batch or record; the ledger adds sequence, time and hashes."""

    batch_id: str
    flow: str
    partner: str
    direction: str
    outcome: str
    kind: str = "RECORD"
    record_key: str | None = None
    record_version: int | None = None
    payload_hash: str | None = None
    reason: str | None = None


def _entry_hash(prev_hash: str, values: dict) -> str:
    fields = (
        values["seq"],
        values["batch_id"],
        values["flow"],
        values["partner"],
        values["direction"],
        values["kind"],
        values["record_key"] or "",
        "" if values["record_version"] is None else values["record_version"],
        values["payload_hash"] or "",
        values["outcome"],
        values["reason"] or "",
        values["recorded_at"].strftime("%Y-%m-%dT%H:%M:%S.%f"),
    )
    text = prev_hash + "\x1f" + "\x1f".join(str(f) for f in fields)
    return hashlib.sha256(text.encode()).hexdigest()


def append(connection: Connection, traces: Sequence[Trace]) -> int:
    """Append ``traces`` to the chain inside the caller's transaction; return the last sequence number."""
    if not traces:
        return 0
    # Take the write lock first (an UPDATE locks the row on MySQL and the database on SQLite), then read.
    locked = connection.execute(update(_head).where(_head.c.id == 1).values(last_seq=_head.c.last_seq))
    if locked.rowcount == 0:
        raise LedgerError("the ledger's head row is missing (the migration creates it): run `hub ledger verify`")
    last_seq, prev_hash = connection.execute(select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == 1)).one()
    now = utcnow()
    rows = []
    for trace in traces:
        last_seq += 1
        values = {
            "seq": last_seq,
            "batch_id": trace.batch_id,
            "flow": trace.flow,
            "partner": trace.partner,
            "direction": trace.direction,
            "kind": trace.kind,
            "record_key": trace.record_key,
            "record_version": trace.record_version,
            "payload_hash": trace.payload_hash,
            "outcome": trace.outcome,
            "reason": trace.reason,
            "recorded_at": now,
            "prev_hash": prev_hash,
        }
        prev_hash = values["entry_hash"] = _entry_hash(prev_hash, values)
        rows.append(values)
    connection.execute(insert(_entries), rows)
    connection.execute(update(_head).where(_head.c.id == 1).values(last_seq=last_seq, last_hash=prev_hash))
    return last_seq


@dataclass
class Verification:
    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    last_seq: int = 0
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.ok:
            return f"ledger verified: {self.entries_checked} entries, chain intact up to #{self.last_seq}"
        return f"ledger BROKEN at entry #{self.first_bad_seq}: {self.problem}"


def verify(engine: Engine, *, chunk: int = 10_000) -> Verification:
    """Walk the whole chain in sequence order; stop at the first entry that does not hold."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=chunk).execute(select(_entries).order_by(_entries.c.seq))
        for row in result.mappings():
            values = dict(row)
            seq = values["seq"]
            if seq != expected_seq:
                problem = f"expected entry #{expected_seq} next but found #{seq}: entries removed or reordered"
                return Verification(False, checked, expected_seq, problem)
            if values["prev_hash"] != expected_prev:
                problem = "prev_hash does not match the entry before it: an entry was removed or reordered"
                return Verification(False, checked, seq, problem)
            recomputed = _entry_hash(values["prev_hash"], values)
            if recomputed != values["entry_hash"]:
                return Verification(False, checked, seq, "contents changed after it was written (hash mismatch)")
            expected_prev, expected_seq, checked = values["entry_hash"], seq + 1, checked + 1
        head = connection.execute(select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == 1)).first()
    last_seq = expected_seq - 1
    if head is None and checked == 0:
        return Verification(True, 0, last_seq=0)
    if head is None or head.last_seq != last_seq or head.last_hash != expected_prev:
        tip = "missing" if head is None else f"#{head.last_seq}"
        problem = f"the chain ends at #{last_seq} but the recorded tip is {tip}: entries removed from the end"
        return Verification(False, checked, last_seq + 1, problem, last_seq)
    return Verification(True, checked, last_seq=last_seq)


def entries(
    engine: Engine,
    *,
    flow: str | None = None,
    batch_id: str | None = None,
    record_key: str | None = None,
    limit: int = 50,
) -> Iterator[dict]:
    """The newest ``limit`` entries matching the filters, oldest first."""
    query = select(_entries)
    if flow:
        query = query.where(_entries.c.flow == flow)
    if batch_id:
        query = query.where(_entries.c.batch_id == batch_id)
    if record_key:
        query = query.where(_entries.c.record_key == record_key)
    query = query.order_by(_entries.c.seq.desc()).limit(limit)
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(query).mappings()]
    return iter(reversed(rows))


def batch_trace(
    batch_id: str, flow: str, partner: str, direction: str, outcome: str, reason: str | None = None
) -> Trace:
    return Trace(batch_id, flow, partner, direction, outcome, kind="BATCH", reason=reason)


def record_traces(
    batch_id: str, flow: str, partner: str, direction: str, outcome: str, records: Iterable[tuple]
) -> list[Trace]:
    """Traces for ``records`` given as (key, version, payload_hash, reason) tuples."""
    return [
        Trace(batch_id, flow, partner, direction, outcome, "RECORD", key, version, phash, reason)
        for key, version, phash, reason in records
    ]
