"""What each Airflow task of a sync DAG calls: the steps of a flow, wired to connections and settings.

Kept out of ``dags/`` so the DAG files stay thin and every step can be run and tested without Airflow
(``hub run`` goes through Airflow; tests may call these directly).
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import ParamSpec, TypeVar

from connectors.db import DatabaseLink
from hub import acknowledgements, feedback, ledger
from hub.connections import sqlalchemy_url
from hub.db import hub_engine
from hub.errors import PolicyViolation
from hub.flows import FEEDBACK_OF, outbound_flow
from hub.mapping import load_mapping
from hub.pipeline import run_outbound
from hub.settings import get_settings

log = logging.getLogger(__name__)


def _link(conn_id: str) -> DatabaseLink:
    return DatabaseLink(sqlalchemy_url(conn_id), name=conn_id)


def deliver(flow_name: str) -> dict:
    """Extract, gate, map and deliver everything new for ``flow_name``; returns the run's figures."""
    flow = outbound_flow(flow_name)
    source, partner = _link(flow.source_conn_id), _link(flow.partner_conn_id)
    try:

        def progress(summary) -> None:
            if summary.chunks % 10 == 0:
                log.info("%s: %d chunks, %d records so far", flow.name, summary.chunks, summary.extracted)

        summary = run_outbound(flow, source=source, partner=partner, hub=hub_engine(), progress=progress)
    finally:
        source.dispose()
        partner.dispose()
    log.info("%s: %s", flow.name, summary.as_dict())
    return summary.as_dict()


def acknowledge(flow_name: str, wait_seconds: float | None = None) -> dict:
    """Collect the partner's answers to what it holds; waits up to HUB_ACK_WAIT_SECONDS (default 30)."""
    flow = outbound_flow(flow_name)
    wait = float(os.environ.get("HUB_ACK_WAIT_SECONDS", "30")) if wait_seconds is None else wait_seconds
    target = load_mapping(get_settings().mappings_dir / f"{flow.partner}.yaml").target(flow.record_type)
    partner = _link(flow.partner_conn_id)
    try:
        summary = acknowledgements.collect(flow, target, partner, hub_engine(), wait_seconds=wait)
    finally:
        partner.dispose()
    log.info("%s: acknowledgements %s", flow.name, summary)
    return {**asdict(summary), "acknowledged": summary.acknowledged}


def load_feedback(flow_name: str) -> dict:
    """Load the joint-punishment feedback that belongs to ``flow_name`` into the case system."""
    feed = FEEDBACK_OF[flow_name]
    target = load_mapping(get_settings().mappings_dir / f"{feed.partner}.yaml").inbound_target(feed.record_type)
    partner, case_system = _link(feed.partner_conn_id), _link(feed.target_conn_id)
    try:
        summary = feedback.load(feed, target, partner, case_system, hub_engine())
    finally:
        partner.dispose()
        case_system.dispose()
    log.info("%s: feedback %s", feed.name, summary)
    return asdict(summary)


def record_task_failure(context) -> None:
    """Airflow on_failure_callback: the failure becomes a ledger entry, whatever the task was doing.

    Every hub task runs in its partner's pool, so the pool names the partner.
    """
    task_instance = context.get("ti") or context.get("task_instance")
    dag_id = getattr(task_instance, "dag_id", "?")
    task_id = getattr(task_instance, "task_id", "?")
    run_id = getattr(task_instance, "run_id", "?")
    task = context.get("task") or getattr(task_instance, "task", None)
    partner = getattr(task, "pool", None) or getattr(task_instance, "pool", None) or "?"
    error = context.get("exception")
    reason = f"task {task_id} of run {run_id} failed: {type(error).__name__ if error else 'unknown'}: {error}"
    try:
        with hub_engine().begin() as connection:
            ledger.append(
                connection, [ledger.batch_trace(str(run_id)[:36], dag_id, partner, "OUT", "task_failed", reason)]
            )
    except Exception:  # the callback must never hide the original failure
        log.exception("could not record the failure of %s.%s in the ledger", dag_id, task_id)


#: Every hub task: retried with exponential backoff (a partner down for minutes is the common fault), and its
#: failure written to the ledger.
DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": timedelta(seconds=10),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
    "on_failure_callback": record_task_failure,
}

_P = ParamSpec("_P")
_R = TypeVar("_R")


def not_retried_on_policy_violation(step: Callable[_P, _R]) -> Callable[_P, _R]:
    """Wrap a delivering task: a :class:`~hub.errors.PolicyViolation` fails it at once instead of being retried.

    A policy violation is a configuration error (a mapping sends what the partner's policy forbids); a retry would
    send nothing and only repeat the ledger entry and the urgent alert. Airflow does not retry a task that raises
    ``AirflowFailException``; outside Airflow (tests, ``hub`` commands) the step is called as it is.
    """

    @functools.wraps(step)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return step(*args, **kwargs)
        except PolicyViolation as error:
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{error} (not retried: fix it, then clear the task)") from error

    return run
