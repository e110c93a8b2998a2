"""The public-security DAGs (debtor_locate, vehicle_control, exit_restriction): built in the partner's pool
with backoff and a ledger callback, and run end to end through Airflow (`airflow dags test`) over HTTPS
against the sandbox public-security service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hub import airflow_env, batches, ledger
from hub.casesystem import locate_requests, locate_results
from hub.casesystem.public_security import exit_acks, exit_orders, vehicle_interceptions, vehicle_results
from hub.runner import record_task_failure
from tests.conftest import PROJECT_ROOT
from tests.ps_support import pki_fixture, ps_https_fixture, ps_world_fixture  # noqa: F401  (fixtures)

DAG_ID = "debtor_locate"
PUBLIC_SECURITY_DAGS = ("debtor_locate", "vehicle_control", "exit_restriction")


@pytest.mark.parametrize("dag_id", PUBLIC_SECURITY_DAGS)
def test_the_dag_runs_submit_then_collect_in_the_public_security_pool(dag_id):
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{dag_id}.py")).dags[dag_id]
    assert [t.task_id for t in dag.topological_sort()] == ["submit", "collect_results"]
    for task in dag.tasks:
        assert task.pool == "public_security" and task.retries >= 1 and task.retry_exponential_backoff
        callbacks = (
            task.on_failure_callback if isinstance(task.on_failure_callback, list) else [task.on_failure_callback]
        )
        assert record_task_failure in callbacks
    assert dag.max_active_runs == 1


@pytest.mark.airflow
@pytest.mark.mariadb
def test_debtor_locate_runs_end_to_end_through_airflow_over_https(ps_world, monkeypatch):
    monkeypatch.setenv("HUB_PS_WAIT_SECONDS", "20")
    env = airflow_env.prepare()
    result = airflow_env.run_dag(DAG_ID, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = batches.latest(ps_world.hub, DAG_ID, "OUT")
    assert out["status"] == "SUCCEEDED", out["error"]
    assert out["extracted"] == out["delivered"] + out["quarantined"] + out["rejected"] and out["delivered"] > 0
    inbound = batches.latest(ps_world.hub, DAG_ID, "IN")
    assert inbound["status"] == "SUCCEEDED" and inbound["loaded"] >= out["delivered"]
    with ps_world.case.connect() as connection:
        assert connection.execute(select(func.count()).select_from(locate_results)).scalar_one() == out["delivered"]
        statuses = dict(
            connection.execute(select(locate_requests.c.status, func.count()).group_by(locate_requests.c.status)).all()
        )
    assert statuses.get("ANSWERED", 0) + statuses.get("NOT_FOUND", 0) == out["delivered"]
    assert "SUBMITTED" not in statuses

    rerun = airflow_env.run_dag(DAG_ID, env=env)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    again = batches.latest(ps_world.hub, DAG_ID, "OUT")
    assert (again["extracted"], again["delivered"]) == (0, 0)
    assert ledger.verify(ps_world.hub).ok
    failures = [
        e for e in ledger.entries(ps_world.hub, flow=DAG_ID, limit=100_000) if e["outcome"] in ("failed", "task_failed")
    ]
    assert failures == []


def _run_twice(ps_world, dag_id: str) -> tuple[dict, dict]:
    """Run ``dag_id`` through Airflow, then again: the rerun must send nothing; returns the batches."""
    env = airflow_env.prepare()
    result = airflow_env.run_dag(dag_id, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out, inbound = batches.latest(ps_world.hub, dag_id, "OUT"), batches.latest(ps_world.hub, dag_id, "IN")
    assert out["status"] == "SUCCEEDED" and inbound["status"] == "SUCCEEDED", (out["error"], inbound["error"])
    assert out["extracted"] == out["delivered"] + out["quarantined"] + out["rejected"] and out["delivered"] > 0
    rerun = airflow_env.run_dag(dag_id, env=env)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    again = batches.latest(ps_world.hub, dag_id, "OUT")
    assert (again["extracted"], again["delivered"]) == (0, 0)
    assert ledger.verify(ps_world.hub).ok
    failures = [
        e for e in ledger.entries(ps_world.hub, flow=dag_id, limit=100_000) if e["outcome"] in ("failed", "task_failed")
    ]
    assert failures == []
    return out, inbound


def _count(engine, table, *where) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


@pytest.mark.airflow
@pytest.mark.mariadb
def test_vehicle_control_runs_end_to_end_through_airflow_over_https_and_alerts_interceptions(ps_world, monkeypatch):
    monkeypatch.setenv("HUB_PS_WAIT_SECONDS", "20")
    out, _ = _run_twice(ps_world, "vehicle_control")
    assert _count(ps_world.case, vehicle_results) == out["delivered"]
    interceptions = _count(ps_world.case, vehicle_interceptions)
    urgent = list(ledger.entries(ps_world.hub, flow="vehicle_control", outcome="alert_urgent", limit=1000))
    assert interceptions > 0 and len(urgent) == interceptions  # once each, across both runs


@pytest.mark.airflow
@pytest.mark.mariadb
def test_exit_restriction_runs_end_to_end_through_airflow_over_https(ps_world, monkeypatch):
    monkeypatch.setenv("HUB_PS_WAIT_SECONDS", "20")
    out, _ = _run_twice(ps_world, "exit_restriction")
    assert _count(ps_world.case, exit_acks) == out["delivered"]
    assert _count(ps_world.case, exit_orders, exit_orders.c.status == "ACKNOWLEDGED") == out["delivered"]
    assert _count(ps_world.case, exit_orders, exit_orders.c.border_order_no.is_(None),
                  exit_orders.c.status == "ACKNOWLEDGED") == 0  # fmt: skip
