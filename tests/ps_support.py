"""Fixtures of the public-security tests: a test PKI, the sandbox SOAP service over HTTPS, a seeded world.

Import the ``*_fixture`` functions into a test module to use the fixtures
(pytest finds them by their ``name``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine

from sandbox.public_security import PublicSecurityService, RunningService, start
from sandbox.public_security.tls import TestPki, make_test_pki
from tests.conftest import connection_env


@pytest.fixture(scope="session", name="pki")
def pki_fixture(tmp_path_factory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(name="ps_https")
def ps_https_fixture(pki) -> Iterator[RunningService]:
    """The sandbox service over HTTPS with a certificate from the test CA."""
    running = start(PublicSecurityService(seed=7), certfile=pki.server.cert, keyfile=pki.server.key)
    yield running
    running.stop()


def soap_connection(running: RunningService, ca_bundle, **extra) -> str:
    """The AIRFLOW_CONN_PUBLIC_SECURITY value an operator would define for ``running``."""
    value = {
        "conn_type": "http",
        "host": running.host,
        "port": running.port,
        "schema": "public-security/v1",
        "extra": {"protocol": running.scheme, "ca_bundle": str(ca_bundle) if ca_bundle else None,
                  "timeout": 2, "read_timeout": 3, "retries": 2, "backoff": 0.05, **extra},
    }  # fmt: skip
    return json.dumps(value)


@dataclass
class PsWorld:
    case_url: str
    hub_url: str
    case: Engine
    hub: Engine
    service: RunningService
    requests: int  # locate requests seeded
    ca: object
    vehicle_requests: int = 0
    exit_orders: int = 0


@pytest.fixture(name="ps_world")
def ps_world_fixture(make_database, monkeypatch, tmp_path, ps_https, pki) -> Iterator[PsWorld]:
    """A seeded MariaDB case system with locate requests, vehicle requests and exit orders, a MariaDB hub DB,
    the HTTPS sandbox, connections."""
    from hub.db import hub_engine
    from sandbox.case_generator import GeneratorConfig, generate
    from sandbox.public_security.requests import seed_exit_orders, seed_locate_requests, seed_vehicle_requests

    case_url, hub_url = make_database("case"), make_database("hub")
    case = create_engine(case_url)
    generate(case, GeneratorConfig(cases=120, seed=7, defect_rate=0.1))
    count = seed_locate_requests(case, share=0.5, seed=7)
    vehicle_count = seed_vehicle_requests(case, share=0.4, seed=7)
    exit_count = seed_exit_orders(case, share=0.4, seed=7)
    monkeypatch.setenv("HUB_DB_URL", hub_url)
    monkeypatch.setenv("HUB_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("HUB_PS_POLL_SECONDS", "0.2")
    monkeypatch.setenv(*connection_env("case_system", case_url))
    monkeypatch.setenv("AIRFLOW_CONN_PUBLIC_SECURITY", soap_connection(ps_https, pki.ca))
    world = PsWorld(case_url, hub_url, case, hub_engine(hub_url), ps_https, count, pki.ca, vehicle_count, exit_count)
    yield world
    case.dispose()
    world.hub.dispose()
