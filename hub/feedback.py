"""Inbound feeds: rows a partner writes for the courts (joint-punishment feedback, 联合惩戒反馈).

Paged by the partner's (time, key) cursor, mapped with the partner's inbound mapping, checked as hostile
input (the record must exist in the case system and be of the list type it claims), loaded idempotently
by the partner's row id, and traced in the ledger; rows that fail are quarantined with the reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, insert, or_, select

from connectors.db import DatabaseLink
from hub import batches, ledger, quarantine, watermarks
from hub.casesystem import consumption_restrictions, dishonest_entries, joint_punishment_feedback
from hub.flows import InboundFeed
from hub.ledger import Trace, payload_hash, utcnow
from hub.mapping import TargetMapping, to_python_rows

#: The case-system table a feedback row's entry_id must exist in, by canonical list type.
ENTRY_TABLES = {"DISHONEST": dishonest_entries, "RESTRICTION": consumption_restrictions}


@dataclass
class FeedbackSummary:
    read: int = 0
    loaded: int = 0
    already_loaded: int = 0
    quarantined: int = 0

    def figures(self) -> dict:
        """In batch terms: what was read is 'extracted', what reached the case system is 'loaded'."""
        loaded = self.loaded + self.already_loaded
        return {
            "extracted": self.read,
            "loaded": loaded,
            "duplicates": self.already_loaded,
            "quarantined": self.quarantined,
        }


def load(
    feed: InboundFeed,
    target: TargetMapping,
    partner: DatabaseLink,
    case_system: DatabaseLink,
    hub: Engine,
    *,
    chunk_size: int = 5000,
) -> FeedbackSummary:
    summary = FeedbackSummary()
    batch_id = str(uuid.uuid4())
    batches.open_batch(hub, batch_id, feed.name, feed.partner, "IN", f"inbound {target.table} {target.row_filter}")
    try:
        _load_all(feed, target, partner, case_system, hub, batch_id, chunk_size, summary)
    except Exception as error:
        batches.close_batch(
            hub,
            batch_id,
            feed.name,
            feed.partner,
            "IN",
            figures=summary.figures(),
            error=f"{type(error).__name__}: {error}",
        )
        raise
    batches.close_batch(hub, batch_id, feed.name, feed.partner, "IN", figures=summary.figures())
    return summary


def _load_all(feed, target, partner, case_system, hub, batch_id, chunk_size, summary) -> None:
    table = partner.table(target.table)
    time_column, key_column = table.c[target.cursor_time], table.c[target.key]
    with hub.connect() as connection:
        cursor = watermarks.read(connection, feed.name, feed.partner)
    while True:
        query = select(table).where(*(table.c[c] == v for c, v in target.row_filter.items()))
        if cursor.time is not None:
            query = query.where(
                or_(time_column > cursor.time, and_(time_column == cursor.time, key_column > cursor.key))
            )
        with partner.engine.connect() as connection:
            result = connection.execute(query.order_by(time_column, key_column).limit(chunk_size))
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        if frame.empty:
            return
        last = frame.iloc[-1]
        cursor = watermarks.Cursor(pd.Timestamp(last[target.cursor_time]).to_pydatetime(), str(last[target.key]))
        _load_chunk(feed, target, frame, case_system, hub, batch_id, cursor, summary)
        if len(frame) < chunk_size:
            return


def _load_chunk(
    feed: InboundFeed,
    target: TargetMapping,
    frame: pd.DataFrame,
    case_system: DatabaseLink,
    hub: Engine,
    batch_id: str,
    cursor: watermarks.Cursor,
    summary: FeedbackSummary,
) -> None:
    mapped, errors = target.apply(frame)
    reasons: dict[str, list[str]] = {
        str(frame.at[index, target.key]): [f"mapping: {e}" for e in why] for index, why in errors.items()
    }
    rows = to_python_rows(mapped)
    for row in rows:
        row["feedback_id"] = str(row["feedback_id"])
    good: list[dict] = []
    with case_system.engine.begin() as connection:
        problems = _entry_problems(connection, rows)
        for row in rows:
            if row["feedback_id"] in problems:
                reasons[row["feedback_id"]] = [problems[row["feedback_id"]]]
            else:
                good.append(row)
        ids = [row["feedback_id"] for row in good]
        loaded_before = select(joint_punishment_feedback.c.feedback_id).where(
            joint_punishment_feedback.c.feedback_id.in_(ids)
        )
        present = set(connection.execute(loaded_before).scalars()) if ids else set()
        fresh = [{**row, "loaded_at": utcnow()} for row in good if row["feedback_id"] not in present]
        if fresh:
            connection.execute(insert(joint_punishment_feedback), fresh)
    traces = [_trace(feed, batch_id, row, "loaded") for row in fresh]
    traces += [
        _trace(feed, batch_id, row, "already_loaded", "feedback row loaded before")
        for row in good
        if row["feedback_id"] in present
    ]
    traces += [
        Trace(batch_id, feed.name, feed.partner, "IN", "quarantined", "RECORD", key, None, None, "; ".join(why))
        for key, why in reasons.items()
    ]
    raw = frame.assign(_key=frame[target.key].astype(str))
    with hub.begin() as connection:
        ledger.append(connection, traces)
        quarantine.hold(
            connection,
            flow=feed.name,
            partner=feed.partner,
            batch_id=batch_id,
            records=(
                (key, None, record, reasons[key])
                for key, record in zip(raw["_key"], raw.drop(columns="_key").to_dict("records"), strict=True)
                if key in reasons
            ),
        )
        watermarks.write(connection, feed.name, feed.partner, cursor)
        summary.read += len(frame)
        summary.loaded += len(fresh)
        summary.already_loaded += len(good) - len(fresh)
        summary.quarantined += len(reasons)
        batches.record_progress(connection, batch_id, summary.figures())


def _entry_problems(connection, rows: list[dict]) -> dict[str, str]:
    """Hostile-input check, one query per list type: each entry the partner names must exist in the case
    system, as the list type it claims. Returns feedback id → problem; valid rows get an int entry_id."""
    problems: dict[str, str] = {}
    wanted: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("list_type") not in ENTRY_TABLES:
            problems[row["feedback_id"]] = f"unknown list type {row.get('list_type')!r}"
            continue
        try:
            row["entry_id"] = int(str(row["entry_id"]))
        except (TypeError, ValueError):
            problems[row["feedback_id"]] = f"record id {row.get('entry_id')!r} is not a case-system id"
            continue
        wanted.setdefault(row["list_type"], []).append(row)
    for list_type, typed_rows in wanted.items():
        table = ENTRY_TABLES[list_type]
        ids = sorted({row["entry_id"] for row in typed_rows})
        known = set(connection.execute(select(table.c.id).where(table.c.id.in_(ids))).scalars())
        for row in typed_rows:
            if row["entry_id"] not in known:
                problems[row["feedback_id"]] = f"no {list_type.lower()} record {row['entry_id']} in the case system"
    return problems


def _trace(feed: InboundFeed, batch_id: str, row: dict, outcome: str, reason: str | None = None) -> Trace:
    return Trace(
        batch_id,
        feed.name,
        feed.partner,
        "IN",
        outcome,
        "RECORD",
        row["feedback_id"],
        None,
        payload_hash(row),
        reason,
    )
