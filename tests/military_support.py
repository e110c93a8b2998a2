"""Fixtures of the military-court tests: the sandbox court over HTTPS (test CA), a seeded world.

Import the ``*_fixture`` functions into a test module to use the fixtures (pytest finds them by name)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine

from sandbox.military_court import MilitaryCourtService, RunningCourt, start
from tests.conftest import connection_env


def court_connection(running: RunningCourt, ca_bundle) -> str:
    """The AIRFLOW_CONN_MILITARY_COURT value an operator would define for ``running``."""
    return json.dumps({
        "conn_type": "http", "host": running.host, "port": running.port, "schema": "military-court/v1",
        "extra": {"protocol": running.scheme, "ca_bundle": str(ca_bundle), "timeout": 2, "read_timeout": 5,
                  "retries": 2, "backoff": 0.05},
    })  # fmt: skip


@dataclass
class MilitaryWorld:
    case: Engine
    hub: Engine
    court: MilitaryCourtService
    running: RunningCourt
    outgoing: int  # requests seeded for the military court


@pytest.fixture(name="mc_world")
def mc_world_fixture(make_database, monkeypatch, tmp_path, pki) -> Iterator[MilitaryWorld]:
    """A generated MariaDB case system with requests to the military court, a MariaDB hub DB, the sandbox
    court over HTTPS (its own requests about cases of that case system), and the connections."""
    from hub.db import hub_engine
    from sandbox.case_generator import GeneratorConfig, generate
    from sandbox.case_generator.military import military_subjects, seed_military_requests

    case_url, hub_url = make_database("case"), make_database("hub")
    case = create_engine(case_url)
    generate(case, GeneratorConfig(cases=120, seed=7, defect_rate=0.0))
    outgoing = seed_military_requests(case, seed=7)
    court = MilitaryCourtService(seed=7, cases=military_subjects(case, limit=3))
    running = start(court, certfile=pki.server.cert, keyfile=pki.server.key)
    monkeypatch.setenv("HUB_DB_URL", hub_url)
    monkeypatch.setenv("HUB_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv(*connection_env("case_system", case_url))
    monkeypatch.setenv("AIRFLOW_CONN_MILITARY_COURT", court_connection(running, pki.ca))
    world = MilitaryWorld(case, hub_engine(hub_url), court, running, outgoing)
    yield world
    running.stop()
    case.dispose()
    world.hub.dispose()
