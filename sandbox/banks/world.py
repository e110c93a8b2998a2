"""Everything the demo and the tests need around the sandbox banks: control requests and virtual
sub-accounts for a seeded case system, keys, the bank folders and the Airflow connections that name them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select

from hub.casesystem import cases, metadata, parties
from hub.casesystem.banks import bank_control_requests, case_virtual_accounts
from sandbox.banks.responder import BankSide, Responder, SandboxBank, accounts_of, write_keys

ACTIVE_CASES = ("OPEN", "CLOSED_NO_ASSETS", "RESUMED")


def virtual_account(bank: str, case_id: int) -> str:
    """The case's sub-account at ``bank`` (一案一账号)."""
    return f"{bank.upper().replace('_', '')}{case_id:010d}"


def seed_requests(case_system: Engine, banks: list[str], *, today: date | None = None, limit: int | None = None) -> int:
    """Control requests for the debtors of active cases, at every bank; and a sub-account per case and bank.

    Every debtor is inquired; every third is frozen (limit = the case amount, one year); every seventh with
    an account is deducted from; every eleventh has an earlier freeze lifted. Returns the requests added.
    """
    metadata.create_all(case_system)
    today = today or date(2026, 11, 27)
    query = (
        select(parties.c.id, parties.c.case_id, parties.c.id_number, cases.c.amount, cases.c.officer,
               cases.c.filing_date)
        .join(cases, cases.c.id == parties.c.case_id)
        .where(parties.c.role == "DEBTOR", cases.c.status.in_(ACTIVE_CASES), parties.c.id_number.is_not(None))
        .order_by(parties.c.id)
    )  # fmt: skip
    if limit:
        query = query.limit(limit)
    now = datetime(2026, 11, 27, 8, 0, 0)
    rows, accounts = [], []
    with case_system.connect() as connection:
        debtors = connection.execute(query).all()
        known_cases = {r[0] for r in connection.execute(select(case_virtual_accounts.c.case_id))}
    for n, debtor in enumerate(debtors):
        party_id, case_id, id_number, amount, officer, filed = debtor
        for bank in banks:
            base = {
                "case_id": case_id, "party_id": party_id, "bank_code": bank, "version": 1,
                "officer": officer or "执行员", "work_credential": f"GZ{case_id % 100000:06d}",
                "official_credential": f"GW{case_id % 100000:06d}", "created_at": now, "updated_at": now,
            }  # fmt: skip
            rows.append({**base, "action": "INQUIRE"})
            if n % 3 == 0:
                rows.append({**base, "action": "FREEZE", "amount": Decimal(amount or 10000),
                             "period_start": today, "period_end": today + timedelta(days=365)})  # fmt: skip
            held = accounts_of(bank, id_number)
            if n % 7 == 0 and held:
                rows.append({**base, "action": "DEDUCT", "amount": Decimal(amount or 10000) / 10,
                             "account_no": held[0]["account_no"]})  # fmt: skip
            if n % 11 == 0 and held:
                rows.append(
                    {**base, "action": "UNFREEZE", "amount": Decimal(1000), "account_no": held[0]["account_no"]}
                )
            if case_id not in known_cases:
                account = virtual_account(bank, case_id)
                accounts.append({"case_id": case_id, "bank_code": bank, "virtual_account": account,
                                 "opened_on": filed or today})  # fmt: skip
        known_cases.add(case_id)
    with case_system.begin() as connection:
        if rows:
            for start in range(0, len(rows), 2000):
                connection.execute(insert(bank_control_requests), _same_keys(rows[start : start + 2000]))
        if accounts:
            connection.execute(insert(case_virtual_accounts), accounts)
    return len(rows)


def _same_keys(rows: list[dict]) -> list[dict]:
    names = ("amount", "period_start", "period_end", "account_no")
    return [{**dict.fromkeys(names), **row} for row in rows]


def virtual_accounts(case_system: Engine, bank: str) -> list[str]:
    query = select(case_virtual_accounts.c.virtual_account).where(case_virtual_accounts.c.bank_code == bank)
    with case_system.connect() as connection:
        return [row[0] for row in connection.execute(query.order_by(case_virtual_accounts.c.id))]


def count_requests(case_system: Engine, bank: str) -> int:
    query = select(func.count()).where(bank_control_requests.c.bank_code == bank)
    with case_system.connect() as connection:
        return connection.execute(query).scalar_one()


def sftp_connections(
    extras: dict[str, dict], host: str, port: int, user: str, key_file: str, host_key: str, remote_roots: dict
) -> dict[str, str]:
    """One SFTP Airflow connection (JSON) per partner code of ``extras``, on a server serving ``remote_roots``;
    each partner's own extra (keys, folders) added to the transport settings."""
    connections = {}
    for code, own in extras.items():
        extra = {"key_file": key_file, "host_key": host_key, "remote_root": remote_roots[code],
                 "connect_timeout": 10, "operation_timeout": 30, **own}  # fmt: skip
        connections[code] = json.dumps({"conn_type": "sftp", "host": host, "port": port, "login": user, "extra": extra})
    return connections


def connection_env(connections: dict[str, str]) -> dict[str, str]:
    """The environment variables that define ``connections`` for Airflow (AIRFLOW_CONN_<CODE>_SFTP)."""
    return {f"AIRFLOW_CONN_{code.upper()}_SFTP": value for code, value in connections.items()}


@dataclass
class SandboxBanks:
    """The sandbox banks of one demo or test: their folders, keys, responder and connection JSON."""

    root: Path
    banks: dict[str, SandboxBank]
    extras: dict[str, dict]
    responder: Responder | None = None
    connections: dict[str, str] = field(default_factory=dict)

    def connect(self, host: str, port: int, user: str, key_file: str, host_key: str, remote_roots: dict) -> None:
        """The AIRFLOW_CONN_<BANK>_SFTP values (JSON) for an SFTP server that serves ``remote_roots``."""
        self.connections.update(sftp_connections(self.extras, host, port, user, key_file, host_key, remote_roots))

    def env(self) -> dict[str, str]:
        return connection_env(self.connections)

    def start(self, interval: float = 0.5) -> SandboxBanks:
        self.responder = Responder(list(self.banks.values()), interval).start()
        return self

    def stop(self) -> None:
        if self.responder:
            self.responder.stop()

    def write_statements(self, case_system: Engine, day: date) -> list[Path]:
        return [bank.write_statement(day, virtual_accounts(case_system, code)) for code, bank in self.banks.items()]


def make_sandbox_banks(root: Path, banks: list[str]) -> SandboxBanks:
    """Keys under ``root/keys`` and one server folder per bank under ``root/<bank>`` (bank-side view)."""
    court, parties_, extras = write_keys(root / "keys", banks)
    sandbox = {code: SandboxBank(code, root / code, BankSide(code, parties_[code], court.public())) for code in banks}
    return SandboxBanks(root, sandbox, extras)
