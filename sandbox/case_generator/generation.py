"""Filling an empty case system: :func:`generate` builds chunks and writes them; :func:`reset` empties it."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Engine

from hub.casesystem.schema import metadata

from .builder import ChunkBuilder
from .config import CHUNK_CASES, GENERATED_TABLES, Chunk, GeneratorConfig
from .report import GenerationReport
from .writer import check_target, write_chunk

#: ``progress(cases_done, cases_total, rows_so_far)``, called after each chunk has committed.
ProgressCallback = Callable[[int, int, dict[str, int]], None]


def generate(
    engine: Engine, config: GeneratorConfig | None = None, *, progress: ProgressCallback | None = None
) -> GenerationReport:
    """Fill an empty case system with ``config.cases`` synthetic cases and return what was inserted.

    Creates the tables if missing. Refuses (ConfigurationError) when the generated tables already hold
    rows, because appending would restart case-number sequences and break determinism: call
    :func:`reset` first. Each chunk of :data:`CHUNK_CASES` cases is its own transaction, so memory stays
    flat; ``progress(cases_done, cases_total, rows_so_far)`` is called after each chunk has committed.
    On a server database the next chunk is built while the previous one is written (one writer thread,
    at most two chunks in memory): the server's insert time and Python's build time overlap.
    """
    config = config or GeneratorConfig()
    started = time.perf_counter()
    metadata.create_all(engine)  # the whole case-system schema, feedback table included
    with engine.connect() as conn:
        check_target(conn)
    builder = ChunkBuilder(config)
    report = builder.report

    def write(first: int, n: int, chunk: Chunk) -> None:
        write_chunk(engine, chunk)
        for table, rows in zip(GENERATED_TABLES, chunk, strict=True):
            report.rows[table.name] += len(rows)
        if progress is not None:
            progress(first + n, config.cases, dict(report.rows))

    # SQLite gains nothing from a writer thread, and an in-memory database is one per thread.
    threads = 0 if engine.dialect.name == "sqlite" else 1
    with ThreadPoolExecutor(max_workers=max(threads, 1)) as writer:
        pending: Future[None] | None = None
        for first in range(0, config.cases, CHUNK_CASES):
            n = min(CHUNK_CASES, config.cases - first)
            chunk = builder.build(first, n)
            if pending is not None:
                pending.result()  # re-raises the writer's error; keeps at most two chunks alive
            if threads:
                pending = writer.submit(write, first, n, chunk)
            else:
                write(first, n, chunk)
            del chunk
        if pending is not None:
            pending.result()
    report.seconds = time.perf_counter() - started
    return report


def reset(engine: Engine) -> None:
    """Drop and recreate the generated tables (cases, parties, entries, restrictions) for a fresh run, and
    every table that refers to them (partner requests and their results, feedback): rows pointing at
    cases that no longer exist would be stale, and MariaDB's foreign keys would refuse the drop anyway.
    Tables of the schema that refer to none of them are left alone."""
    import hub.casesystem  # noqa: F401  (every case-system table on the shared metadata)

    tables = _with_dependents(set(GENERATED_TABLES))
    metadata.drop_all(engine, tables=tables)
    metadata.create_all(engine, tables=tables)


def _with_dependents(tables: set) -> list:
    """``tables`` and every table that refers to one of them, directly or not, in dependency order."""
    closure = set(tables)
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            if table not in closure and any(fk.column.table in closure for fk in table.foreign_keys):
                closure.add(table)
                grown = True
    return [table for table in metadata.sorted_tables if table in closure]
