"""Bulk writes to MySQL/MariaDB: ``LOAD DATA LOCAL INFILE`` from memory, with a clean fallback.

Why: a multi-row ``INSERT`` built by the driver escapes every value in Python (pymysql's ``escape_item``
per cell), which is most of the cost of writing a chunk. Here a chunk's columns are turned into one
tab-separated text by whole columns at a time (numbers with numpy, strings joined as they are and
escaped only when a column holds a tab, newline, backslash or NUL), written to an in-memory file
(``memfd``) and sent with ``LOAD DATA LOCAL INFILE``.

``LOAD DATA LOCAL`` turns the errors a plain ``INSERT`` would raise (too long, NULL in a NOT NULL
column, duplicate key) into warnings and carries on. So every load checks that the server took every
row with no warning; otherwise it raises :class:`FastPathRefused` (inside the caller's savepoint), and
the caller goes the ordinary way, where the database raises the error the ordinary way. The fast path
is used only when all of these hold: MySQL/MariaDB through pymysql, the connection opened with
``local_infile`` (``?local_infile=1`` in the URL, or ``"local_infile": true`` in the Airflow connection's
extra), the server's ``local_infile`` ON, and no ``NO_BACKSLASH_ESCAPES`` in ``sql_mode``. A server or
account that refuses it is remembered per engine and not asked again.
"""

from __future__ import annotations

import datetime as dt
import decimal
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, insert
from sqlalchemy import exc as sa_exc

log = logging.getLogger(__name__)

NULL = "\\N"
_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\\0"})

#: Error codes meaning "this server, account or client does not allow it" (not "the data is wrong").
_REFUSALS = {
    1044,  # access denied to database (CREATE TEMPORARY TABLES)
    1142,  # command denied to user
    1148,  # the used command is not allowed with this MySQL/MariaDB version (local_infile OFF)
    1227,  # access denied; you need (at least one of) the privilege(s)
    2068,  # client: LOAD DATA LOCAL INFILE file request rejected
    3948,  # MySQL 8: loading local data is disabled
    3950,  # MySQL 8: loading local data is disabled on the client
}
_refused_engines: set[str] = set()
#: infer_dtype answers for columns of one Python type, whose distinct values can be formatted once each.
_HOMOGENEOUS = {"integer", "datetime", "date", "boolean"}


class FastPathRefused(Exception):
    """The bulk path cannot take this data or this connection: use the ordinary path instead."""


def is_refusal(error: BaseException) -> bool:
    original = getattr(error, "orig", error)
    code = original.args[0] if getattr(original, "args", None) else None
    return isinstance(code, int) and code in _REFUSALS


def available(connection: Connection) -> bool:
    """True when ``LOAD DATA LOCAL INFILE`` may be tried on this connection."""
    dialect = connection.dialect
    if dialect.name not in ("mysql", "mariadb") or dialect.driver != "pymysql":
        return False
    if _engine_key(connection) in _refused_engines:
        return False
    raw = connection.connection.driver_connection
    return bool(getattr(raw, "_local_infile", False))


def refuse(connection: Connection, error: BaseException) -> None:
    """Remember that this engine's server or account refuses the bulk path."""
    key = _engine_key(connection)
    if key not in _refused_engines:
        _refused_engines.add(key)
        log.warning("bulk load refused on %s (%s): using multi-row INSERT from now on", key, error)


def _engine_key(connection: Connection) -> str:
    return connection.engine.url.render_as_string(hide_password=True)


# ---------------------------------------------------------------------------------------------------
# Text encoding


def _cell(value: object) -> str:
    """One value as LOAD DATA text (unescaped), the same value the driver would send in an INSERT."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise FastPathRefused(f"float value {value!r}")
        return repr(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise FastPathRefused("timezone-aware datetime")
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise FastPathRefused(f"no bulk text form for {type(value).__name__}")


def _fields(values: pd.Series | Sequence) -> np.ndarray:
    """A column as an object array of LOAD DATA fields (escaped, ``\\N`` for NULL)."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    missing = series.isna().to_numpy(dtype=bool)
    kind = series.dtype.kind
    if kind in "iu" and not isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy().astype(str).astype(object)
    if kind == "b" and not missing.any():
        return np.where(series.to_numpy(dtype=bool), "1", "0").astype(object)
    if kind == "M":
        series = series.astype(object)
    present = series.to_numpy(dtype=object)[~missing]
    inferred = pd.api.types.infer_dtype(present, skipna=False) if len(present) else "string"
    if inferred == "string":
        texts = present
    elif inferred in _HOMOGENEOUS:  # one type throughout: format each distinct value once
        codes, uniques = pd.factorize(present)
        texts = np.array([_cell(value) for value in uniques], dtype=object)[codes]
    else:
        texts = np.array([_cell(value) for value in present], dtype=object)
    if len(texts) and _SPECIAL.search("".join(texts)):
        texts = np.array([text.translate(_ESCAPES) for text in texts], dtype=object)
    if not missing.any():
        return texts
    out = np.full(len(series), NULL, dtype=object)
    out[~missing] = texts
    return out


def tsv(columns: Sequence[pd.Series | Sequence], block_rows: int = 2000) -> Iterator[bytes]:
    """Rows of ``columns`` (equal lengths) as LOAD DATA text (tab between fields, newline after rows), in
    blocks of ``block_rows`` rows: the text of a whole chunk never sits in memory at once."""
    fields = [_fields(column) for column in columns]
    count = len(fields[0]) if fields else 0
    for start in range(0, count, block_rows):
        part = [field[start : start + block_rows] for field in fields]
        try:
            yield ("\n".join(map("\t".join, zip(*part, strict=True))) + "\n").encode("utf-8")
        except UnicodeEncodeError as error:  # e.g. a lone surrogate: let the driver say what it thinks
            raise FastPathRefused(str(error)) from error


# ---------------------------------------------------------------------------------------------------
# Loading


def load(connection: Connection, table: str, columns: Sequence[str], data: Iterable[bytes], rows: int) -> None:
    """``LOAD DATA LOCAL INFILE`` the blocks of ``data`` into ``table`` (in the caller's transaction).

    Raises FastPathRefused when the server did not take exactly ``rows`` rows without a warning (the
    caller has a savepoint to roll back to).
    """
    raw = connection.connection.driver_connection
    names = ", ".join(f"`{name}`" for name in columns)
    statement = "SELECT @@SESSION.sql_mode"
    try:
        with raw.cursor() as cursor:
            cursor.execute(statement)
            if "NO_BACKSLASH_ESCAPES" in (cursor.fetchone()[0] or ""):
                raise FastPathRefused("sql_mode has NO_BACKSLASH_ESCAPES")
            with _memory_file(data) as path:
                statement = (
                    f"LOAD DATA LOCAL INFILE '{path}' INTO TABLE `{table}` CHARACTER SET utf8mb4 "
                    f"FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({names})"
                )
                cursor.execute(statement)
            warnings, taken = cursor.warning_count, cursor.rowcount
    except connection.dialect.loaded_dbapi.Error as error:  # raised by the driver: wrap as SQLAlchemy would
        raise sa_exc.DBAPIError.instance(
            statement, None, error, connection.dialect.loaded_dbapi.Error, dialect=connection.dialect
        ) from error
    if warnings or taken != rows:
        raise FastPathRefused(f"the server took {taken} of {rows} rows into {table} with {warnings} warnings")


class _memory_file:
    """A path the driver can open that holds ``data``: a memfd on Linux, else a temporary file."""

    def __init__(self, data: Iterable[bytes]):
        self.data = data
        self.fd: int | None = None
        self.temp = None

    def __enter__(self) -> str:
        if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
            self.fd = os.memfd_create("hub-bulk-load", os.MFD_CLOEXEC)
            for block in self.data:
                view, written = memoryview(block), 0
                while written < len(view):
                    written += os.write(self.fd, view[written:])
            return f"/proc/self/fd/{self.fd}"
        self.temp = tempfile.NamedTemporaryFile(prefix="hub-bulk-", suffix=".tsv")
        for block in self.data:
            self.temp.write(block)
        self.temp.flush()
        return self.temp.name.replace("\\", "/").replace("'", "")

    def __exit__(self, *_exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
        if self.temp is not None:
            self.temp.close()


def insert_rows(connection: Connection, table: Table, columns: Mapping[str, Sequence]) -> None:
    """Insert the rows given as ``{column: values}`` into ``table`` inside the caller's transaction.

    LOAD DATA when :func:`available`, else (or when it refuses) one multi-row INSERT as before.
    """
    names = list(columns)
    values = [columns[name] for name in names]
    if not values or not len(values[0]) or try_load(connection, table.name, columns):
        return
    rows = [dict(zip(names, row, strict=True)) for row in zip(*(_python(v) for v in values), strict=True)]
    connection.execute(insert(table), rows)


def try_load(connection: Connection, table: str, columns: Mapping[str, Sequence]) -> bool:
    """LOAD the rows ``{column: values}`` into ``table`` in a savepoint; True if every row went in as an
    INSERT would have put it, False (savepoint rolled back, nothing changed) if the bulk path is not
    available or the server refused, skipped (a duplicate key) or altered any row. Link faults raise."""
    names = list(columns)
    values = [columns[name] for name in names]
    count = len(values[0]) if values else 0
    if not count or not available(connection):
        return False
    try:
        with connection.begin_nested():
            load(connection, table, names, tsv(values), count)
        return True
    except FastPathRefused as why:
        log.debug("bulk load of %s not used: %s", table, why)
    except sa_exc.DBAPIError as error:
        if is_refusal(error):
            refuse(connection, error)
        elif not _is_data_error(error):
            raise
    return False


def _is_data_error(error: sa_exc.DBAPIError) -> bool:
    """The server refused the data (duplicate key, constraint, type, length), not the link."""
    if isinstance(error, sa_exc.IntegrityError | sa_exc.DataError):
        return True
    original = getattr(error, "orig", None)
    code = original.args[0] if original is not None and original.args else None
    return isinstance(code, int) and code in _DATA_ERRORS


#: MySQL/MariaDB codes for refused data (as connectors.db's row rejections).
_DATA_ERRORS = {1048, 1062, 1264, 1292, 1366, 1406, 1452, 3819, 4025}


def _python(values: Sequence) -> list:
    """Values as plain Python objects (None for missing), what the driver's INSERT path takes."""
    if not isinstance(values, pd.Series):
        return list(values)
    objects = values.astype(object).where(values.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in objects]
