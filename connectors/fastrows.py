"""A faster reader of pymysql result rows, for the hub's page queries.

pymysql parses each row packet through several Python calls per value (``read_length_coded_string``,
``read``, the converter) and makes a new object for every cell: for a 29-column page that is most of the
extraction time, and thousands of copies of the same state, code or court name. :func:`reading` swaps,
for the queries run inside it, pymysql's row loop for one that parses the same packets (the MySQL text
protocol: one length-encoded string per column, 0xFB for NULL) with one loop per row, and decodes and
converts each repeated value once per page (a small cache per column, given up for columns whose values
do not repeat). The values are those pymysql would return: the same decoders, decoded with the same
encodings.

Only for the pymysql version this was written against (1.x with the private members used here present);
otherwise :func:`reading` changes nothing.
"""

from __future__ import annotations

import contextlib
import struct
import types
from collections.abc import Iterator

try:  # pragma: no cover - pymysql is in the lock
    from pymysql import connections as _connections
except ImportError:  # pragma: no cover
    _connections = None

#: Distinct values remembered per column and page before caching is given up for that column.
CACHE_LIMIT = 1024
_MAX_PACKET_LEN = 2**24 - 1
_HEADER = struct.Struct("<HBB")


def supported(raw) -> bool:
    """True when ``raw`` is a pymysql connection whose internals are the ones this module reads."""
    if _connections is None or not isinstance(raw, _connections.Connection):
        return False
    needed = ("_read_bytes", "_next_seq_id", "_force_close", "_read_query_result", "encoding")
    result = _connections.MySQLResult
    return all(hasattr(raw, name) for name in needed) and all(
        hasattr(result, name) for name in ("_read_rowdata_packet", "_check_packet_is_eof", "_get_descriptions")
    )


@contextlib.contextmanager
def reading(raw) -> Iterator[None]:
    """Within the block, buffered queries on the pymysql connection ``raw`` read rows the fast way."""
    if not supported(raw):
        yield
        return
    raw._read_query_result = types.MethodType(_read_query_result, raw)
    try:
        yield
    finally:
        del raw._read_query_result


def _read_query_result(self, unbuffered=False):
    """pymysql's Connection._read_query_result with the fast result class (buffered reads only)."""
    if unbuffered:
        return type(self)._read_query_result(self, unbuffered=True)
    self._result = None
    result = _FastResult(self)
    result.read()
    self._result = result
    if result.server_status is not None:
        self.server_status = result.server_status
    return result.affected_rows


if _connections is not None:

    class _FastResult(_connections.MySQLResult):
        def _read_rowdata_packet(self):
            connection = self.connection
            read_bytes = connection._read_bytes
            unpack_header = _HEADER.unpack
            converters = self.converters
            columns = range(len(converters))
            caches: list[dict | None] = [{} for _ in converters]
            rows = []
            append = rows.append
            while True:
                header = read_bytes(4)
                low, high, number = unpack_header(header)
                length = low + (high << 16)
                self._check_sequence(connection, number)
                data = read_bytes(length)
                if length == _MAX_PACKET_LEN:  # a row of 16 MB or more continues in further packets
                    parts = [data]
                    while length == _MAX_PACKET_LEN:
                        low, high, number = unpack_header(read_bytes(4))
                        length = low + (high << 16)
                        self._check_sequence(connection, number)
                        parts.append(read_bytes(length))
                    data = b"".join(parts)
                first = data[0] if data else 0
                if first == 0xFF or (first == 0xFE and len(data) < 9):  # error or EOF: pymysql's own handling
                    packet = _connections.MysqlPacket(data, connection.encoding)
                    if packet.is_error_packet():
                        packet.raise_for_error()
                    if self._check_packet_is_eof(packet):
                        self.connection = None  # release reference to kill cyclic reference (as pymysql)
                        break
                row = []
                position = 0
                size = len(data)
                for column in columns:
                    if position >= size:  # fewer columns in this row (pymysql stops the same way)
                        break
                    marker = data[position]
                    if marker < 251:
                        start = position + 1
                    elif marker == 251:
                        row.append(None)
                        position += 1
                        continue
                    elif marker == 252:
                        marker = data[position + 1] | (data[position + 2] << 8)
                        start = position + 3
                    elif marker == 253:
                        marker = int.from_bytes(data[position + 1 : position + 4], "little")
                        start = position + 4
                    else:
                        marker = int.from_bytes(data[position + 1 : position + 9], "little")
                        start = position + 9
                    position = start + marker
                    value = data[start:position]
                    cache = caches[column]
                    if cache is not None:
                        known = cache.get(value)
                        if known is not None:
                            row.append(known)
                            continue
                    key = value
                    encoding, converter = converters[column]
                    if encoding is not None:
                        value = value.decode(encoding)
                    if converter is not None:
                        value = converter(value)
                    if cache is not None:
                        if len(cache) < CACHE_LIMIT:
                            cache[key] = value
                        else:
                            caches[column] = None
                    row.append(value)
                append(tuple(row))
            self.affected_rows = len(rows)
            self.rows = tuple(rows)

        @staticmethod
        def _check_sequence(connection, number: int) -> None:
            """pymysql's packet sequence check, with its errors."""
            if number != connection._next_seq_id:
                connection._force_close()
                if number == 0:
                    raise _connections.err.OperationalError(
                        _connections.CR.CR_SERVER_LOST, "Lost connection to MySQL server during query"
                    )
                raise _connections.err.InternalError(
                    f"Packet sequence number wrong - got {number} expected {connection._next_seq_id}"
                )
            connection._next_seq_id = (connection._next_seq_id + 1) % 256
