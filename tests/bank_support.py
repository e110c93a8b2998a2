"""Fixtures of the bank tests: a seeded case system, a hub DB and the sandbox banks on the real OpenSSH sshd.

Import the ``*_fixture`` functions into a test module to use the fixtures (pytest finds them by name).
The ``sshd`` fixture comes from tests/sftp_fixtures.py (a plugin of tests/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from hub.casesystem.banks import bank_control_results
from hub.db import hub_engine
from hub.db.models import PendingExchange
from sandbox.banks.world import make_sandbox_banks, seed_requests

BANKS = ["bank_a", "bank_b"]


class BankWorld:
    def __init__(self, case_url: str, hub_url: str, sandbox, sshd):
        self.case = create_engine(case_url)
        self.hub = hub_engine(hub_url)
        self.sandbox = sandbox
        self.sshd = sshd

    def count(self, table, *where) -> int:
        with self.case.connect() as connection:
            return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()

    def pending(self, bank: str, kind: str = "FILE") -> list[dict]:
        table = PendingExchange.__table__
        query = select(table).where(table.c.partner == bank, table.c.kind == kind)
        with self.hub.connect() as connection:
            return [dict(r) for r in connection.execute(query).mappings()]

    def folder(self, bank: str, name: str) -> Path:
        return self.sandbox.banks[bank].root / name


def make_world(make_database, monkeypatch, sshd, tmp_path, banks: list[str]) -> BankWorld:
    """Seed a world for ``banks`` from the ``make_database``, ``monkeypatch``, ``sshd`` and ``tmp_path`` fixtures."""
    from sandbox.case_generator import GeneratorConfig, generate
    from tests.conftest import connection_env

    case_url, hub_url = make_database("case"), make_database("hub")
    case_engine = create_engine(case_url)
    generate(case_engine, GeneratorConfig(cases=40, seed=11, defect_rate=0.0))
    seed_requests(case_engine, banks)
    case_engine.dispose()
    root = sshd.files / f"banks_{uuid.uuid4().hex[:8]}"
    sandbox = make_sandbox_banks(root, banks)
    sandbox.connect(
        sshd.host, sshd.port, sshd.user, str(sshd.client_key_path), sshd.host_key_line,
        {code: str(root / code) for code in banks},
    )  # fmt: skip
    monkeypatch.setenv("HUB_DB_URL", hub_url)
    monkeypatch.setenv("HUB_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv(*connection_env("case_system", case_url))
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)
    return BankWorld(case_url, hub_url, sandbox, sshd)


@pytest.fixture(name="bank_world")
def bank_world_fixture(make_database, monkeypatch, sshd, tmp_path) -> Iterator[BankWorld]:
    """A generated MariaDB case system with requests for bank_a and bank_b, a MariaDB hub DB, the sandbox
    banks on the OpenSSH sshd, and the connections."""
    world = make_world(make_database, monkeypatch, sshd, tmp_path, BANKS)
    yield world
    world.case.dispose()


def bank_results(world: BankWorld, bank: str) -> int:
    """Results of ``bank`` loaded into the case system."""
    return world.count(bank_control_results, bank_control_results.c.bank_code == bank)
