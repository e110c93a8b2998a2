"""``hub seed``: the command around the case generator (targets, bad URLs, --replace) and the partner
requests it files for every outbound flow (--requests)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from hub.casesystem.schema import cases
from hub.cli.seed import command

# --- command -----------------------------------------------------------------------------------------


def test_seed_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'cs.db'}"
    runner = CliRunner()
    result = runner.invoke(command, ["--cases", "200", "--seed", "4", "--defect-rate", "0.1", "--url", url])
    assert result.exit_code == 0, result.output
    assert "dishonest_entries" in result.output and "legal_rep_listed" in result.output

    again = runner.invoke(command, ["--cases", "200", "--url", url])
    assert again.exit_code == 2 and "--replace" in again.output

    evolved = runner.invoke(command, ["--cases", "0", "--evolve", "0.2", "--url", url])
    assert evolved.exit_code == 0, evolved.output
    assert "ISSUED->LIFTED" in evolved.output

    replaced = runner.invoke(command, ["--cases", "50", "--replace", "--url", url])
    assert replaced.exit_code == 0, replaced.output
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(cases.c.id).order_by(cases.c.id.desc()).limit(1)).scalar_one() == 50
    engine.dispose()


def test_seed_command_default_target_and_bad_urls(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("HUB_DEMO_DIR", str(tmp_path / ".demo"))
    monkeypatch.delenv("AIRFLOW_CONN_CASE_SYSTEM", raising=False)
    result = runner.invoke(command, ["--cases", "10"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".demo" / "case_system.db").exists()

    for bad in ("not a url", "nosuchdb+driver://x/y", "mysql+pymysql://root@127.0.0.1:1/nowhere"):
        result = runner.invoke(command, ["--cases", "10", "--url", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "Error:" in result.output
    result = runner.invoke(command, ["--url", "sqlite://", "--conn-id", "x"])
    assert result.exit_code == 2 and "not both" in result.output


# --- partner requests (--requests) -------------------------------------------------------------------


def _request_counts(url: str) -> dict[str, int]:
    from sandbox.requests import REQUEST_TABLES

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                flow: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for flow, table in REQUEST_TABLES.items()
            }
    finally:
        engine.dispose()


def _printed_requests(output: str) -> dict[str, str]:
    """The rows of the 'requests filed (flow)' table, by flow (and '  bank' for the banks)."""
    lines = output.split("requests filed (flow)", 1)[1].splitlines()[2:]
    rows = {}
    for line in lines:
        if not line.strip() or line.startswith("skipped,"):
            break
        name, value = line.rsplit(maxsplit=1)
        rows[name.rstrip()] = value
    return rows


def test_seed_files_the_requests_of_every_partner_flow(tmp_path):
    from hub.banks.config import configured_banks
    from hub.casesystem.banks import bank_control_requests
    from sandbox.requests import PARTNER_FLOWS

    url = f"sqlite:///{tmp_path / 'cs.db'}"
    runner = CliRunner()
    result = runner.invoke(command, ["--cases", "200", "--url", url])
    assert result.exit_code == 0, result.output
    counts = _request_counts(url)
    printed = _printed_requests(result.output)
    assert set(counts) == set(PARTNER_FLOWS)
    for flow, n in counts.items():
        assert n > 0, (flow, result.output)
        assert printed[flow] == str(n), (flow, result.output)
    engine = create_engine(url)
    with engine.connect() as conn:
        per_bank = dict(
            conn.execute(
                select(bank_control_requests.c.bank_code, func.count()).group_by(bank_control_requests.c.bank_code)
            ).all()
        )
    engine.dispose()
    assert set(per_bank) == set(configured_banks())
    for bank, n in per_bank.items():
        assert printed[f"  {bank}"] == str(n)

    # A second requests step on the same case system files nothing twice, as --help says.
    again = runner.invoke(command, ["--cases", "0", "--requests", "--url", url])
    assert again.exit_code == 0, again.output
    assert _request_counts(url) == counts
    assert set(_printed_requests(again.output).values()) == {"skipped"}
    assert "nothing is filed twice" in again.output

    # Same cases, same requests: hub seed files exactly what the demo's seeders file.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert runner.invoke(command, ["--cases", "200", "--url", other]).exit_code == 0
    assert _request_counts(other) == counts


def test_seed_no_requests_and_requests_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'cs.db'}"
    runner = CliRunner()
    result = runner.invoke(command, ["--cases", "200", "--no-requests", "--url", url])
    assert result.exit_code == 0, result.output
    assert "requests filed" not in result.output
    assert set(_request_counts(url).values()) == {0}

    # --cases 0 alone files nothing (it says so); --cases 0 --requests files them on the existing cases.
    nothing = runner.invoke(command, ["--cases", "0", "--url", url])
    assert nothing.exit_code == 0 and "requests filed" not in nothing.output
    later = runner.invoke(command, ["--cases", "0", "--requests", "--url", url])
    assert later.exit_code == 0, later.output
    assert all(n > 0 for n in _request_counts(url).values())

    empty = runner.invoke(command, ["--cases", "0", "--requests", "--url", f"sqlite:///{tmp_path / 'empty.db'}"])
    assert empty.exit_code == 2 and "no cases" in empty.output


def test_seed_requests_on_an_old_case_system_fails_clearly(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    runner = CliRunner()
    assert runner.invoke(command, ["--cases", "50", "--no-requests", "--url", url]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as conn:  # the table as an older schema left it: no status columns
        conn.execute(text("DROP TABLE military_outgoing_requests"))
        conn.execute(text("CREATE TABLE military_outgoing_requests (id INTEGER PRIMARY KEY, case_id INTEGER)"))
    engine.dispose()
    result = runner.invoke(command, ["--cases", "0", "--requests", "--url", url])
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output and "military_court_sync" in result.output
    assert "--replace" in result.output and "--no-requests" in result.output
    counts = _request_counts(url)
    assert counts["debtor_locate"] > 0 and counts["military_court_sync"] == 0


@pytest.mark.mariadb
def test_replace_on_mariadb_drops_the_requests_with_the_cases_and_files_fresh_ones(make_database):
    """MariaDB's foreign keys refuse to drop cases that requests still point at; --replace drops both."""
    url = make_database("seedreplace")
    runner = CliRunner()
    first = runner.invoke(command, ["--cases", "60", "--url", url])
    assert first.exit_code == 0, first.output
    assert all(n > 0 for n in _request_counts(url).values())
    replaced = runner.invoke(command, ["--cases", "40", "--replace", "--url", url])
    assert replaced.exit_code == 0, replaced.output
    assert "skipped" not in replaced.output
    counts = _request_counts(url)
    assert all(n > 0 for n in counts.values())
    engine = create_engine(url)
    with engine.connect() as conn:
        orphans = conn.execute(
            text("SELECT COUNT(*) FROM locate_requests r LEFT JOIN cases c ON c.id = r.case_id WHERE c.id IS NULL")
        ).scalar_one()
    engine.dispose()
    assert orphans == 0
