"""connectors.fastrows reads a page's rows into exactly the values pymysql itself returns."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import traceback

import pymysql
import pytest
from sqlalchemy.engine import make_url

from connectors import fastrows
from tests.conftest import MARIADB

COLUMNS = """
    id INT PRIMARY KEY,
    code VARCHAR(16),
    name VARCHAR(64) CHARACTER SET utf8mb4,
    note TEXT,
    long_text MEDIUMTEXT,
    born DATE,
    changed DATETIME(6),
    amount DECIMAL(12, 2),
    ratio DOUBLE,
    flag TINYINT(1),
    raw VARBINARY(16)
"""


def _rows(count: int) -> list[tuple]:
    rows = []
    for i in range(count):
        rows.append(
            (
                i,
                ("PUBLISHED", "REVOKED", "SHIELDED", None)[i % 4],  # repeats: served from the page cache
                f"名字{i}" if i % 7 else "",  # unique values past the cache's limit, and empty strings
                None if i % 5 == 0 else "义务" * (i % 200),  # lengths across the 1-byte/2-byte boundary (251)
                "长" * 70_000 if i == 3 else None,  # a 3-byte length (over 65,535 bytes)
                dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28) if i % 9 else None,
                dt.datetime(2024, 1, 1, 8, 30) + dt.timedelta(seconds=i, microseconds=i * 7),
                decimal.Decimal(i) / 4 if i % 3 else None,
                i / 3 if i % 11 else None,
                i % 2,
                bytes([i % 256, 0, 255]) if i % 13 else None,
            )
        )
    return rows


@pytest.fixture
def table(mariadb_admin, make_database):
    database = make_url(make_database("fastrows")).database
    connection = pymysql.connect(**MARIADB, database=database, charset="utf8mb4")
    try:  # closed whatever happens: an open transaction would hold the table and stall the database's drop
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE t ({COLUMNS})")
            cursor.executemany(f"INSERT INTO t VALUES ({', '.join(['%s'] * 11)})", _rows(fastrows.CACHE_LIMIT + 700))
            cursor.execute("SET SESSION sql_mode = ''")  # the zero date is refused under the strict modes
            cursor.execute("INSERT INTO t (id, born) VALUES (-1, '0000-00-00')")  # pymysql returns it as text
        connection.commit()
        yield connection
    finally:
        connection.close()


def _read_query(connection, fast: bool, query: str) -> tuple[tuple, tuple]:
    with fastrows.reading(connection) if fast else contextlib.nullcontext(), connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchall(), cursor.description


def _read(connection, fast: bool) -> tuple[tuple, tuple]:
    return _read_query(connection, fast, "SELECT * FROM t ORDER BY id")


def test_the_fast_reader_is_used_for_this_pymysql(table):
    assert fastrows.supported(table)


def test_every_value_and_type_is_the_one_pymysql_returns(table):
    expected, expected_description = _read(table, fast=False)
    got, description = _read(table, fast=True)
    assert isinstance(table._result, fastrows._FastResult)  # the rows above came through the fast reader
    assert description == expected_description
    assert len(got) == len(expected) == fastrows.CACHE_LIMIT + 701
    for row, want in zip(got, expected, strict=True):
        assert row == want
        assert [type(value) for value in row] == [type(value) for value in want]


def test_a_query_after_the_block_reads_the_ordinary_way(table):
    with fastrows.reading(table):
        pass
    assert "_read_query_result" not in vars(table)
    rows, _ = _read(table, fast=False)
    assert len(rows) == fastrows.CACHE_LIMIT + 701


#: Fails with "Subquery returns more than 1 row" at id 1001, after the rows before it were sent: the error
#: packet arrives among the row packets, where the fast loop must hand it to pymysql.
FAILS_MID_RESULT = "SELECT t.id, (SELECT u.id FROM t AS u WHERE u.id IN (t.id, -1) AND t.id > 1000) FROM t"


def _error_of(connection, fast: bool, query: str) -> pymysql.MySQLError:
    with pytest.raises(pymysql.MySQLError) as raised:
        _read_query(connection, fast, query)
    return raised.value


def _raised_in_the_fast_loop(error: BaseException) -> bool:
    return any(
        frame.f_code.co_name == "_read_rowdata_packet" and frame.f_code.co_filename == fastrows.__file__
        for frame, _line in traceback.walk_tb(error.__traceback__)
    )


def test_an_error_among_the_rows_is_raised_as_pymysql_raises_it(table):
    ordinary, fast = _error_of(table, False, FAILS_MID_RESULT), _error_of(table, True, FAILS_MID_RESULT)
    assert _raised_in_the_fast_loop(fast)
    assert type(fast) is type(ordinary)
    assert fast.args == ordinary.args
    assert fast.args[0] == 1242  # subquery returns more than 1 row


def test_an_error_before_any_row_is_raised_as_pymysql_raises_it(table):
    query = "SELECT no_such_column FROM t"
    ordinary, fast = _error_of(table, False, query), _error_of(table, True, query)
    assert type(fast) is type(ordinary)
    assert fast.args == ordinary.args
    assert fast.args[0] == 1054  # unknown column
