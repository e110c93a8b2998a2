"""Acknowledgements: did the partner accept what it committed?

A DB-link partner acknowledges in its own rows (the 前置库's CLZT); the mapping names the column and its
values. The hub looks up every delivered key still awaiting an answer, records the answer in the ledger
and on the idempotency key, and leaves the rest awaiting (counted, never forgotten) for the next run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, select, update

from connectors.db import DatabaseLink
from hub import ledger
from hub.db.models import Batch, DeliveredKey
from hub.flows import OutboundFlow
from hub.ledger import Trace, utcnow
from hub.mapping import TargetMapping

_keys = DeliveredKey.__table__
_batches = Batch.__table__


@dataclass
class AckSummary:
    accepted: int = 0
    refused: int = 0
    superseded: int = 0
    awaiting: int = 0

    @property
    def acknowledged(self) -> int:
        return self.accepted + self.refused + self.superseded


def _awaiting(hub: Engine, flow: OutboundFlow, limit: int) -> list[tuple[str, int, str]]:
    query = (
        select(_keys.c.record_key, _keys.c.record_version, _keys.c.batch_id)
        .where(_keys.c.flow == flow.name, _keys.c.partner == flow.partner, _keys.c.ack_status.is_(None))
        .limit(limit)
    )
    with hub.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def collect_once(flow: OutboundFlow, target: TargetMapping, partner: DatabaseLink, hub: Engine) -> AckSummary:
    """One pass over all awaited keys; returns what was answered in this pass and what still waits."""
    spec = target.acknowledgement
    summary = AckSummary()
    if not spec:
        return summary
    table = partner.table(target.table)
    seen: set[tuple[str, int]] = set()
    while True:
        awaited = [row for row in _awaiting(hub, flow, 5000) if (row[0], row[1]) not in seen]
        if not awaited:
            break
        seen.update((key, version) for key, version, _ in awaited)
        note_column = table.c[spec["note"]] if spec.get("note") else None
        columns = [table.c[target.key], table.c[target.version], table.c[spec["column"]]]
        if note_column is not None:
            columns.append(note_column)
        with partner.engine.connect() as connection:
            answers = {
                row[0]: row[1:]
                for row in connection.execute(select(*columns).where(table.c[target.key].in_([a[0] for a in awaited])))
            }
        traces, updates = [], []
        now = utcnow()
        for key, version, batch_id in awaited:
            answer = answers.get(key)
            if answer is None:
                summary.awaiting += 1
                continue
            their_version, state, *note = answer
            if their_version > version:
                status, outcome, why = (
                    "SUPERSEDED",
                    "superseded",
                    f"partner holds newer version {their_version}",
                )
                summary.superseded += 1
            elif state == spec["accepted"]:
                status, outcome, why = "ACCEPTED", "acknowledged", None
                summary.accepted += 1
            elif state == spec["refused"]:
                status, outcome, why = "REFUSED", "refused", f"partner refused it: {note[0] if note else ''}"
                summary.refused += 1
            else:
                summary.awaiting += 1
                continue
            updates.append((key, version, status, why))
            traces.append(Trace(batch_id, flow.name, flow.partner, "IN", outcome, "RECORD", key, version, None, why))
        if traces:
            with hub.begin() as connection:
                ledger.append(connection, traces)
                for key, version, status, why in updates:
                    connection.execute(
                        update(_keys)
                        .where(
                            _keys.c.flow == flow.name,
                            _keys.c.partner == flow.partner,
                            _keys.c.record_key == key,
                            _keys.c.record_version == version,
                        )
                        .values(ack_status=status, ack_at=now, ack_note=why)
                    )
                _count_per_batch(connection, [t.batch_id for t in traces])
    return summary


def _count_per_batch(connection, batch_ids: list[str]) -> None:
    for batch_id in set(batch_ids):
        connection.execute(
            update(_batches)
            .where(_batches.c.batch_id == batch_id)
            .values(acknowledged=_batches.c.acknowledged + batch_ids.count(batch_id))
        )


def collect(
    flow: OutboundFlow,
    target: TargetMapping,
    partner: DatabaseLink,
    hub: Engine,
    *,
    wait_seconds: float = 30.0,
    poll_seconds: float = 1.0,
) -> AckSummary:
    """Collect answers, polling up to ``wait_seconds`` while some are still awaited."""
    total = AckSummary()
    deadline = time.monotonic() + wait_seconds
    while True:
        answered = collect_once(flow, target, partner, hub)
        total.accepted += answered.accepted
        total.refused += answered.refused
        total.superseded += answered.superseded
        total.awaiting = answered.awaiting
        if not answered.awaiting or time.monotonic() >= deadline:
            return total
        time.sleep(poll_seconds)
