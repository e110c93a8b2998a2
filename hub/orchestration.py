"""Airflow wiring shared by the sync DAGs: one factory, so each file in ``dags/`` is two lines.

A sync DAG is deliver → collect acknowledgements → load feedback. Delivery runs in the partner's pool
(bounding concurrent load on the partner) and retries with exponential backoff; every task's failure is
written to the ledger by :func:`hub.runner.record_task_failure`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from hub import runner
from hub.flows import outbound_flow
from hub.runner import DEFAULT_ARGS, not_retried_on_policy_violation


def build_sync_dag(flow_name: str, *, schedule: str | None = "*/15 * * * *") -> DAG:
    flow = outbound_flow(flow_name)
    with DAG(
        dag_id=flow.name,
        description=flow.description,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
        catchup=False,
        max_active_runs=1,  # one run at a time keeps the watermark linear
        default_args=DEFAULT_ARGS,
        tags=["hub", flow.partner],
        doc_md=f"**{flow.name}**: {flow.description}. Pool `{flow.partner}`; see docs/architecture.md.",
    ) as dag:

        @task(task_id="deliver", pool=flow.partner)
        @not_retried_on_policy_violation
        def deliver() -> dict:
            return runner.deliver(flow.name)

        @task(task_id="collect_acknowledgements", pool=flow.partner)
        def collect_acknowledgements(_delivered: dict) -> dict:
            return runner.acknowledge(flow.name)

        @task(task_id="load_feedback", pool=flow.partner)
        def load_feedback(_acknowledged: dict) -> dict:
            return runner.load_feedback(flow.name)

        load_feedback(collect_acknowledgements(deliver()))
    return dag
