"""Incremental state: the (updated_at, id) cursor of each flow and partner, kept in the hub DB.

The cursor moves only in the transaction that records a chunk the partner has already committed, so a
crash anywhere leaves it at the last chunk that truly arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from hub.db.models import Watermark
from hub.ledger import utcnow

_table = Watermark.__table__


@dataclass(frozen=True, order=True)
class Cursor:
    """Position in a source ordered by (time, key): rows sharing a time are told apart by key."""

    time: datetime | None = None
    key: str = ""

    def __str__(self) -> str:
        return "start" if self.time is None else f"{self.time:%Y-%m-%d %H:%M:%S.%f}#{self.key}"


def read(connection: Connection, flow: str, partner: str) -> Cursor:
    row = connection.execute(
        select(_table.c.cursor_time, _table.c.cursor_key).where(_table.c.flow == flow, _table.c.partner == partner)
    ).first()
    return Cursor(row.cursor_time, row.cursor_key) if row else Cursor()


def write(connection: Connection, flow: str, partner: str, cursor: Cursor) -> None:
    values = {"cursor_time": cursor.time, "cursor_key": str(cursor.key), "moved_at": utcnow()}
    where = (_table.c.flow == flow) & (_table.c.partner == partner)
    if connection.execute(update(_table).where(where).values(**values)).rowcount == 0:
        connection.execute(insert(_table).values(flow=flow, partner=partner, **values))
