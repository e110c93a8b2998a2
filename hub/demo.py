"""`make demo`: the whole main job on embedded defaults, from nothing to a verified ledger.

Everything lives under ``.demo/`` (SQLite case system, 前置库 and hub DB) and ``.airflow/`` (Airflow's
own SQLite metadata). Connections are defined here as AIRFLOW_CONN_* variables, exactly as an operator
would define real ones. Running it again delivers nothing new and says so; `--evolve` first moves the
synthetic case system forward in time so that the next run has changes to carry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import click

from hub.banks.flows import FLOW_NAME as BANK_FLOW_NAME
from hub.banks.flows import STATEMENT_FLOW as BANK_STATEMENT_FLOW
from hub.settings import PROJECT_ROOT, get_settings

DEMO_FLOWS = ("dishonest_list_sync", "consumption_restriction_sync")
BANK_FLOW, STATEMENT_FLOW = BANK_FLOW_NAME, BANK_STATEMENT_FLOW
LOCATE_FLOW = "debtor_locate"
PUBLIC_SECURITY_FLOWS = (LOCATE_FLOW, "vehicle_control", "exit_restriction")
EXIT_FLOW = "exit_restriction"


def demo_paths(demo_dir: Path) -> dict[str, Path]:
    return {
        "case_system": demo_dir / "case_system.db",
        "frontdb": demo_dir / "credit_frontdb.db",
        "hub": demo_dir / "hub.db",
        "simulator_log": demo_dir / "credit_platform.log",
    }


def configure_environment(demo_dir: Path) -> dict[str, Path]:
    """Point the hub and Airflow at the demo's SQLite files, unless the operator set them already."""
    paths = demo_paths(demo_dir)
    demo_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HUB_DEMO_DIR", str(demo_dir))
    os.environ.setdefault("HUB_DB_URL", f"sqlite:///{paths['hub']}")
    os.environ.setdefault("HUB_ACK_WAIT_SECONDS", "20")
    for conn_id, path in (("CASE_SYSTEM", paths["case_system"]), ("CREDIT_PLATFORM_FRONTDB", paths["frontdb"])):
        os.environ.setdefault(f"AIRFLOW_CONN_{conn_id}", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    return paths


def start_platform(url: str, log_path: Path) -> subprocess.Popen:
    log = log_path.open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox.credit_platform", "--url", url],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=PROJECT_ROOT,
    )


def run_demo(*, cases: int, evolve: float, seed: int) -> bool:
    from connectors.db import make_engine
    from hub import airflow_env
    from hub.db import hub_engine
    from hub.public_security.results import flow_summary as public_security_summary
    from hub.report import print_flow_summaries
    from sandbox.banks.demo import bank_summary, start_demo_banks
    from sandbox.case_generator import GeneratorConfig, generate
    from sandbox.case_generator import evolve as evolve_cases
    from sandbox.credit_platform.schema import create_all
    from sandbox.public_security.demo import connection_env, start_demo_service
    from sandbox.public_security.requests import lift_exit_orders
    from sandbox.requests import seed_partner_requests

    paths = configure_environment(get_settings().demo_dir)
    case_url = f"sqlite:///{paths['case_system']}"
    case_engine = make_engine(case_url)
    lift_exits = False  # lift some exit restrictions once they are acknowledged (fresh or evolving case system)
    if not paths["case_system"].exists() or paths["case_system"].stat().st_size == 0:
        click.echo(f"seeding a synthetic Ningxia case system: {cases} cases (seed {seed}) ...")
        report = generate(case_engine, GeneratorConfig(cases=cases, seed=seed)).to_dict()
        click.echo("  rows: " + ", ".join(f"{table} {n}" for table, n in report["rows"].items()))
        click.echo("  defects injected: " + ", ".join(f"{kind} {n}" for kind, n in report["defects"].items()))
        # The banks' requests are filed by start_demo_banks (same seeder, same banks); the military court
        # is not part of the demo.
        filed = seed_partner_requests(case_engine, flows=PUBLIC_SECURITY_FLOWS)
        click.echo(f"  locate requests for public security: {filed[LOCATE_FLOW] or 0}")
        click.echo(f"  vehicle requests (search/control): {filed['vehicle_control'] or 0}")
        click.echo(f"  exit restriction orders: {filed[EXIT_FLOW] or 0}")
        lift_exits = True
    elif evolve:
        click.echo(f"moving the case system forward: {evolve:.0%} of entries change state ...")
        changes = evolve_cases(case_engine, seed=seed + int(time.time()) % 1000, fraction=evolve).to_dict()
        click.echo("  " + ", ".join(f"{change} {n}" for change, n in changes["transitions"].items()))
        lift_exits = True
    else:
        click.echo(f"case system exists ({paths['case_system']}); not seeding again")
    case_engine.dispose()

    frontdb_url = f"sqlite:///{paths['frontdb']}"
    create_all(make_engine(frontdb_url))
    hub_engine()  # migrate the hub DB before Airflow tasks touch it
    click.echo("starting the sandbox banks (in-process SFTP server, one responder per dialect) ...")
    os.environ.setdefault("HUB_BANK_POKE_SECONDS", "1")
    os.environ.setdefault("HUB_BANK_WAIT_SECONDS", "120")
    case_engine = make_engine(case_url)
    banks = start_demo_banks(paths["case_system"].parent, case_engine)
    click.echo("starting the sandbox public-security SOAP service ...")
    public_security = start_demo_service()
    os.environ.update(connection_env(public_security))
    click.echo("preparing the project-local Airflow (SQLite metadata, partner pools) ...")
    env = airflow_env.prepare()
    click.echo(f"starting the sandbox credit platform (log: {paths['simulator_log']}) ...")
    platform = start_platform(frontdb_url, paths["simulator_log"])
    try:
        failed = _run_dags(env, [*DEMO_FLOWS, BANK_FLOW, *PUBLIC_SECURITY_FLOWS])
        if lift_exits and EXIT_FLOW not in failed:
            lifted = lift_exit_orders(case_engine, share=0.3, seed=seed, when=datetime.now().replace(microsecond=0))
            click.echo(f"officers lift {len(lifted)} exit restrictions (debts paid): a LIFT version of each goes out")
            failed += _run_dags(env, [EXIT_FLOW])
        banks.write_statements(case_engine, date.today() - timedelta(days=5))
        failed += _run_dags(env, [STATEMENT_FLOW])
        failed += demo_public_servant_report(env, banks)
    finally:
        platform.terminate()
        platform.wait(timeout=10)
        banks.stop()
        public_security.stop()
    healthy = print_flow_summaries(hub_engine(), list(DEMO_FLOWS))
    print_bank_summary(bank_summary(case_engine, hub_engine()))
    for flow in PUBLIC_SECURITY_FLOWS:
        print_public_security_summary(public_security_summary(flow, hub_engine(), case_engine))
    case_engine.dispose()
    return healthy and not failed


def demo_public_servant_report(env: dict[str, str], banks) -> list[str]:
    """纪委监委 / 组织人事部门: their folders on the banks' in-process SFTP server, the DAG once, a line per partner
    (files and records sent so far, rows the policy or the quality gate held back). Returns failed DAGs."""
    from hub.db import hub_engine
    from hub.reports.flows import FLOW_NAME as REPORT_FLOW
    from hub.reports.tasks import report_summary
    from sandbox.public_servant_report import start_demo_desks

    client_key = json.loads(next(iter(banks.env().values())))["extra"]["key_file"]
    start_demo_desks(banks.server, Path(client_key), env)
    failed = _run_dags(env, [REPORT_FLOW])
    click.secho(f"\n{REPORT_FLOW} (sealed files over SFTP, totals so far)", bold=True)
    for partner, figures in report_summary(hub_engine()).items():
        click.echo(f"  → {partner:<22} files {figures['files']:>3}, records {figures['records']:>5}, "
                   f"policy-blocked {figures['policy_blocked']}, quarantined {figures['quarantined']}")  # fmt: skip
    return failed


def _run_dags(env: dict[str, str], dag_ids: list[str]) -> list[str]:
    """Run each DAG once through Airflow; return those that failed (their output is shown)."""
    from hub import airflow_env

    failed = []
    for dag_id in dag_ids:
        click.echo(f"running DAG {dag_id} through Airflow ...")
        started = time.monotonic()
        result = airflow_env.run_dag(dag_id, env=env)
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        click.echo(f"  {status} in {time.monotonic() - started:.0f}s")
        if result.returncode != 0:
            failed.append(dag_id)
            click.echo(result.stdout[-3000:] + result.stderr[-3000:], err=True)
    return failed


def print_bank_summary(summary: dict) -> None:
    """The banks' part of the demo summary: files and requests sent, results loaded, statement credits."""
    for bank, figures in sorted(summary.items()):
        click.secho(f"\n{BANK_FLOW} / {STATEMENT_FLOW} → {bank} (totals so far)", bold=True)
        files = ", ".join(f"{status.lower()} {n}" for status, n in sorted(figures["request_files"].items()))
        click.echo(f"  request files          {files or 'none'}")
        click.echo(f"  requests sent          {figures['requests_sent']:>8}")
        results = figures.get("results", {})
        click.echo(f"  results loaded         {figures.get('results_loaded', 0):>8}  "
                   + "; ".join(f"{kind} {n}" for kind, n in sorted(results.items())))  # fmt: skip
        click.echo(f"  credits matched        {figures.get('credits_matched', 0):>8}")
        click.echo(
            f"  credits unmatched      {figures.get('credits_unmatched', 0):>8}  "
            f"{figures['unmatched_past_deadline']} past the {figures['claim_deadline_days']}-day claim deadline"
        )


def print_public_security_summary(summary: dict) -> None:
    """Public security's part of the demo summary, per flow: requests submitted, answers collected, what
    officers see, rows loaded, and the interceptions alerted (vehicle_control) or stale orders (exit)."""
    submitted, collected = summary["submitted"], summary["collected"]
    click.secho(f"\n{summary['flow']} → public_security (SOAP)", bold=True)
    if submitted.get("extracted", 0) == 0:
        click.echo("  nothing new to submit since the last run")
    click.echo(f"  requests submitted     {submitted['delivered']:>8}  (quarantined {submitted['quarantined']})")
    click.echo(f"  answers collected      {collected['extracted']:>8}  loaded {collected['loaded']}, "
               f"quarantined {collected['quarantined']}")  # fmt: skip
    requests = ", ".join(f"{status.lower()} {n}" for status, n in sorted(summary["requests"].items()))
    tickets = ", ".join(f"{status.lower()} {n}" for status, n in sorted(summary["tickets"].items()))
    click.echo(f"  requests by status     {requests}")
    click.echo(f"  tickets by status      {tickets}")
    loaded = ", ".join(f"{table} {n}" for table, n in summary.get("loaded", {}).items())
    click.echo(f"  loaded (all runs)      {loaded}")
    outcomes = summary.get("outcomes", {})
    if summary["flow"] == "vehicle_control":
        click.echo(f"  interceptions alerted  {outcomes.get('alert_urgent', 0):>8}  (urgent: hub alerts --urgent)")
    if summary["flow"] == EXIT_FLOW:
        status = summary["requests"]
        click.echo(f"  exit orders            acknowledged {status.get('ACKNOWLEDGED', 0)}, lifted "
                   f"{status.get('LIFTED', 0)}, stale answers {outcomes.get('stale', 0)}")  # fmt: skip
