"""The bank DAGs (网络查控 and 一案一账号): their shape (a pool per bank, a reschedule sensor, the ledger
callback), both run end to end through Airflow against the real OpenSSH sshd, MariaDB and the sandbox banks,
and a third bank added by a mapping file and a connection alone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hub import ledger
from hub.banks import tasks
from hub.banks.flows import FLOW_NAME
from hub.casesystem.banks import account_statement_lines
from tests.bank_support import BANKS, bank_results, bank_world_fixture, make_world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb


@pytest.mark.airflow
def test_both_bank_dags_run_end_to_end_through_airflow(bank_world, monkeypatch):
    from hub import airflow_env, batches
    from hub.banks.flows import STATEMENT_FLOW
    from hub.db.models import LedgerEntry

    world = bank_world
    monkeypatch.setenv("HUB_BANK_POKE_SECONDS", "1")
    monkeypatch.setenv("HUB_BANK_WAIT_SECONDS", "120")
    env = airflow_env.prepare()
    world.sandbox.start(interval=0.3)
    try:
        result = airflow_env.run_dag(FLOW_NAME, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        for bank in BANKS:
            (exchange,) = world.pending(bank)
            assert exchange["status"] == "COMPLETE"
            assert bank_results(world, bank) > 0
        out = batches.latest(world.hub, FLOW_NAME, "OUT")
        assert out["status"] == "SUCCEEDED" and out["delivered"] > 0

        world.sandbox.write_statements(world.case, date(2026, 11, 26))
        result = airflow_env.run_dag(STATEMENT_FLOW, env=env)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert world.count(account_statement_lines) > 0
        assert world.count(account_statement_lines, account_statement_lines.c.case_id.is_not(None)) > 0

        rerun = airflow_env.run_dag(FLOW_NAME, env=env)
        assert rerun.returncode == 0, rerun.stdout[-3000:]
        assert all(len(world.pending(bank)) == 1 for bank in BANKS)  # nothing new was sent
    finally:
        world.sandbox.stop()
    assert ledger.verify(world.hub).ok
    table = LedgerEntry.__table__
    with world.hub.connect() as connection:
        failures = connection.execute(
            select(table.c.reason).where(table.c.outcome.in_(["failed", "task_failed", "rejected"]))
        ).all()
    assert failures == []


def test_a_third_bank_is_a_mapping_file_and_a_connection(make_database, monkeypatch, sshd, tmp_path):
    """bank_c: bank A's fields, but UTF-8 fixed width with its own file names: no code, one YAML file."""
    import shutil

    import yaml

    from hub.banks.config import configured_banks
    from hub.settings import PROJECT_ROOT

    mappings = tmp_path / "mappings"
    shutil.copytree(PROJECT_ROOT / "mappings", mappings)
    document = yaml.safe_load((mappings / "bank_a.yaml").read_text(encoding="utf-8"))
    document["partner"] = "bank_c"
    for kind, prefix in (("request", "C_REQ"), ("response", "C_RESP"), ("statement", "C_STMT")):
        layout = document["layouts"][kind]
        layout.update(encoding="utf-8", file_pattern=f"{prefix}_*.txt", name_template=f"{prefix}_{{stem}}.txt")
        layout["line_ending"] = "\n"
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    (mappings / "bank_c.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("HUB_MAPPINGS_DIR", str(mappings))
    # Deny by default: the new bank receives nothing until it has a policy (docs/policies.md).
    policies = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", policies)
    policy = yaml.safe_load((policies / "bank_a.yaml").read_text(encoding="utf-8"))
    policy["partner"] = "bank_c"
    (policies / "bank_c.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("HUB_POLICIES_DIR", str(policies))
    assert configured_banks() == ["bank_a", "bank_b", "bank_c"]
    world = make_world(make_database, monkeypatch, sshd, tmp_path, ["bank_c"])
    try:
        sent = tasks.send_requests("bank_c")
        (name,) = sent["request_files"]
        assert name.startswith("C_REQ_bank_c_") and name.endswith(".txt")
        world.sandbox.banks["bank_c"].answer_pending()
        got = tasks.ingest_responses("bank_c")
        assert got["files_loaded"] == 1 and got["loaded"] > 0 and bank_results(world, "bank_c") == got["loaded"]
    finally:
        world.case.dispose()


def test_bank_dags_use_a_pool_per_bank_a_reschedule_sensor_and_the_ledger_callback():
    from airflow.dag_processing.dagbag import DagBag

    from hub.runner import record_task_failure
    from hub.settings import PROJECT_ROOT

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert not {k: v for k, v in bag.import_errors.items() if "bank" in k or "statements" in k}
    control, statements = bag.dags[FLOW_NAME], bag.dags["case_account_statements"]
    for bank in BANKS:
        sensor = control.get_task(f"await_responses_{bank}")
        assert sensor.mode == "reschedule" and sensor.soft_fail
        assert control.get_task(f"ingest_responses_{bank}").trigger_rule == "none_failed"
        assert [t.task_id for t in control.get_task(f"send_requests_{bank}").downstream_list] == [sensor.task_id]
        assert statements.get_task(f"load_statements_{bank}").pool == bank
    for task in [*control.tasks, *statements.tasks]:
        assert task.pool in BANKS and task.retries >= 1
        callbacks = task.on_failure_callback
        assert record_task_failure in (callbacks if isinstance(callbacks, list) else [callbacks])
    assert control.max_active_runs == statements.max_active_runs == 1
    import json

    pools = json.loads((PROJECT_ROOT / "deploy" / "airflow" / "pools.json").read_text(encoding="utf-8"))
    assert set(BANKS) <= set(pools)
