"""Batch bookkeeping: one row per run of a flow or feed, opened and closed with a ledger entry."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import Engine, insert, select, update

from hub import ledger
from hub.db.models import Batch
from hub.ledger import utcnow

_batches = Batch.__table__
COUNTERS = ("extracted", "delivered", "duplicates", "quarantined", "rejected", "acknowledged", "loaded")


def counts(figures: dict, reasons: Counter | None = None) -> dict:
    values = {name: int(figures.get(name, 0)) for name in COUNTERS}
    values["quarantine_reasons"] = json.dumps(dict(reasons or {}), ensure_ascii=False)
    return values


def open_batch(hub: Engine, batch_id: str, flow: str, partner: str, direction: str, reason: str) -> None:
    with hub.begin() as connection:
        connection.execute(
            insert(_batches).values(
                batch_id=batch_id,
                flow=flow,
                partner=partner,
                direction=direction,
                status="RUNNING",
                started_at=utcnow(),
                **counts({}),
            )
        )
        ledger.append(connection, [ledger.batch_trace(batch_id, flow, partner, direction, "started", reason)])


def record_progress(connection, batch_id: str, figures: dict, reasons: Counter | None = None) -> None:
    """Update the batch's figures inside the caller's transaction (with the chunk they describe)."""
    values = {k: v for k, v in counts(figures, reasons).items() if k in figures or k == "quarantine_reasons"}
    connection.execute(update(_batches).where(_batches.c.batch_id == batch_id).values(**values))


def close_batch(
    hub: Engine,
    batch_id: str,
    flow: str,
    partner: str,
    direction: str,
    *,
    figures: dict,
    reasons: Counter | None = None,
    error: str | None = None,
) -> None:
    text = " ".join(f"{name}={figures[name]}" for name in COUNTERS if name in figures)
    with hub.begin() as connection:
        values = {k: v for k, v in counts(figures, reasons).items() if k in figures or k == "quarantine_reasons"}
        connection.execute(
            update(_batches)
            .where(_batches.c.batch_id == batch_id)
            .values(status="FAILED" if error else "SUCCEEDED", finished_at=utcnow(), error=error, **values)
        )
        outcome, reason = ("failed", f"{error}; {text}") if error else ("completed", text)
        ledger.append(connection, [ledger.batch_trace(batch_id, flow, partner, direction, outcome, reason)])


def latest(hub: Engine, flow: str, direction: str | None = None) -> dict | None:
    query = select(_batches).where(_batches.c.flow == flow).order_by(_batches.c.started_at.desc()).limit(1)
    if direction:
        query = query.where(_batches.c.direction == direction)
    with hub.connect() as connection:
        row = connection.execute(query).mappings().first()
    return dict(row) if row else None
