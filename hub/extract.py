"""Incremental extraction by keyset pages over (cursor time, id).

Each page is one short query (``… WHERE (t, id) > cursor ORDER BY t, id LIMIT n``) using the cursor
index, so no long-lived server cursor is held while chunks are delivered, memory stays one page, and
rows sharing a timestamp are never skipped. A run stops at the high-water mark read when it started,
so rows changing during the run wait for the next one instead of keeping it alive forever.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pandas as pd
from sqlalchemy import Engine, and_, or_, select

from hub.flows import OutboundFlow
from hub.watermarks import Cursor


def high_water_mark(engine: Engine, flow: OutboundFlow) -> Cursor:
    """The newest (time, id) in the source now: where this run stops."""
    query = select(flow.cursor_time, flow.cursor_id).order_by(flow.cursor_time.desc(), flow.cursor_id.desc()).limit(1)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return Cursor(row[0], str(row[1])) if row else Cursor()


def _page_query(flow: OutboundFlow, after: Cursor, until: Cursor, size: int):
    t, i = flow.cursor_time, flow.cursor_id
    query = flow.query
    if after.time is not None:
        query = query.where(or_(t > after.time, and_(t == after.time, i > int(after.key))))
    query = query.where(or_(t < until.time, and_(t == until.time, i <= int(until.key))))
    return query.order_by(t, i).limit(size)


def pages(engine: Engine, flow: OutboundFlow, after: Cursor, until: Cursor, size: int) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most ``size`` rows in cursor order, from ``after`` (exclusive) to ``until``."""
    if until.time is None:
        return
    time_field, id_field = flow.cursor_time.name, flow.key_field
    while True:
        with engine.connect() as connection:
            result = connection.execute(_page_query(flow, after, until, size))
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        if frame.empty:
            return
        yield frame
        last = frame.iloc[-1]
        after = Cursor(pd.Timestamp(last[time_field]).to_pydatetime(), str(last[id_field]))
        if len(frame) < size:
            return


def prefetched(source: Iterator[pd.DataFrame], depth: int = 1) -> Iterator[pd.DataFrame]:
    """Read the next page in a thread while the current one is gated, mapped and delivered."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for item in source:
                buffer.put(item)
        except BaseException as error:  # handed to the consumer, raised there
            buffer.put(error)
            return
        buffer.put(done)

    threading.Thread(target=produce, name="extract-prefetch", daemon=True).start()
    while True:
        item = buffer.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def by_keys(engine: Engine, flow: OutboundFlow, keys: list[str], size: int) -> Iterator[pd.DataFrame]:
    """The current rows of specific records (e.g. released from quarantine), in pages of ``size``."""
    for start in range(0, len(keys), size):
        wanted = [int(key) for key in keys[start : start + size]]
        query = flow.query.where(flow.cursor_id.in_(wanted)).order_by(flow.cursor_time, flow.cursor_id)
        with engine.connect() as connection:
            result = connection.execute(query)
            frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        if not frame.empty:
            yield frame
