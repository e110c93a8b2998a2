"""Airflow wiring of the military-court exchange: submit outgoing → fetch incoming → sync statuses.

``submit_outgoing`` runs the ordinary outbound pipeline (extract → gate → map → deliver → ledger) with the
SOAP :class:`~hub.military.transport.RequestDeliverer`; ``fetch_incoming`` creates (or refuses) the
court's new requests; ``sync_statuses`` pulls the court's status changes, then pushes Ningxia's. All
three run in the ``military_court`` pool, which bounds the load on the court's service, and retry with
exponential backoff; a failure becomes a ledger entry (partner military_court).
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import DAG, task

from connectors.db import DatabaseLink
from hub.connections import sqlalchemy_url
from hub.db import hub_engine
from hub.military.flows import CONN_ID, DAG_ID, OUTGOING, PARTNER
from hub.military.incoming import fetch_incoming
from hub.military.status import sync_statuses
from hub.military.transport import RequestDeliverer, partner_client
from hub.pipeline import run_outbound
from hub.runner import DEFAULT_ARGS, not_retried_on_policy_violation

log = logging.getLogger(__name__)


def _case_system() -> DatabaseLink:
    return DatabaseLink(sqlalchemy_url(OUTGOING.source_conn_id), name=OUTGOING.source_conn_id)


def submit_outgoing() -> dict:
    """Send every new request of Ningxia's courts to the military court; returns the run's figures."""
    source = _case_system()
    try:
        deliverer = RequestDeliverer(partner_client(CONN_ID), source.engine)
        summary = run_outbound(OUTGOING, source=source, partner=deliverer, hub=hub_engine())
    finally:
        source.dispose()
    log.info("%s: %s", OUTGOING.name, summary.as_dict())
    return summary.as_dict()


def fetch_incoming_requests() -> dict:
    """Create (or refuse) the military court's new requests to Ningxia's courts; returns the figures."""
    case_system = _case_system()
    try:
        summary = fetch_incoming(partner_client(CONN_ID), case_system.engine, hub_engine())
    finally:
        case_system.dispose()
    log.info("military court requests: %s", summary.as_dict())
    return summary.as_dict()


def sync_request_statuses() -> dict:
    """Pull the court's status changes and push Ningxia's; returns the figures."""
    case_system = _case_system()
    try:
        summary = sync_statuses(partner_client(CONN_ID), case_system.engine, hub_engine())
    finally:
        case_system.dispose()
    log.info("military court statuses: %s", summary.as_dict())
    return summary.as_dict()


def build_military_court_dag(*, schedule: str | None = "*/15 * * * *") -> DAG:
    with DAG(
        dag_id=DAG_ID,
        description="涉军案件协助: requests both ways with the military court, statuses kept in step",
        schedule=schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["hub", PARTNER],
        doc_md=f"**{DAG_ID}**: assistance requests with the military court. Pool `{PARTNER}`; "
        "see docs/military_court.md.",
    ) as dag:

        @task(task_id="submit_outgoing", pool=PARTNER)
        @not_retried_on_policy_violation
        def submit_task() -> dict:
            return submit_outgoing()

        @task(task_id="fetch_incoming", pool=PARTNER)
        def fetch_task(_submitted: dict) -> dict:
            return fetch_incoming_requests()

        @task(task_id="sync_statuses", pool=PARTNER)
        def sync_task(_fetched: dict) -> dict:
            return sync_request_statuses()

        sync_task(fetch_task(submit_task()))
    return dag
