"""What operators ask about the military-court exchange: open requests per direction, with their age."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select

from hub.casesystem import cases, military_incoming_requests, military_outgoing_requests
from hub.ledger import utcnow
from hub.military.status import TERMINAL

#: Directions as operators name them: out = Ningxia's requests to the court, in = the court's to Ningxia.
DIRECTIONS = ("out", "in")


def open_requests(case_system: Engine, direction: str, *, now: datetime | None = None) -> list[dict]:
    """Requests of ``direction`` not yet DONE, REFUSED or WITHDRAWN, oldest first, with their age in days.

    Age runs from when the request was made (requested_at for Ningxia's, issued_at for the court's)."""
    now = now or utcnow()
    if direction == "out":
        table = military_outgoing_requests
        query = select(
            table.c.id.label("request"), table.c.kind, table.c.status, table.c.status_seq, table.c.due_date,
            table.c.requested_at.label("since"), cases.c.case_no, cases.c.court_code,
        ).join(cases, cases.c.id == table.c.case_id)  # fmt: skip
    elif direction == "in":
        table = military_incoming_requests
        query = select(
            table.c.partner_request_id.label("request"), table.c.kind, table.c.status, table.c.status_seq,
            table.c.due_date, table.c.issued_at.label("since"), table.c.case_no, table.c.court_code,
            table.c.military_court,
        )  # fmt: skip
    else:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    query = query.where(table.c.status.not_in(TERMINAL)).order_by(query.selected_columns.since, table.c.id)
    with case_system.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    for row in rows:
        row["direction"] = direction
        row["age_days"] = round((now - row["since"]).total_seconds() / 86400, 1)
    return rows
