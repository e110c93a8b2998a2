"""The demo's sandbox banks: the in-process SFTP server, the responders and the summary, on SQLite."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine

from connectors.sftp import HostKeyError, SftpLink
from hub.banks import tasks
from hub.db import hub_engine
from sandbox.banks.demo import bank_summary, start_demo_banks


@pytest.fixture
def demo(hub_env, monkeypatch):
    from sandbox.case_generator import GeneratorConfig, generate
    from tests.conftest import connection_env

    case_url = f"sqlite:///{hub_env / 'case_system.db'}"
    engine = create_engine(case_url)
    generate(engine, GeneratorConfig(cases=30, seed=3, defect_rate=0.0))
    monkeypatch.setenv(*connection_env("case_system", case_url))
    for name in ("AIRFLOW_CONN_BANK_A_SFTP", "AIRFLOW_CONN_BANK_B_SFTP"):
        monkeypatch.setenv(name, "")  # start_demo_banks sets them; undone after the test
    banks = start_demo_banks(hub_env, engine)
    yield banks, engine
    banks.stop()
    engine.dispose()


def test_demo_banks_answer_over_the_in_process_sftp_server(demo):
    import time

    banks, engine = demo
    for bank in ("bank_a", "bank_b"):
        assert tasks.send_requests(bank)["delivered"] > 0
    deadline = time.monotonic() + 30
    while not all(tasks.responses_ready(bank) for bank in ("bank_a", "bank_b")):
        assert time.monotonic() < deadline, "the sandbox banks did not answer"
        time.sleep(0.3)
    for bank in ("bank_a", "bank_b"):
        assert tasks.ingest_responses(bank)["files_loaded"] == 1
    banks.write_statements(engine, date(2026, 11, 20))
    for bank in ("bank_a", "bank_b"):
        assert tasks.load_statements(bank)["files_loaded"] == 1
    summary = bank_summary(engine, hub_engine(), today=date(2026, 11, 27))
    for bank in ("bank_a", "bank_b"):
        figures = summary[bank]
        assert figures["request_files"] == {"COMPLETE": 1} and figures["requests_sent"] > 0
        assert figures["results_loaded"] > 0 and figures["credits_matched"] > 0
        assert figures["credits_unmatched"] == figures["unmatched_past_deadline"] == 3


def test_the_in_process_server_is_pinned_too(demo):
    _banks, _engine = demo
    from sandbox.banks.sftp_server import new_ed25519

    _key, other = new_ed25519()
    settings = tasks.bank("bank_a").sftp_settings()
    with pytest.raises(HostKeyError, match="HOST KEY MISMATCH"):
        SftpLink(type(settings)(**{**settings.__dict__, "host_key": other})).connect()
