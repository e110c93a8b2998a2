"""The bank DAGs, built for every configured bank (hub.banks.config.configured_banks): one file in
``dags/`` each, two lines. Tasks run in the bank's pool, retry with backoff and write failures to the
ledger (hub.runner.record_task_failure) and a policy violation is not retried, like the other flows.

``bank_inquiry_control``: per bank, send requests → await responses (a reschedule-mode sensor: no worker
slot is held between pokes; when its timeout passes it gives up softly) → ingest responses (which also
marks requests past their due time OVERDUE for operators).
``case_account_statements``: per bank, load the daily statements, match credits, list unmatched ones.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from hub.banks import tasks
from hub.banks.config import configured_banks
from hub.banks.flows import FLOW_NAME, STATEMENT_FLOW
from hub.runner import DEFAULT_ARGS, not_retried_on_policy_violation

#: Sensor tuning: how often to look for responses, and how long one run waits before giving up softly
#: (requests stay awaited; the next run waits again; past the bank's due time they become OVERDUE).
POKE_SECONDS = float(os.environ.get("HUB_BANK_POKE_SECONDS", "300"))
WAIT_SECONDS = float(os.environ.get("HUB_BANK_WAIT_SECONDS", str(6 * 3600)))


def _dag(dag_id: str, description: str, schedule: str | None) -> DAG:
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["hub", "banks"],
        doc_md=f"**{dag_id}**: {description}. One pool per bank; see docs/banks.md.",
    )


def build_bank_control_dag(*, schedule: str | None = "0 * * * *") -> DAG:
    with _dag(FLOW_NAME, "网络查控: control requests to every configured bank, responses back", schedule) as dag:
        for code in configured_banks():
            send = task(task_id=f"send_requests_{code}", pool=code)(
                not_retried_on_policy_violation(tasks.send_requests)
            )
            wait = task.sensor(
                task_id=f"await_responses_{code}",
                pool=code,
                mode="reschedule",
                poke_interval=POKE_SECONDS,
                timeout=WAIT_SECONDS,
                soft_fail=True,
            )(tasks.responses_ready)
            ingest = task(task_id=f"ingest_responses_{code}", pool=code, trigger_rule="none_failed")(
                tasks.ingest_responses
            )
            sent = send(code)
            waited = wait(code)
            sent >> waited >> ingest(code)
    return dag


def build_statements_dag(*, schedule: str | None = "30 6 * * *") -> DAG:
    with _dag(
        STATEMENT_FLOW, "一案一账号: daily statements matched to cases; unmatched credits listed", schedule
    ) as dag:
        for code in configured_banks():
            task(task_id=f"load_statements_{code}", pool=code)(tasks.load_statements)(code)
    return dag
