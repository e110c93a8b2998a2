"""The DAGs: they import cleanly, carry the partner pool, retries and the failure callback, and run
end to end through Airflow itself (`airflow dags test`) against MariaDB and the sandbox platform."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from hub import airflow_env, batches, ledger
from hub.db.models import LedgerEntry
from hub.flows import FEEDBACK_OF, OUTBOUND_FLOWS
from hub.runner import record_task_failure
from sandbox.credit_platform.simulator import serve
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_every_dag_imports_without_errors_and_is_named_after_its_file(dagbag):
    assert dagbag.import_errors == {}
    files = {path.stem for path in (PROJECT_ROOT / "dags").glob("*.py") if not path.name.startswith("_")}
    assert set(dagbag.dags) == files
    assert set(OUTBOUND_FLOWS) <= files


@pytest.mark.parametrize("dag_id", sorted(OUTBOUND_FLOWS))
def test_tasks_run_in_the_partner_pool_with_backoff_and_a_ledger_callback(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert [t.task_id for t in dag.topological_sort()] == ["deliver", "collect_acknowledgements", "load_feedback"]
    for task in dag.tasks:
        assert task.pool == OUTBOUND_FLOWS[dag_id].partner
        assert task.retries >= 1 and task.retry_exponential_backoff
        assert record_task_failure in (task.on_failure_callback if isinstance(task.on_failure_callback, list)
                                       else [task.on_failure_callback])  # fmt: skip
    assert dag.max_active_runs == 1


def test_a_task_failure_is_written_to_the_ledger(hub_env):
    from hub.db import hub_engine

    class FakeTaskInstance:
        dag_id, task_id, run_id = "dishonest_list_sync", "deliver", "manual__2026-11-27T00:00:00"
        pool = "credit_platform"

    record_task_failure({"ti": FakeTaskInstance(), "exception": RuntimeError("platform down")})
    rows = list(ledger.entries(hub_engine(), flow="dishonest_list_sync"))
    assert rows[-1]["outcome"] == "task_failed" and rows[-1]["partner"] == "credit_platform"
    assert "platform down" in rows[-1]["reason"] and "deliver" in rows[-1]["reason"]
    assert ledger.verify(hub_engine()).ok


@pytest.mark.airflow
@pytest.mark.mariadb
def test_both_dags_run_end_to_end_through_airflow_and_a_rerun_delivers_nothing(credit_world, monkeypatch):
    monkeypatch.setenv("HUB_ACK_WAIT_SECONDS", "20")
    env = airflow_env.prepare()
    stop = threading.Event()
    platform = threading.Thread(target=serve, args=(credit_world.frontdb.engine,), kwargs={"stop": stop}, daemon=True)
    platform.start()
    try:
        for dag_id in OUTBOUND_FLOWS:
            result = airflow_env.run_dag(dag_id, env=env)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            out = batches.latest(credit_world.hub, dag_id, "OUT")
            assert out["status"] == "SUCCEEDED", out["error"]
            assert out["extracted"] == out["delivered"] + out["quarantined"] + out["rejected"]
            assert out["delivered"] > 0 and out["acknowledged"] == out["delivered"]
            feed = batches.latest(credit_world.hub, FEEDBACK_OF[dag_id].name, "IN")
            assert feed["status"] == "SUCCEEDED" and feed["loaded"] > 0
        rerun = airflow_env.run_dag("dishonest_list_sync", env=env)
        assert rerun.returncode == 0, rerun.stdout[-5000:]
        again = batches.latest(credit_world.hub, "dishonest_list_sync", "OUT")
        assert (again["extracted"], again["delivered"]) == (0, 0)
    finally:
        stop.set()
        platform.join(timeout=5)
    assert ledger.verify(credit_world.hub).ok
    table = LedgerEntry.__table__
    with credit_world.hub.connect() as connection:
        failures = connection.execute(select(table.c.seq).where(table.c.outcome.in_(["failed", "task_failed"]))).all()
    assert failures == []
