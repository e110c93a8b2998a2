"""Push benchmark: N dishonest-list entries from a MariaDB case system to a MariaDB 前置库.

    .venv/bin/python bench/credit_push.py --rows 200000          # what `make bench` runs
    N=1000000 make bench                                          # a million rows

Three paths, each measured in its own child process (peak RSS is that process's own ``ru_maxrss``):

* ``hub pipeline``: :func:`hub.pipeline.run_outbound` end to end (extract, quality gate, mapping, versioned
  delivery, hash-chained ledger, quarantine, idempotency keys, watermark), into a fresh 前置库 and a fresh
  hub DB, both on MariaDB.
* ``pure SQL``: one ``INSERT INTO <frontdb>.T_SXBZXR … SELECT … FROM <case>.dishonest_entries JOIN …`` on the
  same server, doing the mapping (codes, masking, age, dates) in SQL: the ceiling of any copy.
* ``GenericTransfer``: Airflow's own ``GenericTransfer`` operator with its defaults (MySqlHook over
  mysqlclient: ``get_records`` of the whole SELECT, then ``insert_rows`` row by row, a commit every 1,000),
  from the same mapping SELECT. Needs the packages of ``bench/requirements-bench.txt``; without them the same
  DbApiHook ``get_records``/``insert_rows`` path runs on a pymysql hook, and the output says so.

The case system is seeded once per N into ``bench_case_<N>`` (reused while its bookkeeping row matches) and
trimmed to exactly N publishable entries. Everything else is created as ``bench_run_<pid>_*`` and dropped at
the end unless ``--keep``. Results go to stdout and to ``bench/results/credit_push_<N>_<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
SEED = 2019
DEFECT_RATE = 0.05
#: Bump when the seeding changes, so cached case systems are rebuilt.
SEED_FORMAT = 1
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
REQUIREMENTS = PROJECT_ROOT / "bench" / "requirements-bench.txt"
INSTALL_HINT = (
    "apt-get install -y default-libmysqlclient-dev pkg-config && "
    f".venv/bin/pip install --no-deps -r {REQUIREMENTS.relative_to(PROJECT_ROOT)}"
)

# The 前置库 columns in table order, and the mapping of mappings/credit_platform.yaml written in SQL.
FRONT_COLUMNS = (
    *("JLID", "BBH", "ZT", "XM", "ZJLX", "ZJHM", "ZJHM_GS", "XB", "NL", "FDDBR", "ZXFY", "FYDM", "SF", "AH"),
    *("LASJ", "ZXYJWH", "ZCZXYJDW", "YW", "LXQK", "SXQX", "FBSJ", "ZTYY", "TSSJ", "CLZT", "CLSJ", "CLYJ"),
)


def _mapping_select(case_db: str) -> str:
    """The SELECT that produces 前置库 rows (all columns, table order) from the case system, in SQL."""
    from hub.mapping import load_mapping
    from hub.settings import get_settings

    target = load_mapping(get_settings().mappings_dir / "credit_platform.yaml").target("dishonest_list")

    def codes(table: str, column: str) -> str:
        pairs = " ".join(f"WHEN {_sql_literal(k)} THEN {_sql_literal(v)}" for k, v in target.code_tables[table].items())
        return f"CASE {column} {pairs} END"

    return f"""
SELECT CAST(e.id AS CHAR), e.version, {codes("dishonest_state", "e.state")}, p.name,
       {codes("id_type", "p.id_type")}, p.id_number,
       IF(p.id_type = 'RIC' AND CHAR_LENGTH(p.id_number) = 18,
          CONCAT(LEFT(p.id_number, 6), '********', SUBSTRING(p.id_number, 15, 4)), p.id_number),
       {codes("sex", "p.sex")}, TIMESTAMPDIFF(YEAR, p.birth_date, e.decision_date), p.legal_representative,
       c.court_name, c.court_code, '宁夏回族自治区', c.case_no, DATE_FORMAT(c.filing_date, '%Y%m%d'),
       c.basis_doc_no, c.basis_issuer, c.obligation, e.performance_status,
       {codes("dishonest_trigger", "e.trigger_code")}, DATE_FORMAT(e.publish_date, '%Y%m%d'), e.state_reason,
       UTC_TIMESTAMP(6), '0', NULL, NULL
FROM `{case_db}`.dishonest_entries e
JOIN `{case_db}`.parties p ON p.id = e.party_id
JOIN `{case_db}`.cases c ON c.id = e.case_id
WHERE e.state <> 'PENDING' AND p.name IS NOT NULL AND p.id_number IS NOT NULL
  AND p.id_type IN ('RIC', 'USCC', 'ORGCODE') AND c.case_no IS NOT NULL"""


def _sql_literal(value) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------------
# Helpers


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def admin():
    import pymysql

    return pymysql.connect(**MARIADB, autocommit=True, charset="utf8mb4")


def url(database: str, *, local_infile: bool = True) -> str:
    # What hub.connections builds from an Airflow connection whose extra has {"local_infile": true}.
    suffix = "&local_infile=1" if local_infile else ""
    return f"mysql+pymysql://root@{MARIADB['host']}:{MARIADB['port']}/{database}?charset=utf8mb4{suffix}"


def create_database(name: str) -> None:
    with admin() as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def drop_database(name: str) -> None:
    with admin() as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def fetchone(sql: str, args=None) -> tuple | None:
    with admin() as connection, connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchone()


def scalar(sql: str, args=None):
    row = fetchone(sql, args)
    return row[0] if row else None


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---------------------------------------------------------------------------------------------------
# The case system, seeded once per N


def ensure_case_system(rows: int) -> str:
    """``bench_case_<rows>`` with exactly ``rows`` publishable dishonest entries; seeded when missing."""
    name = f"bench_case_{rows}"
    meta = (SEED_FORMAT, SEED, DEFECT_RATE, rows)
    try:
        found = fetchone(f"SELECT seed_format, seed, defect_rate, entries FROM `{name}`.bench_meta")
        eligible = scalar(f"SELECT COUNT(*) FROM `{name}`.dishonest_entries WHERE state <> 'PENDING'")
    except Exception:
        found = eligible = None
    if found is not None and (found[0], found[1], float(found[2]), found[3]) == meta and eligible == rows:
        log(f"case system {name}: reusing ({rows:,} publishable entries)")
        return name
    log(f"case system {name}: seeding {rows:,} entries (once; reused by later runs)")
    seed_case_system(name, rows)
    return name


def seed_case_system(name: str, rows: int) -> None:
    from sqlalchemy import create_engine, text

    from sandbox.case_generator import GeneratorConfig, generate

    create_database(name)
    engine = create_engine(url(name))
    # About 1.01 entries per case, 10% of them PENDING (not published): seed a margin, then trim to N.
    cases = math.ceil(rows / 0.88) + 1000
    started = time.perf_counter()

    def progress(done: int, total: int, so_far: dict) -> None:
        if done % 100_000 < 10_000 or done == total:
            log(f"  seeded {done:,}/{total:,} cases ({so_far.get('dishonest_entries', 0):,} entries)")

    generate(engine, GeneratorConfig(cases=cases, seed=SEED, defect_rate=DEFECT_RATE), progress=progress)
    with engine.begin() as connection:
        eligible = connection.execute(
            text("SELECT COUNT(*) FROM dishonest_entries WHERE state <> 'PENDING'")
        ).scalar_one()
        if eligible < rows:
            raise RuntimeError(f"seeding gave {eligible} publishable entries, fewer than {rows}")
        # Keep the first N publishable entries in cursor order (and the PENDING ones before the cut).
        cut = connection.execute(
            text(
                "SELECT updated_at, id FROM dishonest_entries WHERE state <> 'PENDING' "
                "ORDER BY updated_at, id LIMIT 1 OFFSET :n"
            ),
            {"n": rows - 1},
        ).one()
        connection.execute(
            text("DELETE FROM dishonest_entries WHERE updated_at > :t OR (updated_at = :t AND id > :i)"),
            {"t": cut[0], "i": cut[1]},
        )
        connection.execute(
            text("CREATE TABLE bench_meta (seed_format INT, seed INT, defect_rate DOUBLE, entries BIGINT)")
        )
        connection.execute(
            text("INSERT INTO bench_meta VALUES (:f, :s, :d, :n)"),
            {"f": SEED_FORMAT, "s": SEED, "d": DEFECT_RATE, "n": rows},
        )
    with engine.connect() as connection:
        connection.execute(text("ANALYZE TABLE dishonest_entries, parties, cases"))
    engine.dispose()
    log(f"  case system {name} ready in {time.perf_counter() - started:.0f}s")


def prepare_frontdb(name: str) -> None:
    from sqlalchemy import create_engine

    from sandbox.credit_platform.schema import create_all

    create_database(name)
    engine = create_engine(url(name))
    create_all(engine)
    engine.dispose()


# ---------------------------------------------------------------------------------------------------
# The paths (each runs in a child process: `credit_push.py --child PATH --spec JSON`)


def child_pipeline(spec: dict) -> dict:
    os.environ["HUB_DB_URL"] = url(spec["hub_db"])
    os.environ["HUB_DB_AUTO_MIGRATE"] = "1"
    os.environ["HUB_REPORTS_DIR"] = tempfile.mkdtemp(prefix="bench-reports-")  # the gate's HTML report
    if spec.get("chunk_size"):
        os.environ["HUB_CHUNK_SIZE"] = str(spec["chunk_size"])
    from hub.quality.ge_import import great_expectations

    great_expectations()  # a process start-up cost, like importing pandas: not timed

    from connectors.db import DatabaseLink
    from hub import ledger
    from hub.db import hub_engine
    from hub.flows import DISHONEST_LIST
    from hub.pipeline import run_outbound
    from hub.settings import get_settings

    hub = hub_engine(url(spec["hub_db"]))  # migrated here, before the clock starts
    source = DatabaseLink(url(spec["case_db"]), name="case_system")
    partner = DatabaseLink(url(spec["front_db"]), name="credit_platform_frontdb")
    total, last = spec["rows"], [time.perf_counter()]

    def progress(summary) -> None:
        now = time.perf_counter()
        if now - last[0] >= 5 or summary.extracted >= total:
            last[0] = now
            rate = summary.extracted / (now - started)
            log(f"  pipeline: {summary.extracted:,}/{total:,} records, {rate:,.0f}/s, {summary.chunks} chunks")

    started, cpu_started = time.perf_counter(), time.process_time()
    summary = run_outbound(DISHONEST_LIST, source=source, partner=partner, hub=hub, progress=progress)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    rss = peak_rss_mb()
    log("  pipeline: verifying the ledger (not timed)")
    verification = ledger.verify(hub)
    from sqlalchemy import text

    with partner.engine.connect() as connection:
        at_partner = connection.execute(text("SELECT COUNT(*) FROM T_SXBZXR")).scalar_one()
    source.dispose()
    partner.dispose()
    shutil.rmtree(os.environ["HUB_REPORTS_DIR"], ignore_errors=True)
    return {
        "rows": summary.extracted,
        "written": at_partner,
        "seconds": seconds,
        "run_cpu_seconds": cpu_seconds,  # the process's CPU while run_outbound ran (imports and checks left out)
        "peak_rss_mb": rss,
        "chunk_size": spec.get("chunk_size") or get_settings().chunk_size or DISHONEST_LIST.chunk_size,
        "summary": {k: v for k, v in summary.as_dict().items() if k != "quarantine_reasons"},
        "balanced": summary.balanced,
        "ledger": str(verification),
        "ledger_ok": verification.ok,
    }


def child_pure_sql(spec: dict) -> dict:
    import pymysql

    connection = pymysql.connect(**MARIADB, database=spec["front_db"], charset="utf8mb4")
    select_sql = _mapping_select(spec["case_db"]).replace("%", "%%")
    columns = ", ".join(FRONT_COLUMNS)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        written = cursor.execute(f"INSERT INTO T_SXBZXR ({columns}) {select_sql}")
        connection.commit()
        seconds = time.perf_counter() - started
    connection.close()
    return {"rows": written, "written": written, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def child_generic_transfer(spec: dict) -> dict:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="bench-airflow-")
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    for conn_id, database in (("bench_source", spec["case_db"]), ("bench_frontdb", spec["front_db"])):
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
            {"conn_type": "mysql", "host": MARIADB["host"], "port": MARIADB["port"], "login": MARIADB["user"],
             "password": MARIADB["password"], "schema": database, "extra": {"charset": "utf8mb4"}}
        )  # fmt: skip
    import logging

    logging.basicConfig(level=logging.WARNING)
    select_sql = _mapping_select(spec["case_db"])
    started = time.perf_counter()
    if spec["variant"] == "mysql-provider":
        from airflow.providers.common.sql.operators.generic_transfer import GenericTransfer

        operator = GenericTransfer(
            task_id="bench_generic_transfer",
            sql=select_sql,
            destination_table="T_SXBZXR",
            source_conn_id="bench_source",
            destination_conn_id="bench_frontdb",
        )
        operator.execute(context={})
        hook_name = type(operator.destination_hook).__name__
    else:  # the same DbApiHook read and insert_rows path, on a pymysql connection
        import pymysql
        from airflow.providers.common.sql.hooks.sql import DbApiHook

        class PyMySqlHook(DbApiHook):
            conn_name_attr = "conn_id"
            placeholder = "%s"

            def __init__(self, database: str):
                super().__init__()
                self.database = database

            def get_conn(self):
                return pymysql.connect(**MARIADB, database=self.database, charset="utf8mb4")

        rows = PyMySqlHook(spec["case_db"]).get_records(select_sql.replace("%", "%%"))
        PyMySqlHook(spec["front_db"]).insert_rows("T_SXBZXR", rows)
        hook_name = "DbApiHook on pymysql"
        del rows
    seconds = time.perf_counter() - started
    written = scalar(f"SELECT COUNT(*) FROM `{spec['front_db']}`.T_SXBZXR")
    return {"rows": written, "written": written, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "hook": hook_name}


def child_server_floor(spec: dict) -> dict:
    import server_floor

    with admin() as connection, connection.cursor() as cursor:
        reason = server_floor.unavailable_reason(cursor)
    if mariadb_cpu_seconds() is None:
        reason = "the MariaDB server's CPU time cannot be read here (/proc of a local mariadbd)"
    if reason:
        return {"skipped": reason}
    from connectors.db import DatabaseLink
    from hub.extract import high_water_mark, pages
    from hub.flows import DISHONEST_LIST
    from hub.watermarks import Cursor

    source = DatabaseLink(url(spec["case_db"]), name="case_system")

    def read_pages() -> int:
        stop = high_water_mark(source.engine, DISHONEST_LIST)
        return sum(len(page) for page in pages(source.engine, DISHONEST_LIST, Cursor(), stop, spec["chunk_size"]))

    try:
        return server_floor.replay(
            admin, mariadb_cpu_seconds, front=spec["front_db"], hub=spec["hub_db"], pages=read_pages,
            rows=spec["rows"], chunk_size=spec["chunk_size"],
        )  # fmt: skip
    finally:
        source.dispose()


CHILDREN = {
    "pipeline": child_pipeline,
    "pure_sql": child_pure_sql,
    "generic_transfer": child_generic_transfer,
    "server_floor": child_server_floor,
}


def mariadb_cpu_seconds() -> float | None:
    """CPU time the local MariaDB server has used so far (user + system), or None if not readable."""
    try:
        pid = subprocess.run(["pgrep", "-x", "mariadbd"], capture_output=True, text=True).stdout.split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (IndexError, OSError, ValueError):
        return None


def run_child(path: str, spec: dict) -> dict:
    """Run one path in a child process; its result is the JSON it prints last; RSS and CPU from wait4."""
    server_before, load_before = mariadb_cpu_seconds(), os.getloadavg()
    with tempfile.TemporaryFile(mode="w+") as out:
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", path, "--spec", json.dumps(spec)], stdout=out, cwd=PROJECT_ROOT
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if process.returncode != 0:
        raise RuntimeError(f"{path} failed (exit {process.returncode}); its output: {text[-2000:]}")
    result = json.loads(text.strip().splitlines()[-1])
    result["child_maxrss_mb"] = usage.ru_maxrss / 1024
    result["child_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    server_after = mariadb_cpu_seconds()
    if server_before is not None and server_after is not None:
        result["mariadb_cpu_seconds"] = server_after - server_before
    result["load_average_before"], result["load_average_after"] = load_before, os.getloadavg()
    return result


# ---------------------------------------------------------------------------------------------------
# Main


def generic_transfer_variant() -> tuple[str, str | None]:
    try:
        import MySQLdb  # noqa: F401
        from airflow.providers.mysql.hooks.mysql import MySqlHook  # noqa: F401
    except Exception as exc:  # ImportError, or the provider failing to load
        note = (
            f"apache-airflow-providers-mysql/mysqlclient not importable ({type(exc).__name__}: {exc}); "
            f"measured the same DbApiHook get_records + insert_rows path on a pymysql hook instead. "
            f"For the real operator: {INSTALL_HINT}"
        )
        return "dbapihook-pymysql", note
    return "mysql-provider", None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="dishonest-list entries to push (default 200000)")
    parser.add_argument("--chunk-size", type=int, default=None, help="HUB_CHUNK_SIZE for the pipeline")
    parser.add_argument("--skip-generic-transfer", action="store_true", help="do not measure GenericTransfer")
    parser.add_argument(
        "--innodb-buffer-pool-mb",
        type=int,
        help="size MariaDB's buffer pool for the run (SET GLOBAL, put back afterwards); default: the server as it is",
    )
    parser.add_argument(
        "--skip-server-floor", action="store_true", help="do not replay the pipeline's writes on the server alone"
    )
    parser.add_argument("--keep", action="store_true", help="keep the 前置库 and hub databases of this run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = CHILDREN[args.child](json.loads(args.spec))
        print(json.dumps(result, default=str))
        return 0
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    try:
        local_infile = scalar("SELECT @@GLOBAL.local_infile")
        server = scalar("SELECT VERSION()")
    except Exception as exc:
        print(f"MariaDB is not answering on 127.0.0.1:3306 ({exc}); run scripts/ensure-mariadb.sh", file=sys.stderr)
        return 2
    log(f"MariaDB {server}, server local_infile={'ON' if local_infile else 'OFF'}; load average {os.getloadavg()}")
    pool_before = scalar("SELECT @@GLOBAL.innodb_buffer_pool_size")
    if args.innodb_buffer_pool_mb:
        resize_buffer_pool(args.innodb_buffer_pool_mb * 2**20)
    try:
        case_db = ensure_case_system(args.rows)
        return measure(args, case_db, server, local_infile)
    finally:
        if args.innodb_buffer_pool_mb:
            resize_buffer_pool(pool_before)


def resize_buffer_pool(size: int) -> None:
    """``innodb_buffer_pool_size`` is dynamic in MariaDB 10.2+; the resize runs in the background."""
    before = scalar("SELECT @@GLOBAL.innodb_buffer_pool_size")
    log(f"MariaDB buffer pool: {before / 2**20:,.0f} -> {size / 2**20:,.0f} MB")
    with admin() as connection, connection.cursor() as cursor:
        cursor.execute("SET GLOBAL innodb_buffer_pool_size = %s", (size,))
        for _ in range(600):
            cursor.execute("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")
            status = (cursor.fetchone() or ("", ""))[1]
            if not status or "complete" in status.lower() or "finished" in status.lower():
                return
            time.sleep(0.1)
    log(f"MariaDB buffer pool: resize still running ({status})")


def measure(args, case_db: str, server: str, local_infile) -> int:
    run = f"bench_run_{os.getpid()}"
    created: list[str] = []
    results: dict[str, dict] = {}
    gt_variant, gt_note = generic_transfer_variant()
    if gt_note and not args.skip_generic_transfer:
        log(gt_note)
    load = {}
    floor: dict | None = None
    try:
        # Warm the server's caches the same way for every path.
        log("warming the case system's pages (one full read of the join)")
        scalar(
            "SELECT COUNT(*), SUM(CHAR_LENGTH(c.obligation) + CHAR_LENGTH(p.name)) "
            f"FROM `{case_db}`.dishonest_entries e JOIN `{case_db}`.parties p ON p.id = e.party_id "
            f"JOIN `{case_db}`.cases c ON c.id = e.case_id"
        )

        log("pure SQL: INSERT … SELECT across the two databases")
        front = f"{run}_sql_front"
        prepare_frontdb(front)
        created.append(front)
        load["pure_sql"] = os.getloadavg()
        results["pure SQL INSERT…SELECT"] = run_child("pure_sql", {"case_db": case_db, "front_db": front})
        drop_database(front)
        created.remove(front)

        log(f"hub pipeline: extract → gate → map → deliver → ledger ({args.rows:,} records)")
        front, hub_db = f"{run}_pipe_front", f"{run}_pipe_hub"
        prepare_frontdb(front)
        create_database(hub_db)
        created += [front, hub_db]
        load["pipeline"] = os.getloadavg()
        spec = {"case_db": case_db, "front_db": front, "hub_db": hub_db, "rows": args.rows}
        spec["chunk_size"] = args.chunk_size
        results["hub pipeline"] = run_child("pipeline", spec)
        if not args.skip_server_floor:
            log("server floor: the pipeline's writes loaded again and its pages read again on the server alone")
            spec["chunk_size"] = results["hub pipeline"]["chunk_size"]
            floor = run_child("server_floor", spec)

        if not args.skip_generic_transfer:
            label = "GenericTransfer (defaults)" if gt_variant == "mysql-provider" else "DbApiHook insert_rows"
            log(f"{label}: get_records + insert_rows (row by row, a commit every 1,000)")
            front = f"{run}_gt_front"
            prepare_frontdb(front)
            created.append(front)
            load["generic_transfer"] = os.getloadavg()
            spec = {"case_db": case_db, "front_db": front, "variant": gt_variant}
            results[label] = run_child("generic_transfer", spec)
    finally:
        if not args.keep:
            for name in created:
                drop_database(name)
        elif created:
            log(f"kept: {', '.join(created)}")

    report(args, results, load, gt_variant, gt_note, server, local_infile, floor)
    return 0


def report(args, results, load, gt_variant, gt_note, server, local_infile, floor=None) -> None:
    for result in results.values():
        result["rows_per_s"] = result["rows"] / result["seconds"] if result["seconds"] else float("inf")
    sql = results.get("pure SQL INSERT…SELECT")
    gt = next((r for k, r in results.items() if k.startswith(("GenericTransfer", "DbApiHook"))), None)
    pipe = results["hub pipeline"]
    pool_mb = scalar("SELECT @@GLOBAL.innodb_buffer_pool_size") / 2**20
    print()
    print(
        f"credit push benchmark: N={args.rows:,}, {datetime.now():%Y-%m-%d %H:%M}, load average {os.getloadavg()}, "
        f"MariaDB buffer pool {pool_mb:,.0f} MB"
    )
    header = f"{'path':<28} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak RSS MB':>12} {'vs SQL':>8} {'vs GT':>8}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        vs_sql = f"{r['rows_per_s'] / sql['rows_per_s']:.3f}" if sql else "-"
        vs_gt = f"{r['rows_per_s'] / gt['rows_per_s']:.2f}" if gt else "-"
        print(
            f"{name:<28} {r['rows']:>10,} {r['seconds']:>9.2f} {r['rows_per_s']:>10,.0f} "
            f"{r['peak_rss_mb']:>12.0f} {vs_sql:>8} {vs_gt:>8}"
        )
    summary = pipe["summary"]
    print(
        f"\npipeline: {summary['delivered']:,} delivered, {summary['quarantined']:,} quarantined, "
        f"{summary['rejected']:,} rejected in {summary['chunks']} chunks of {pipe['chunk_size']}; "
        f"{pipe['written']:,} rows at the 前置库; {pipe['ledger']}"
    )
    cores = os.cpu_count() or 1
    if pipe.get("run_cpu_seconds") and pipe.get("mariadb_cpu_seconds") is not None:
        client, server_side = (1e6 * pipe[k] / pipe["rows"] for k in ("run_cpu_seconds", "mariadb_cpu_seconds"))
        print(
            f"CPU a record: pipeline process {client:.0f} µs, MariaDB {server_side:.0f} µs: with {cores} cores no run "
            f"of this pipeline on this server can pass {cores * 1e6 / (client + server_side):,.0f} rows/s"
        )
    ceiling = None  # records/s no client can pass on this server (the server floor)
    if floor and "skipped" not in floor:
        per_record = {k: 1e6 * v / pipe["rows"] for k, v in floor["load_server_cpu_by_table"].items()}
        per_record["page reads"] = 1e6 * floor["read_server_cpu_seconds"] / pipe["rows"]
        total = 1e6 * floor["server_cpu_seconds"] / pipe["rows"]  # one reading before and after, not the sum
        # The replay is not always cheaper than the run itself (its copies share the buffer pool with the
        # originals): the smaller of the two is what the server was seen to need.
        least = min(total, 1e6 * pipe.get("mariadb_cpu_seconds", math.inf) / pipe["rows"])
        ceiling = cores * 1e6 / least
        parts = ", ".join(f"{name} {value:.1f}" for name, value in per_record.items())
        print(
            f"server floor: the pipeline's own writes and page reads on the server alone take {total:.0f} µs of "
            f"MariaDB CPU a record ({parts}); the least the server was seen to need is {least:.0f} µs: with {cores} "
            f"cores for the server and a client that costs nothing, no push that writes these rows, ledger "
            f"entries and keys can pass {ceiling:,.0f} rows/s here"
        )
    elif floor:
        print(f"server floor: not measured ({floor['skipped']})")
    if gt_note:
        print(f"note: {gt_note}")
    checks = []
    if sql:
        checks.append(("pipeline >= 1/4 of pure SQL", pipe["rows_per_s"] >= sql["rows_per_s"] / 4,
                       f"{pipe['rows_per_s']:,.0f} vs {sql['rows_per_s'] / 4:,.0f} rows/s"))  # fmt: skip
    if gt:
        checks.append(("pipeline >= 8x GenericTransfer", pipe["rows_per_s"] >= 8 * gt["rows_per_s"],
                       f"{pipe['rows_per_s']:,.0f} vs {8 * gt['rows_per_s']:,.0f} rows/s"))  # fmt: skip
    checks.append(("pipeline peak RSS < 300 MB", pipe["peak_rss_mb"] < 300, f"{pipe['peak_rss_mb']:.0f} MB"))
    print()
    for name, ok, detail in checks:
        needed = _needed_rate(name, sql, gt)
        if not ok and ceiling and needed and needed > ceiling:
            detail += f"; out of reach here: above the server floor's {ceiling:,.0f} rows/s"
        print(f"{'PASS' if ok else 'FAIL'}  {name} ({detail})")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    path = RESULTS_DIR / f"credit_push_{args.rows}_{stamp}.json"
    document = {
        "when": datetime.now().isoformat(timespec="seconds"),
        "rows": args.rows,
        "chunk_size": pipe["chunk_size"],
        "host": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "mariadb": server,
            "server_local_infile": bool(local_infile),
            "innodb_buffer_pool_mb": pool_mb,
        },
        "load_average_before": load,
        "load_average_after": os.getloadavg(),
        "generic_transfer_variant": gt_variant,
        "generic_transfer_note": gt_note,
        "results": results,
        "server_floor": floor,
        "checks": {name: {"pass": ok, "detail": detail} for name, ok, detail in checks},
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nresults: {path.relative_to(PROJECT_ROOT)}")


def _needed_rate(check: str, sql: dict | None, gt: dict | None) -> float | None:
    """The rate a rate check asks of the pipeline."""
    if check.endswith("pure SQL") and sql:
        return sql["rows_per_s"] / 4
    if check.endswith("GenericTransfer") and gt:
        return 8 * gt["rows_per_s"]
    return None


if __name__ == "__main__":
    sys.exit(main())
