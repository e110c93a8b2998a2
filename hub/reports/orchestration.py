"""The ``public_servant_report`` DAG: one delivery task per report partner, each in the partner's pool,
retried with backoff (never for a policy violation), failures written to the ledger, like every hub DAG."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, task

from hub.reports import tasks
from hub.reports.config import REPORT_PARTNERS
from hub.reports.flows import FLOW_NAME
from hub.runner import DEFAULT_ARGS, not_retried_on_policy_violation


def build_report_dag(*, schedule: str | None = "0 7 * * *") -> DAG:
    """One ``send_reports_<partner>`` task per partner (daily: the partners read their folder once a day)."""
    with DAG(
        dag_id=FLOW_NAME,
        description="纪委监委 / 组织人事部门: listed party members and public servants as sealed files",
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["hub", "reports"],
        doc_md=f"**{FLOW_NAME}**: sealed report files over SFTP, a pool per partner; docs/public_servant_report.md",
    ) as dag:
        send_reports = not_retried_on_policy_violation(tasks.send_reports)
        for partner in REPORT_PARTNERS:
            task(task_id=f"send_reports_{partner}", pool=partner)(send_reports)(partner)
    return dag
