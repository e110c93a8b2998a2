"""The server's share of a push, with no client work: a floor under any pipeline's cost on this server.

After the pipeline has run, the rows it wrote (the 前置库 rows, the ledger's RECORD entries, the
idempotency keys, the quarantined records) are exported by the server, in the order they were written, to
files it can read back. They are then loaded again with server-side ``LOAD DATA INFILE`` into empty copies
of the same tables, in chunks of the pipeline's size, one 前置库 and one hub transaction per chunk as the
pipeline commits them; and the pipeline's own keyset page queries are read once more. The MariaDB CPU
these take is what the server must spend on a push that keeps a ledger entry and an idempotency key per
record, whatever the client does: no parsing, no gate, no text building, no network transfer of the rows.

So no push that writes these rows, ledger entries and keys, however fast its client, can move more than
``cores / (server CPU a record)`` records a second through this server (every core for the server, none
for the client): a target above that is out of reach here. The report divides by the smaller of this
and the server CPU of the run itself: the replay is not always the cheaper (at 1,000,000 rows its copies
share the buffer pool with the originals). The split by table is approximate (the CPU counter ticks every
10 ms); the total is one reading before and one after.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable

#: (name, table, database, the export's SELECT): each chunk's rows in the order written, by the ledger's
#: sequence numbers {low} < seq <= {high} (the pipeline appends a chunk's RECORD entries in one run).
_BY_LEDGER = (
    "JOIN `{hub}`.ledger_entries l ON l.record_key = x.%s AND l.kind = 'RECORD' "
    "WHERE l.seq > {low} AND l.seq <= {high} ORDER BY l.seq"
)
EXPORTS = (
    ("前置库 rows", "T_SXBZXR", "front", "SELECT x.* FROM `{front}`.T_SXBZXR x " + _BY_LEDGER % "JLID"),
    (
        "ledger entries",
        "ledger_entries",
        "hub",
        "SELECT * FROM `{hub}`.ledger_entries WHERE seq > {low} AND seq <= {high} ORDER BY seq",
    ),
    (
        "idempotency keys",
        "delivered_keys",
        "hub",
        "SELECT x.* FROM `{hub}`.delivered_keys x " + _BY_LEDGER % "record_key",
    ),
    ("quarantined records", "quarantine", "hub", "SELECT x.* FROM `{hub}`.quarantine x " + _BY_LEDGER % "record_key"),
)


def _wait_until_idle(server_cpu: Callable[[], float | None], *, limit: float = 60.0) -> None:
    """Wait (up to ``limit`` seconds) until the server used under 2% of a core for a second: InnoDB flushes
    and purges after a big write, and that CPU belongs to the writes before, not to the ones measured."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = server_cpu()
        time.sleep(1.0)
        after = server_cpu()
        if before is None or after is None or after - before < 0.02:
            return


def unavailable_reason(cursor) -> str | None:
    """Why the server cannot write and read files for the replay here, or None."""
    cursor.execute("SELECT @@GLOBAL.secure_file_priv")
    where = cursor.fetchone()[0]
    if where not in (None, ""):
        return f"the server writes files only under secure_file_priv={where}"
    return None


def replay(
    connect: Callable, server_cpu: Callable[[], float | None], *, front: str, hub: str, pages: Callable[[], int],
    rows: int, chunk_size: int,
) -> dict:  # fmt: skip
    """Export, reload and re-read as above; the MariaDB CPU seconds of the reload and of the reads.

    ``connect()`` gives an autocommit pymysql connection as root; ``pages()`` runs the pipeline's page
    queries over the case system and returns the rows read.
    """
    workdir = tempfile.mkdtemp(prefix="bench-floor-")
    os.chmod(workdir, 0o777)  # written by the server's own user
    copy = f"{front}_floor"
    connection = connect()
    try:
        with connection.cursor() as cursor:
            chunks = range(0, rows + 2, chunk_size)  # + the two BATCH entries of the ledger
            for _name, table, _database, select in EXPORTS:
                for number, low in enumerate(chunks):
                    query = select.format(front=front, hub=hub, low=low, high=low + chunk_size)
                    cursor.execute(f"{query} INTO OUTFILE '{workdir}/{table}.{number:06d}'")
            cursor.execute(f"DROP DATABASE IF EXISTS `{copy}`")
            cursor.execute(f"CREATE DATABASE `{copy}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            for _name, table, database, _select in EXPORTS:
                source = front if database == "front" else hub
                cursor.execute(f"CREATE TABLE `{copy}`.`{table}` LIKE `{source}`.`{table}`")
            spent = dict.fromkeys((name for name, *_ in EXPORTS), 0.0)
            _wait_until_idle(server_cpu)  # the server's background work for earlier writes is not counted
            started, cpu_started = time.perf_counter(), server_cpu()
            for number, _offset in enumerate(chunks):
                for group in (("front",), ("hub",)):  # the partner commits first, then the hub
                    cursor.execute("BEGIN")
                    for name, table, database, _select in EXPORTS:
                        path = f"{workdir}/{table}.{number:06d}"
                        if database not in group or not os.path.getsize(path):
                            continue
                        before = server_cpu()
                        cursor.execute(f"LOAD DATA INFILE '{path}' INTO TABLE `{copy}`.`{table}` CHARACTER SET utf8mb4")
                        spent[name] += server_cpu() - before
                    cursor.execute("COMMIT")
            load_seconds, load_cpu = time.perf_counter() - started, server_cpu() - cpu_started
            cursor.execute(f"DROP DATABASE `{copy}`")
    finally:
        connection.close()
        shutil.rmtree(workdir, ignore_errors=True)
    _wait_until_idle(server_cpu)
    cpu_started = server_cpu()
    read = pages()
    read_cpu = server_cpu() - cpu_started
    return {
        "load_seconds": load_seconds,
        "load_server_cpu_seconds": load_cpu,
        "load_server_cpu_by_table": spent,
        "read_rows": read,
        "read_server_cpu_seconds": read_cpu,
        "server_cpu_seconds": load_cpu + read_cpu,
    }
