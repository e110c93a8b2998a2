"""Airflow wiring of the public-security flows: submit → collect results, in the partner's pool.

``submit`` runs the ordinary outbound pipeline (extract → gate → map → deliver → ledger) with the SOAP
:class:`~hub.public_security.transport.TicketDeliverer`; ``collect_results`` polls the open tickets for up
to HUB_PS_WAIT_SECONDS (default 60) and loads what came back; tickets still open wait for the next run
and become OVERDUE after their due time. Both tasks run in the ``public_security`` pool, which bounds the
concurrent load on the partner, and retry with exponential backoff; failures become ledger entries.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict

import pendulum
from airflow.sdk import DAG, task

from connectors.db import DatabaseLink
from hub.connections import sqlalchemy_url
from hub.db import hub_engine
from hub.pipeline import run_outbound
from hub.public_security.flows import exchange
from hub.public_security.results import collect, status_counts
from hub.public_security.transport import TicketDeliverer, partner_client
from hub.runner import DEFAULT_ARGS, not_retried_on_policy_violation

log = logging.getLogger(__name__)


def submit(flow_name: str) -> dict:
    """Submit every new request of ``flow_name``; returns the run's figures and the tickets received."""
    spec = exchange(flow_name)
    source = DatabaseLink(sqlalchemy_url(spec.flow.source_conn_id), name=spec.flow.source_conn_id)
    hub = hub_engine()
    try:
        deliverer = TicketDeliverer(spec, partner_client(spec.flow.partner_conn_id), hub, source.engine)
        summary = run_outbound(spec.flow, source=source, partner=deliverer, hub=hub)
    finally:
        source.dispose()
    log.info("%s: %s; tickets %s", flow_name, summary.as_dict(), deliverer.tickets)
    return {**summary.as_dict(), "tickets": deliverer.tickets}


def collect_results(flow_name: str, wait_seconds: float | None = None) -> dict:
    """Fetch and load the answers to every open ticket of ``flow_name`` (waits up to HUB_PS_WAIT_SECONDS)."""
    spec = exchange(flow_name)
    wait = float(os.environ.get("HUB_PS_WAIT_SECONDS", "60")) if wait_seconds is None else wait_seconds
    poll = float(os.environ.get("HUB_PS_POLL_SECONDS", "2"))
    case_system = DatabaseLink(sqlalchemy_url(spec.flow.source_conn_id), name=spec.flow.source_conn_id)
    try:
        summary = collect(
            spec, partner_client(spec.flow.partner_conn_id), case_system.engine, hub_engine(),
            wait_seconds=wait, poll_seconds=poll,
        )  # fmt: skip
        requests = status_counts(case_system.engine, spec)
    finally:
        case_system.dispose()
    log.info("%s: results %s; requests by status %s", flow_name, summary, requests)
    return {**asdict(summary), "requests": requests}


def build_public_security_dag(flow_name: str, *, schedule: str | None = "*/10 * * * *") -> DAG:
    spec = exchange(flow_name)
    flow = spec.flow
    with DAG(
        dag_id=flow.name,
        description=flow.description,
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["hub", flow.partner],
        doc_md=f"**{flow.name}**: {flow.description}. Pool `{flow.partner}`; see docs/public_security.md.",
    ) as dag:

        @task(task_id="submit", pool=flow.partner)
        @not_retried_on_policy_violation
        def submit_task() -> dict:
            return submit(flow.name)

        @task(task_id="collect_results", pool=flow.partner)
        def collect_task(_submitted: dict) -> dict:
            return collect_results(flow.name)

        collect_task(submit_task())
    return dag
