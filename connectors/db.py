"""Database-link transport (前置库 and case system): engines, chunked reads, versioned upserts.

Importable without Airflow. Owns only transport semantics: what to send comes from the engine and the
mappings. A chunk is delivered in one transaction; a row the partner database refuses (constraint,
value too long) is isolated with savepoints and reported with the database's own message, while the
rest of the chunk commits. Connection faults are raised as :class:`hub.errors.DeliveryError` with
nothing committed, for the task to retry.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path

import pandas as pd
from sqlalchemy import Column, Engine, MetaData, Table, create_engine, event, func, literal_column, null, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import URL, make_url

from connectors import bulk
from connectors.base import ChunkDelivery, TargetSpec
from hub.errors import DeliveryError

log = logging.getLogger(__name__)

#: MySQL/MariaDB error codes that mean "this row is wrong", not "the link is down".
_MYSQL_ROW_ERRORS = {
    1048,  # column cannot be null
    1062,  # duplicate entry
    1264,  # out of range
    1292,  # incorrect date/time value
    1366,  # incorrect string/integer value
    1406,  # data too long
    1452,  # foreign key fails
    3819,  # MySQL CHECK constraint violated
    4025,  # MariaDB CHECK constraint failed
}


def make_engine(url: str | URL, **kwargs) -> Engine:
    """An engine with the settings the hub relies on.

    SQLite: the file's folder is created, WAL and a busy timeout let a reader and a writer overlap, and
    transactions are begun explicitly so that SAVEPOINTs work (pysqlite's own handling breaks them).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed, connect_args={"timeout": 60, "isolation_level": None}, hide_parameters=True, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _inline(value: object):
    """A constant from a mapping, rendered into the SQL text.

    pymysql turns an executemany INSERT into one multi-row statement only when the ON DUPLICATE KEY
    clause carries no parameters, so the mapping's reset values must be literals, not binds.
    """
    if value is None:
        return null()
    if isinstance(value, bool | int | float):
        return literal_column(repr(int(value) if isinstance(value, bool) else value))
    return literal_column("'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'")


def is_row_rejection(error: BaseException) -> bool:
    """True when the database refused the data (constraint, type, length), False for link faults."""
    if isinstance(error, sa_exc.IntegrityError | sa_exc.DataError):
        return True
    original = getattr(error, "orig", None)
    code = original.args[0] if original is not None and original.args else None
    return isinstance(code, int) and code in _MYSQL_ROW_ERRORS


def database_message(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    return str(original if original is not None else error)


class DatabaseLink:
    """One database reached over a DB link; reflects partner tables on first use."""

    def __init__(self, url: str | URL, *, name: str = "database"):
        self.url = make_url(url)
        self.name = name

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.url)

    @cached_property
    def _metadata(self) -> MetaData:
        return MetaData()

    def table(self, name: str) -> Table:
        if name not in self._metadata.tables:
            try:
                Table(name, self._metadata, autoload_with=self.engine)
            except sa_exc.NoSuchTableError:
                raise DeliveryError(f"{self.name}: table {name} does not exist at {self._safe_url}") from None
            except sa_exc.DBAPIError as error:
                raise DeliveryError(
                    f"{self.name}: cannot reach {self._safe_url} to read table {name} ({database_message(error)}); "
                    "the task will retry"
                ) from error
        return self._metadata.tables[name]

    @property
    def _safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def deliver(self, target: TargetSpec, rows: Sequence[dict]) -> ChunkDelivery:
        """:class:`connectors.base.Deliverer`: a versioned upsert into the target's table."""
        return self.deliver_versioned(
            target.table, rows, key=target.key, version=target.version, reset_on_update=target.reset_on_update
        )

    def deliver_versioned(
        self,
        table_name: str,
        rows: Sequence[dict],
        *,
        key: str,
        version: str,
        reset_on_update: Mapping[str, object] | None = None,
    ) -> ChunkDelivery:
        """Upsert ``rows`` so that only a higher ``version`` replaces a row with the same ``key``.

        Idempotent (the same version twice changes nothing) and order-keeping (an older version never
        overtakes a newer one). One transaction for the chunk.
        """
        result = ChunkDelivery()
        if not rows:
            return result
        table = self.table(table_name)
        rows = [{**row, key: str(row[key])} for row in rows]
        try:
            with self.engine.begin() as connection:
                present = self._versions_present(connection, table, key, version, [r[key] for r in rows])
                fresh = []
                for row in rows:
                    have = present.get(row[key])
                    if have is not None and have >= row[version]:
                        result.already_present[row[key]] = have
                    else:
                        fresh.append(row)
                self._upsert_rows(connection, table, key, version, reset_on_update or {}, fresh, result)
        except sa_exc.DBAPIError as error:
            raise DeliveryError(
                f"{self.name}: chunk of {len(rows)} rows for {table_name} not delivered, nothing committed "
                f"({database_message(error)}); the task will retry"
            ) from error
        return result

    def deliver_frame(self, target: TargetSpec, frame: pd.DataFrame) -> ChunkDelivery:
        """:meth:`deliver` for a mapped chunk held as a DataFrame (what the pipeline has), same results.

        On MySQL/MariaDB with ``local_infile`` (see :mod:`connectors.bulk`), in savepoints:

        1. the chunk is loaded straight into the table with ``LOAD DATA LOCAL INFILE``. When no key is at
           the partner yet (a first delivery) the upsert could only insert, and this is all;
        2. otherwise (a key is there: a duplicate, so the load refused and wrote nothing) the versions are
           read and locked as in :meth:`deliver_versioned`; rows the partner has at the same or a newer
           version are already present, and the fresh ones are loaded into a temporary staging table and
           applied with one ``INSERT … SELECT … ON DUPLICATE KEY UPDATE`` carrying the same version rule;
        3. if the database refuses anything there, the fresh rows go the ordinary way (multi-row INSERT,
           then one savepoint per row to isolate the refused ones), so rejections and their messages are
           exactly those of :meth:`deliver_versioned`.

        Elsewhere it is :meth:`deliver`.
        """
        from hub.mapping import to_python_rows

        if frame.empty:
            return ChunkDelivery()
        key, version = target.key, target.version
        if version is None or self.engine.dialect.name not in ("mysql", "mariadb"):
            return self.deliver(target, to_python_rows(frame))
        table = self.table(target.table)
        result = ChunkDelivery()
        keys = frame[key].astype(str)
        try:
            with self.engine.begin() as connection:
                # Usually no key is at the partner yet: then the upsert only inserts, and one LOAD does it.
                # A key already there is a duplicate, which makes the load refuse (nothing written): then
                # the versions are read (and locked) and compared as below.
                loading = bulk.available(connection)
                everything = {c: keys if c == key else frame[c] for c in frame.columns}
                if loading and bulk.try_load(connection, table.name, everything):
                    result.applied = keys.tolist()
                    return result
                present = self._versions_present(connection, table, key, version, keys.tolist())
                have = keys.map(present) if present else pd.Series(float("nan"), index=keys.index)
                stale = (have.notna() & (have >= frame[version])).to_numpy(dtype=bool)
                result.already_present = {k: int(v) for k, v in zip(keys[stale], have[stale], strict=True)}
                fresh = frame[~stale].assign(**{key: keys[~stale]})
                if fresh.empty:
                    return result
                reset = target.reset_on_update or {}
                try:
                    if not loading or not bulk.available(connection):
                        raise bulk.FastPathRefused("LOAD DATA LOCAL INFILE is not enabled on this link")
                    if not have.notna().to_numpy(dtype=bool)[~stale].any():
                        # All fresh rows are new, so the load above failed over the data itself.
                        raise bulk.FastPathRefused("the server refused the load of new rows")
                    data = bulk.tsv([fresh[column] for column in fresh.columns])  # made while loading
                    with connection.begin_nested():
                        self._upsert_staged(connection, table, key, version, reset, list(fresh.columns), data, fresh)
                    result.applied = fresh[key].tolist()
                    return result
                except bulk.FastPathRefused as why:
                    log.debug("%s: bulk path not used for %s: %s", self.name, table.name, why)
                except sa_exc.DBAPIError as error:
                    if bulk.is_refusal(error):
                        bulk.refuse(connection, error)
                    elif not is_row_rejection(error):
                        raise
                self._upsert_rows(connection, table, key, version, reset, to_python_rows(fresh), result)
        except sa_exc.DBAPIError as error:
            raise DeliveryError(
                f"{self.name}: chunk of {len(frame)} rows for {target.table} not delivered, nothing committed "
                f"({database_message(error)}); the task will retry"
            ) from error
        return result

    def _upsert_staged(self, connection, table: Table, key, version, reset, columns, data, fresh) -> None:
        stage = f"_hub_stage_{table.name}"[:64]
        names = ", ".join(f"`{c}`" for c in columns)
        connection.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS `{stage}`")
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE `{stage}` AS SELECT {names} FROM `{table.name}` WHERE 1 = 0"
        )
        try:
            bulk.load(connection, stage, columns, data, len(fresh))
            connection.execute(self._staged_upsert(table, stage, key, version, reset, tuple(columns)))
        finally:
            connection.exec_driver_sql(f"DROP TEMPORARY TABLE IF EXISTS `{stage}`")

    def _staged_upsert(self, table: Table, stage: str, key, version, reset, columns: tuple[str, ...]):
        """The INSERT … SELECT from the staging table, built once per table and column set (one entry in
        SQLAlchemy's statement cache, not one per chunk)."""
        cache = self.__dict__.setdefault("_staged_statements", {})
        marker = (table.name, stage, key, version, tuple(sorted(reset.items(), key=str)), columns)
        if marker not in cache:
            staged = Table(stage, MetaData(), *(Column(c, table.c[c].type) for c in columns))
            cache[marker] = self._upsert_statement(table, key, version, reset, [dict.fromkeys(columns)], source=staged)
        return cache[marker]

    def _upsert_rows(self, connection, table: Table, key, version, reset, fresh: list[dict], result) -> None:
        """The ordinary path: one multi-row upsert in a savepoint; if refused, one savepoint per row."""
        statement = self._upsert_statement(table, key, version, reset, fresh[:1])
        try:
            with connection.begin_nested():
                if fresh:
                    connection.execute(statement, fresh)
            result.applied = [r[key] for r in fresh]
        except sa_exc.DBAPIError as error:
            if not is_row_rejection(error):
                raise
            self._isolate_rejections(connection, statement, fresh, key, result)

    @staticmethod
    def _isolate_rejections(connection, statement, rows, key, result: ChunkDelivery) -> None:
        for row in rows:
            try:
                with connection.begin_nested():
                    connection.execute(statement, [row])
                result.applied.append(row[key])
            except sa_exc.DBAPIError as error:
                if not is_row_rejection(error):
                    raise
                result.rejected[row[key]] = database_message(error)

    @staticmethod
    def _versions_present(connection, table: Table, key: str, version: str, keys: list[str]) -> dict[str, int]:
        present: dict[str, int] = {}
        for start in range(0, len(keys), 1000):
            query = select(table.c[key], table.c[version]).where(table.c[key].in_(keys[start : start + 1000]))
            if connection.dialect.name != "sqlite":
                query = query.with_for_update()
            present.update({k: v for k, v in connection.execute(query)})
        return present

    def _upsert_statement(
        self, table: Table, key: str, version: str, reset: Mapping[str, object], sample, source: Table | None = None
    ):
        columns = list(sample[0]) if sample else [c.name for c in table.c]
        dialect = self.engine.dialect.name
        if dialect in ("mysql", "mariadb"):
            statement = mysql.insert(table)
            if source is not None:  # INSERT … SELECT from a staging table; VALUES(c) still names the new row
                statement = statement.from_select(columns, select(*(source.c[c] for c in columns)))
            newer = statement.inserted[version] > table.c[version]
            assignments = [
                (c, func.IF(newer, statement.inserted[c], table.c[c])) for c in columns if c not in (key, version)
            ]
            assignments += [(c, func.IF(newer, _inline(v), table.c[c])) for c, v in reset.items()]
            assignments.append((version, func.IF(newer, statement.inserted[version], table.c[version])))
            return statement.on_duplicate_key_update(assignments)  # version last: MySQL assigns in order
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
        if insert is None:
            raise DeliveryError(f"{self.name}: versioned upsert is not implemented for {dialect}")
        statement = insert(table)
        updates = {c: statement.excluded[c] for c in columns if c != key}
        updates.update({c: _inline(v) for c, v in reset.items()})
        return statement.on_conflict_do_update(
            index_elements=[table.c[key]], set_=updates, where=statement.excluded[version] > table.c[version]
        )

    def current_versions(self, table_name: str, key: str, version: str, keys: Sequence[str]) -> dict[str, int]:
        with self.engine.connect() as connection:
            return self._versions_present(connection, self.table(table_name), key, version, list(keys))


__all__ = ["ChunkDelivery", "DatabaseLink", "is_row_rejection", "make_engine"]
