"""The sandbox banks for ``make demo``: an in-process SFTP server, two sandbox banks answering their
inboxes, keys, and the Airflow connections (environment variables) that point the hub at them.

    banks = start_demo_banks(Path(".demo"), case_system_engine)   # seeds requests, sets AIRFLOW_CONN_*
    ... run the DAG bank_inquiry_control, then write_statements + case_account_statements ...
    print(bank_summary(case_system_engine, hub_engine))
    banks.stop()

Environment variables are set in ``os.environ`` (and returned by :meth:`DemoBanks.env`) so that
``airflow dags test`` started afterwards inherits them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select

from hub.banks.flows import FLOW_NAME, STATEMENT_FLOW
from hub.banks.statements import CLAIM_DEADLINE_DAYS, unmatched_credits
from hub.casesystem.banks import account_statement_lines, bank_control_requests, bank_control_results
from hub.db.models import PendingExchange
from sandbox.banks.sftp_server import InProcessSftpServer, new_ed25519
from sandbox.banks.world import SandboxBanks, make_sandbox_banks, seed_requests

DEMO_BANKS = ["bank_a", "bank_b"]


@dataclass
class DemoBanks:
    sandbox: SandboxBanks
    server: InProcessSftpServer

    def env(self) -> dict[str, str]:
        return self.sandbox.env()

    def write_statements(self, case_system: Engine, day: date | None = None) -> list[Path]:
        return self.sandbox.write_statements(case_system, day or date.today())

    def stop(self) -> None:
        self.sandbox.stop()
        self.server.stop()


def start_demo_banks(demo_dir: Path, case_system: Engine, *, banks: list[str] | None = None) -> DemoBanks:
    """Seed control requests and sub-accounts, start the SFTP server and the responders, set connections."""
    banks = banks or DEMO_BANKS
    root = Path(demo_dir) / "banks"
    shutil.rmtree(root, ignore_errors=True)
    (root / "client").mkdir(parents=True)
    sandbox = make_sandbox_banks(root / "sftp", banks)
    client_key = root / "client" / "hub_ed25519"
    _key, client_line = new_ed25519(client_key)
    # The server serves root/sftp; each bank's folders are /<bank> on it.
    server = InProcessSftpServer(root / "sftp", client_line).start()
    sandbox.connect(
        server.host, server.port, "hub", str(client_key), server.host_key_line,
        {code: f"/{code}" for code in banks},
    )  # fmt: skip
    os.environ.update(sandbox.env())
    if not _has_requests(case_system):  # a second demo run sends nothing new
        seed_requests(case_system, banks)
    sandbox.start(interval=0.5)
    return DemoBanks(sandbox, server)


def _has_requests(case_system: Engine) -> bool:
    if not inspect(case_system).has_table(bank_control_requests.name):
        return False
    with case_system.connect() as connection:
        return connection.execute(select(func.count()).select_from(bank_control_requests)).scalar_one() > 0


def bank_summary(case_system: Engine, hub: Engine, *, today: date | None = None) -> dict:
    """Per bank: request files and requests sent, their status, results loaded by outcome, statement
    lines, matched and unmatched credits (with how many are past the claim deadline)."""
    pending = PendingExchange.__table__
    out = {}
    with hub.connect() as connection:
        rows = connection.execute(
            select(pending.c.partner, pending.c.kind, pending.c.status, func.count(), func.sum(pending.c.record_count))
            .where(pending.c.flow.in_([FLOW_NAME, STATEMENT_FLOW]))
            .group_by(pending.c.partner, pending.c.kind, pending.c.status)
        ).all()
    for bank, kind, status, files, records in rows:
        entry = out.setdefault(bank, {"request_files": {}, "requests_sent": 0, "files_in": 0})
        if kind == "FILE":
            entry["request_files"][status] = files
            entry["requests_sent"] += int(records or 0)
        else:
            entry["files_in"] += files
    with case_system.connect() as connection:
        results = connection.execute(
            select(bank_control_results.c.bank_code, bank_control_results.c.result_type, bank_control_results.c.outcome,
                   func.count())
            .group_by(bank_control_results.c.bank_code, bank_control_results.c.result_type,
                      bank_control_results.c.outcome)
        ).all()  # fmt: skip
        lines = connection.execute(
            select(account_statement_lines.c.bank_code, account_statement_lines.c.case_id.is_(None), func.count())
            .where(account_statement_lines.c.direction == "CREDIT")
            .group_by(account_statement_lines.c.bank_code, account_statement_lines.c.case_id.is_(None))
        ).all()
    for bank, kind, outcome, count in results:
        entry = out.setdefault(bank, {"request_files": {}, "requests_sent": 0, "files_in": 0})
        entry.setdefault("results", {})[f"{kind} {outcome}"] = count
        entry["results_loaded"] = entry.get("results_loaded", 0) + count
    for bank, unmatched, count in lines:
        entry = out.setdefault(bank, {"request_files": {}, "requests_sent": 0, "files_in": 0})
        entry["credits_unmatched" if unmatched else "credits_matched"] = count
    for bank, entry in out.items():
        credits = unmatched_credits(case_system, bank, today=today)
        entry["unmatched_past_deadline"] = sum(1 for c in credits if c["past_deadline"])
        entry["claim_deadline_days"] = CLAIM_DEADLINE_DAYS
    return out
