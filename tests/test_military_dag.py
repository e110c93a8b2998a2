"""The military_court_sync DAG: built in the partner's pool with backoff and a ledger callback, and run end
to end through Airflow (`airflow dags test`) over HTTPS against the sandbox military court."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hub import airflow_env, batches, ledger
from hub.casesystem import military_incoming_requests, military_outgoing_requests
from hub.military.flows import DAG_ID, INCOMING, OUTGOING, STATUS
from hub.runner import record_task_failure
from tests.conftest import PROJECT_ROOT
from tests.military_support import mc_world_fixture  # noqa: F401  (fixtures)
from tests.ps_support import pki_fixture  # noqa: F401  (fixtures)


def test_the_dag_submits_fetches_then_syncs_in_the_military_court_pool():
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{DAG_ID}.py")).dags[DAG_ID]
    assert [t.task_id for t in dag.topological_sort()] == ["submit_outgoing", "fetch_incoming", "sync_statuses"]
    for task in dag.tasks:
        assert task.pool == "military_court" and task.retries >= 1 and task.retry_exponential_backoff
        callbacks = (
            task.on_failure_callback if isinstance(task.on_failure_callback, list) else [task.on_failure_callback]
        )
        assert record_task_failure in callbacks
    assert dag.max_active_runs == 1
    pools = json.loads((PROJECT_ROOT / "deploy" / "airflow" / "pools.json").read_text(encoding="utf-8"))
    assert 1 <= pools["military_court"]["slots"] <= 4


@pytest.mark.airflow
@pytest.mark.mariadb
def test_military_court_sync_runs_end_to_end_through_airflow_over_https(mc_world):
    env = airflow_env.prepare()
    result = airflow_env.run_dag(DAG_ID, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = batches.latest(mc_world.hub, OUTGOING.name, "OUT")
    assert out["status"] == "SUCCEEDED", out["error"]
    assert out["extracted"] == out["delivered"] == mc_world.outgoing > 0
    assert set(mc_world.court.ningxia) == {str(i) for i in range(1, mc_world.outgoing + 1)}
    inbound = batches.latest(mc_world.hub, INCOMING, "IN")
    assert inbound["status"] == "SUCCEEDED" and inbound["duplicates"] == 1
    status = batches.latest(mc_world.hub, STATUS)
    assert status["status"] == "SUCCEEDED" and status["loaded"] > 0 and status["delivered"] > 0
    with mc_world.case.connect() as connection:
        statuses = set(connection.execute(select(military_outgoing_requests.c.status)).scalars())
        created = connection.execute(select(func.count()).select_from(military_incoming_requests)).scalar_one()
    assert statuses <= {"ACCEPTED", "REFUSED"} and "ACCEPTED" in statuses  # the court's first step came back
    assert created == len({e["requestId"] for e in mc_world.court.incoming_feed}) - 2  # two refused
    assert {h.status for k, h in mc_world.court.own.items()} == {"ACCEPTED", "REFUSED"}  # Ningxia's word arrived

    rerun = airflow_env.run_dag(DAG_ID, env=env)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    again = batches.latest(mc_world.hub, OUTGOING.name, "OUT")
    assert (again["extracted"], again["delivered"]) == (0, 0)
    assert batches.latest(mc_world.hub, INCOMING, "IN")["extracted"] == 0
    assert ledger.verify(mc_world.hub).ok
    failures = [e for e in ledger.entries(mc_world.hub, limit=100_000) if e["outcome"] in ("failed", "task_failed")]
    assert failures == []
