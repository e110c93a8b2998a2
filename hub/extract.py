"""Incremental extraction by keyset pages over (cursor time, id).

Each page is one short query (``… WHERE (t, id) > cursor ORDER BY t, id LIMIT n``) using the cursor
index, so no long-lived server cursor is held while chunks are delivered, memory stays one page, and
rows sharing a timestamp are never skipped. A run stops at the high-water mark read when it started,
so rows changing during the run wait for the next one instead of keeping it alive forever.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Iterator

import pandas as pd
from pymysql import converters as pymysql_converters
from pymysql.constants import FIELD_TYPE
from sqlalchemy import Connection, Engine, Select, and_, or_, select

from connectors import fastrows
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
            frame = read_frame(connection, _page_query(flow, after, until, size))
        if frame.empty:
            return
        yield frame
        last = frame.iloc[-1]
        after = Cursor(pd.Timestamp(last[time_field]).to_pydatetime(), str(last[id_field]))
        if len(frame) < size:
            return


def read_frame(connection: Connection, query: Select) -> pd.DataFrame:
    """Run ``query`` and return its rows as a DataFrame, the values SQLAlchemy's rows would carry.

    With pymysql the rows are taken from the DBAPI cursor as plain tuples (SQLAlchemy's per-row objects
    and per-value processing cost as much as the driver's own parsing), and the few columns whose type
    has a result processor (Boolean: 0/1 → False/True) are processed by column. The rows are parsed by
    :mod:`connectors.fastrows` (each repeated value decoded once per page) when the pymysql version
    allows, else by pymysql with DATE values parsed once each.
    """
    if connection.dialect.driver != "pymysql":
        result = connection.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    raw = connection.connection.driver_connection
    decoders = raw.decoders
    fast = fastrows.supported(raw)
    if not fast:
        raw.decoders = {**decoders, FIELD_TYPE.DATE: _cached_convert_date}
    try:
        with fastrows.reading(raw):
            result = connection.execute(query)
        rows = result.cursor.fetchall()
        description = result.cursor.description
        names = list(result.keys())
        result.close()
    finally:
        raw.decoders = decoders
    processors = {}
    for position, (column, field) in enumerate(zip(query.selected_columns, description, strict=True)):
        processor = column.type.dialect_impl(connection.dialect).result_processor(connection.dialect, field[1])
        if processor is not None:
            processors[position] = processor
    frame = pd.DataFrame(list(rows), columns=names)
    for position, processor in processors.items():  # by column, in the frame
        frame.isetitem(position, [processor(value) for value in frame.iloc[:, position]])
    return frame if fast else _share_repeated_strings(frame)  # fastrows shares repeated values already


def _share_repeated_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """One string object per distinct value in columns that repeat (states, codes, court names…).

    The driver makes a new object for every cell; a page of a few thousand rows then holds thousands of
    copies of "PUBLISHED". Same values, same dtype, about half the memory of a page."""
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype) and len(column) > 1:
            codes, uniques = column.array.factorize()
            if len(uniques) * 2 <= len(column):
                frame[name] = pd.Series(uniques.take(codes, allow_fill=True), index=frame.index)
    return frame


_cached_convert_date = functools.lru_cache(maxsize=4096)(pymysql_converters.convert_date)


def prefetched(source: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Read the next page in a thread while the current one is gated, mapped and delivered.

    The thread starts reading page n+1 once page n has been taken, so at most two pages are alive (the
    one being processed and the one being read). If the consumer stops early the thread stops too.
    """
    buffer: queue.Queue = queue.Queue(maxsize=1)
    taken = threading.Semaphore(0)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in source:
                buffer.put(item)
                taken.acquire()  # the consumer has it: read the next page now
                if stop.is_set():
                    return
        except BaseException as error:  # handed to the consumer, raised there
            buffer.put(error)
            return
        buffer.put(done)

    threading.Thread(target=produce, name="extract-prefetch", daemon=True).start()
    try:
        while True:
            item = buffer.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            taken.release()
            yield item
            del item
    finally:
        stop.set()
        taken.release()


def by_keys(engine: Engine, flow: OutboundFlow, keys: list[str], size: int) -> Iterator[pd.DataFrame]:
    """The current rows of specific records (e.g. released from quarantine), in pages of ``size``."""
    for start in range(0, len(keys), size):
        wanted = [int(key) for key in keys[start : start + size]]
        query = flow.query.where(flow.cursor_id.in_(wanted)).order_by(flow.cursor_time, flow.cursor_id)
        with engine.connect() as connection:
            frame = read_frame(connection, query)
        if not frame.empty:
            yield frame
