"""Quarantine: records held back from a flow, with every reason, until an operator acts.

Nothing is dropped silently: a record enters quarantine in the same hub transaction as its ledger entry,
and leaves only by an operator's release or drop (with a recorded note), itself a ledger entry. A
released record goes through its flow again on the next run: the current version is read from the
source by key and gated, mapped and delivered like any other (statuses HELD → RELEASED → RETRIED).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, func, select, update

from connectors import bulk
from hub import ledger
from hub.db.models import LedgerEntry, QuarantinedRecord
from hub.errors import HubError
from hub.ledger import utcnow

_table = QuarantinedRecord.__table__


class QuarantineError(HubError):
    """An operator's quarantine command cannot be carried out; the message says why."""


def hold(
    connection: Connection,
    *,
    flow: str,
    partner: str,
    batch_id: str,
    records: Iterable[tuple[str, int | None, dict, list[str]]],
) -> int:
    """Quarantine ``records`` given as (key, version, canonical payload, reasons); return how many.

    Written by column in bulk (``LOAD DATA`` where the connection allows it, else one multi-row INSERT).
    """
    held = list(records)
    if not held:
        return 0
    count = len(held)
    keys, versions, payloads, reasons = zip(*held, strict=True)
    bulk.insert_rows(
        connection,
        _table,
        {
            "flow": [flow] * count,
            "partner": [partner] * count,
            "batch_id": [batch_id] * count,
            "record_key": list(keys),
            "record_version": list(versions),
            "payload": [json.dumps(p, ensure_ascii=False, default=str, sort_keys=True) for p in payloads],
            "reasons": [json.dumps(r, ensure_ascii=False) for r in reasons],
            "status": ["HELD"] * count,
            "created_at": [utcnow()] * count,
        },
    )
    return count


def _masked(payload: dict) -> dict:
    """What an operator sees: resident IDs masked (PIPL: mask on display)."""
    from hub.identifiers import ric

    shown = dict(payload)
    for field in ("id_number", "ZJHM"):
        value = shown.get(field)
        if isinstance(value, str) and payload.get("id_type", "RIC") == "RIC" and len(value.strip()) >= 15:
            shown[field] = ric.mask(value.strip())
    return shown


def records(engine: Engine, *, flow: str | None = None, status: str | None = "HELD", limit: int = 50) -> list[dict]:
    """Quarantined records, newest first, with reasons decoded and ID numbers masked."""
    query = select(_table).order_by(_table.c.id.desc()).limit(limit)
    if flow:
        query = query.where(_table.c.flow == flow)
    if status:
        query = query.where(_table.c.status == status)
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    for row in rows:
        row["reasons"] = json.loads(row["reasons"])
        row["payload"] = _masked(json.loads(row["payload"]))
    return rows


def record(engine: Engine, quarantine_id: int) -> dict:
    """One quarantined record, whatever its status, reasons decoded and ID numbers masked."""
    query = select(_table).where(_table.c.id == quarantine_id)
    with engine.connect() as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        raise QuarantineError(f"no quarantined record #{quarantine_id}; `hub quarantine list` shows them")
    found = dict(row)
    found["reasons"] = json.loads(found["reasons"])
    found["payload"] = _masked(json.loads(found["payload"]))
    return found


def resolve(engine: Engine, quarantine_id: int, *, action: str, note: str) -> dict:
    """Release (back into its flow on the next run) or drop (with a reason) one held record.

    Both leave a ledger entry, in the same transaction as the status change.
    """
    if action not in ("release", "drop"):
        raise ValueError(action)
    status = {"release": "RELEASED", "drop": "DROPPED"}[action]
    with engine.begin() as connection:
        row = connection.execute(select(_table).where(_table.c.id == quarantine_id)).mappings().first()
        if row is None:
            raise QuarantineError(f"no quarantined record #{quarantine_id}; `hub quarantine list` shows them")
        if row["status"] != "HELD":
            raise QuarantineError(
                f"quarantined record #{quarantine_id} ({row['flow']} {row['record_key']}) is {row['status']}, "
                "not HELD: nothing to do"
            )
        connection.execute(
            update(_table)
            .where(_table.c.id == quarantine_id)
            .values(status=status, resolved_at=utcnow(), resolution_note=note)
        )
        trace = ledger.Trace(
            batch_id=row["batch_id"],
            flow=row["flow"],
            partner=row["partner"],
            direction=_direction_held(connection, row),
            outcome=status.lower(),
            record_key=row["record_key"],
            record_version=row["record_version"],
            reason=f"quarantine #{quarantine_id} {status.lower()} by operator: {note}",
        )
        ledger.append(connection, [trace])
    return {**dict(row), "status": status}


def _direction_held(connection: Connection, row) -> str:
    """The direction the record was travelling when it was quarantined, as the ledger recorded it."""
    entries = LedgerEntry.__table__
    direction = connection.execute(
        select(entries.c.direction)
        .where(
            entries.c.flow == row["flow"], entries.c.record_key == row["record_key"], entries.c.outcome == "quarantined"
        )
        .order_by(entries.c.seq.desc())
        .limit(1)
    ).scalar()
    return direction or "OUT"


def released_keys(connection: Connection, flow: str, partner: str) -> dict[str, int]:
    """Records an operator released for ``flow``: record key → quarantine id, for the next run to retry."""
    rows = connection.execute(
        select(_table.c.record_key, _table.c.id).where(
            _table.c.flow == flow, _table.c.partner == partner, _table.c.status == "RELEASED"
        )
    )
    return {key: quarantine_id for key, quarantine_id in rows}


def mark_retried(connection: Connection, quarantine_ids: Iterable[int], batch_id: str) -> None:
    """The released records went through their flow again in ``batch_id`` (their fate is in the ledger)."""
    ids = list(quarantine_ids)
    if ids:
        connection.execute(
            update(_table)
            .where(_table.c.id.in_(ids))
            .values(status="RETRIED", resolution_note=func.concat(_table.c.resolution_note, f"; retried in {batch_id}"))
        )
