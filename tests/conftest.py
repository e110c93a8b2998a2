"""Shared fixtures: real MariaDB databases (one per test, dropped after), the hub's settings, the sandbox.

`make test` makes sure MariaDB answers on 127.0.0.1:3306 (scripts/ensure-mariadb.sh); a test that needs
it fails, rather than skips, when it does not, so a broken machine cannot pass as green.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pymysql
import pytest
from sqlalchemy import create_engine

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# Airflow reads its configuration once, at import: give the test session its own home before anything
# imports it, so tests never touch ~/airflow or the demo's .airflow/.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="hub-tests-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

pytest_plugins = ["tests.sftp_fixtures"]  # the OpenSSH sshd fixture (SFTP transport and bank flows)

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def mariadb_url(database: str) -> str:
    return f"mysql+pymysql://root@127.0.0.1:3306/{database}?charset=utf8mb4"


@pytest.fixture(scope="session")
def mariadb_admin() -> Iterator[pymysql.connections.Connection]:
    try:
        connection = pymysql.connect(**MARIADB, autocommit=True)
    except pymysql.err.OperationalError as exc:
        pytest.fail(f"MariaDB is not answering on 127.0.0.1:3306 ({exc}); run scripts/ensure-mariadb.sh")
    yield connection
    connection.close()


@pytest.fixture
def make_database(mariadb_admin) -> Iterator:
    """Factory: a fresh MariaDB database per call, dropped when the test ends."""
    created: list[str] = []

    def make(prefix: str = "hubtest") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with mariadb_admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        created.append(name)
        return mariadb_url(name)

    yield make
    with mariadb_admin.cursor() as cursor:
        for name in created:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def make_pg_database() -> Iterator:
    """Factory: a fresh PostgreSQL database per call (127.0.0.1:5432, trust auth), dropped after the test."""
    import psycopg2

    try:
        admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not answering on 127.0.0.1:5432 ({exc}); run scripts/ensure-postgres.sh")
    admin.autocommit = True
    created: list[str] = []

    def make(prefix: str = "hubtest") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"

    yield make
    with admin.cursor() as cursor:
        for name in created:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def hub_env(tmp_path, monkeypatch) -> Path:
    """Point the hub's settings at a temporary SQLite hub DB and the project's mappings and suites."""
    monkeypatch.setenv("HUB_DB_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    monkeypatch.setenv("HUB_DEMO_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_REPORTS_DIR", str(tmp_path / "reports"))
    return tmp_path


def connection_env(conn_id: str, url: str) -> tuple[str, str]:
    """An AIRFLOW_CONN_* variable for a MariaDB or SQLite URL, the way an operator would define it."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        value = {"conn_type": "sqlite", "host": parsed.database}
    else:
        value = {
            "conn_type": "mysql",
            "host": parsed.host,
            "port": parsed.port,
            "login": parsed.username,
            "password": parsed.password or "",
            "schema": parsed.database,
        }
    return f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(value)


@pytest.fixture
def engine_for():
    """Factory for throwaway engines that are disposed after the test."""
    engines = []

    def make(url: str):
        engine = create_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


class CreditPlatformWorld:
    """A seeded MariaDB case system, an empty MariaDB 前置库 and a MariaDB hub DB, wired by connections."""

    def __init__(self, case_url: str, frontdb_url: str, hub_url: str, report):
        from connectors.db import DatabaseLink
        from hub.db import hub_engine

        self.case_url, self.frontdb_url, self.hub_url = case_url, frontdb_url, hub_url
        self.source = DatabaseLink(case_url, name="case_system")
        self.frontdb = DatabaseLink(frontdb_url, name="credit_platform_frontdb")
        self.hub = hub_engine(hub_url)
        self.report = report

    def run(self, flow, **kwargs):
        from hub.pipeline import run_outbound

        return run_outbound(flow, source=self.source, partner=self.frontdb, hub=self.hub, **kwargs)

    def count(self, url_attr: str, sql: str) -> int:
        from sqlalchemy import text

        link = {"case": self.source, "frontdb": self.frontdb}[url_attr]
        with link.engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()

    def close(self) -> None:
        self.source.dispose()
        self.frontdb.dispose()


@pytest.fixture
def credit_world(make_database, monkeypatch, tmp_path) -> Iterator[CreditPlatformWorld]:
    from hub.casesystem import metadata as case_metadata
    from sandbox.case_generator import GeneratorConfig, generate
    from sandbox.credit_platform.schema import create_all

    case_url, frontdb_url, hub_url = make_database("case"), make_database("frontdb"), make_database("hub")
    case_engine = create_engine(case_url)
    report = generate(case_engine, GeneratorConfig(cases=300, seed=7, defect_rate=0.1))
    case_metadata.create_all(case_engine)
    case_engine.dispose()
    frontdb_engine = create_engine(frontdb_url)
    create_all(frontdb_engine)
    frontdb_engine.dispose()
    monkeypatch.setenv("HUB_DB_URL", hub_url)
    monkeypatch.setenv("HUB_REPORTS_DIR", str(tmp_path / "reports"))
    for conn_id, url in (("case_system", case_url), ("credit_platform_frontdb", frontdb_url)):
        monkeypatch.setenv(*connection_env(conn_id, url))
    world = CreditPlatformWorld(case_url, frontdb_url, hub_url, report)
    yield world
    world.close()
