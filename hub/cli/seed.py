"""``hub seed``: fill a case system with synthetic Ningxia enforcement cases (sandbox.case_generator).

The demo, the tests and the benchmarks need a case system to extract from; real case data never leaves
the courts. By default the target is the case system the flows read: the Airflow connection
``case_system`` when it is defined, else the demo's SQLite file (``HUB_DEMO_DIR/case_system.db``);
``--url`` or ``--conn-id`` name another. After generating, the requests officers send to the partners are
filed too (sandbox.requests, the same requests ``hub demo`` files), so every outbound flow has work.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NoReturn

import click
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from hub.errors import HubError
from hub.settings import get_settings

#: The connection the flows read the case system through.
CASE_SYSTEM_CONN_ID = "case_system"

#: Print a progress line every this many chunks (CHUNK_CASES cases each) on long runs.
PROGRESS_EVERY_CHUNKS = 5


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(2)


def _resolve_url(url: str | None, conn_id: str | None) -> URL:
    """The target URL: --url, else --conn-id, else the flows' case_system connection, else the demo file."""
    if url and conn_id:
        _fail("give either --url or --conn-id, not both")
    if not url and not conn_id and os.environ.get(f"AIRFLOW_CONN_{CASE_SYSTEM_CONN_ID.upper()}"):
        conn_id = CASE_SYSTEM_CONN_ID
    if conn_id:
        try:
            from hub.connections import sqlalchemy_url
        except ImportError as exc:
            _fail(f"--conn-id needs hub.connections.sqlalchemy_url, which cannot be imported ({exc}); use --url")
        try:
            return make_url(sqlalchemy_url(conn_id))
        except HubError as exc:
            _fail(str(exc))
    if not url:
        return make_url(f"sqlite:///{get_settings().demo_dir / 'case_system.db'}")
    try:
        return make_url(url)
    except ArgumentError:
        # The text is not echoed: an unparsable URL cannot be masked and may hold a password.
        _fail(
            "the --url value is not a SQLAlchemy URL; expected e.g. sqlite:///path/case_system.db "
            "or mysql+pymysql://user@127.0.0.1:3306/case_system"
        )


def _connect(url: URL) -> Engine:
    """An engine that has answered once; a SQLite file's folder is created if missing."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    shown = url.render_as_string(hide_password=True)
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        _fail(f"cannot use URL {shown}: {exc}")
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        _fail(f"cannot connect to {shown}: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}")
    return engine


def _existing_cases(engine: Engine) -> int:
    from hub.casesystem.schema import cases

    if not inspect(engine).has_table(cases.name):
        return 0
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(cases)).scalar_one()


def _file_requests(engine: Engine) -> None:
    """File the partner flows' requests (sandbox.requests) and print them per flow, and per bank."""
    from sandbox.requests import REQUEST_SEED, RequestSeedingError, bank_request_counts, seed_partner_requests

    click.echo(f"\nfiling the partner requests (seed {REQUEST_SEED}) ...")
    try:
        filed = seed_partner_requests(engine)
    except RequestSeedingError as exc:
        _fail(f"{exc} Or pass --no-requests to skip this step.")
    rows: list[tuple[str, object]] = []
    for flow, count in filed.items():
        rows.append((flow, "skipped" if count is None else count))
        if flow == "bank_inquiry_control" and count:
            rows += [(f"  {bank}", n) for bank, n in bank_request_counts(engine).items()]
    click.echo(_table("requests filed (flow)", rows))
    skipped = [flow for flow, count in filed.items() if count is None]
    if skipped:
        from sandbox.requests import filed_requests

        held = filed_requests(engine, skipped)
        click.echo(
            "skipped, requests already filed (nothing is filed twice): "
            + ", ".join(f"{flow} ({held[flow]})" for flow in skipped)
        )


def _table(title: str, rows: list[tuple[str, object]]) -> str:
    width = max([len(title), *(len(name) for name, _ in rows)])
    lines = [f"{title:<{width}}  {'rows':>10}", f"{'-' * width}  {'-' * 10}"]
    lines += [f"{name:<{width}}  {value:>10}" for name, value in rows]
    return "\n".join(lines)


@click.command("seed")
@click.option(
    "--cases",
    "n_cases",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Number of enforcement cases to generate (about one dishonest listing each).",
)
@click.option("--seed", type=int, default=2019, show_default=True, help="Same seed, same rows.")
@click.option(
    "--defect-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.05,
    show_default=True,
    help="Share of listings given one deliberate defect, spread evenly over the defect kinds.",
)
@click.option(
    "--evolve",
    "evolve_fraction",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Afterwards, move time forward: this fraction of changeable rows change state.",
)
@click.option(
    "--requests/--no-requests",
    "file_requests",
    default=None,
    help="File the requests officers send to the partners (debtor_locate, vehicle_control, exit_restriction, "
    "bank_inquiry_control per configured bank, military_court_sync) with the demo's seeders and request "
    "seed 7 (whatever --seed), so make demo files the same ones for the flows it runs. "
    "Default: on when cases are generated, off with --cases 0; --cases 0 --requests files them on an "
    "existing case system. A flow that already has requests is skipped: nothing is filed twice (--replace "
    "drops the requests with the cases, so fresh ones are filed).",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Drop the generated tables first if they hold cases, and the tables that refer to them (requests, "
    "results, feedback).",
)
@click.option("--url", default=None, help="SQLAlchemy URL of the target case system.")
@click.option("--conn-id", default=None, help="Airflow connection id of the target case system.")
def command(
    n_cases: int,
    seed: int,
    defect_rate: float,
    evolve_fraction: float | None,
    file_requests: bool | None,
    replace: bool,
    url: str | None,
    conn_id: str | None,
) -> None:
    """Generate a synthetic Ningxia enforcement case system (cases, parties, dishonest list, restrictions).

    An existing case system is never appended to: pass --replace to regenerate it, or --cases 0 with
    --evolve to simulate time passing on it (incremental deliveries in the demo). Requests for the
    partner flows are filed after generating (see --requests), before any --evolve.
    """
    from sandbox.case_generator import DEFECT_KINDS, DEFECT_TABLES, GeneratorConfig, evolve, generate, reset

    if file_requests is None:
        file_requests = n_cases > 0
    target = _resolve_url(url, conn_id)
    engine = _connect(target)
    shown = target.render_as_string(hide_password=True)
    try:
        existing = _existing_cases(engine)
        if existing and n_cases:
            if not replace:
                _fail(
                    f"{shown} already holds {existing} cases: pass --replace to regenerate it, "
                    "or --cases 0 --evolve FRACTION to evolve it"
                )
            click.echo(f"dropping the generated tables of {shown} ({existing} cases)", err=True)
            reset(engine)
        if n_cases:
            config = GeneratorConfig(cases=n_cases, seed=seed, defect_rate=defect_rate)
            click.echo(f"generating {n_cases} cases (seed {seed}, defect rate {defect_rate}) into {shown}")
            started = time.perf_counter()
            chunks = 0

            def progress(done: int, total: int, rows: dict[str, int]) -> None:
                nonlocal chunks
                chunks += 1
                if chunks % PROGRESS_EVERY_CHUNKS == 0 and done < total:
                    elapsed = time.perf_counter() - started
                    click.echo(f"  {done}/{total} cases, {sum(rows.values())} rows, {elapsed:.1f}s", err=True)

            report = generate(engine, config, progress=progress)
            click.echo(_table("table", list(report.rows.items())))
            click.echo()
            click.echo(f"defects injected in {report.listings} listings:")
            click.echo(
                _table(
                    "defect (table)",
                    [(f"{k} ({DEFECT_TABLES[k]})", report.defect_counts[k]) for k in DEFECT_KINDS],
                )
            )
            click.echo(f"\ngenerated in {report.seconds:.1f}s")
        elif not existing and (file_requests or evolve_fraction is None):
            _fail(
                "--cases 0 on an empty case system: there are no cases to "
                + ("file requests for" if file_requests else "evolve or file requests for")
                + "; give --cases N"
            )
        if file_requests:
            _file_requests(engine)
        if evolve_fraction is not None:
            evolution = evolve(engine, seed, evolve_fraction)
            click.echo(f"\nevolved at {evolution.now.isoformat(sep=' ')} (fraction {evolve_fraction}):")
            click.echo(_table("transition", sorted(evolution.transitions.items())))
            click.echo(
                f"updated_at {evolution.first_updated_at} .. {evolution.last_updated_at}, "
                f"{evolution.tied_rows} rows share a timestamp with another"
            )
    except HubError as exc:
        _fail(str(exc))
    except SQLAlchemyError as exc:
        _fail(f"database error on {shown}: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}")
    finally:
        engine.dispose()
