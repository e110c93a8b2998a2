"""Quarantine: records held back from a flow, with every reason, until an operator acts.

Nothing is dropped silently: a record enters quarantine in the same hub transaction as its ledger entry,
and leaves only by an operator's release (back into its flow) or drop (with a recorded reason).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import Connection, insert

from hub.db.models import QuarantinedRecord
from hub.ledger import utcnow

_table = QuarantinedRecord.__table__


def hold(
    connection: Connection,
    *,
    flow: str,
    partner: str,
    batch_id: str,
    records: Iterable[tuple[str, int | None, dict, list[str]]],
) -> int:
    """Quarantine ``records`` given as (key, version, canonical payload, reasons); return how many."""
    now = utcnow()
    rows = [
        {
            "flow": flow,
            "partner": partner,
            "batch_id": batch_id,
            "record_key": key,
            "record_version": version,
            "payload": json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
            "reasons": json.dumps(reasons, ensure_ascii=False),
            "status": "HELD",
            "created_at": now,
        }
        for key, version, payload, reasons in records
    ]
    if rows:
        connection.execute(insert(_table), rows)
    return len(rows)
