"""What the report DAG's tasks call, wired to connections and settings; runnable without Airflow.

Each task opens one SFTP connection to its partner and closes it at the end. The transport is the banks'
sealed-file deliverer (:class:`hub.sealed_delivery.SealedFileDeliverer`) with the report layout and
folder, and no response awaited.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine, func, select

from connectors.db import DatabaseLink
from connectors.sftp import SftpLink
from hub import policy
from hub.connections import sqlalchemy_url
from hub.db import hub_engine
from hub.db.models import LedgerEntry, PendingExchange
from hub.flows import OutboundFlow
from hub.pipeline import run_outbound
from hub.reports.config import LAYOUT, REPORT_PARTNERS, report_partner
from hub.reports.flows import FLOW_NAME, report_flow
from hub.sealed_delivery import SealedFileDeliverer

log = logging.getLogger(__name__)


def send_reports(partner: str, *, flow: OutboundFlow | None = None) -> dict:
    """Extract, gate, screen by policy, map and send new or changed report records to ``partner``.

    Returns the run's figures and ``report_files``, the names of the files uploaded (none when nothing
    changed). ``flow`` replaces the declared flow (tests only).
    """
    config = report_partner(partner)
    flow = flow or report_flow(partner)
    source = DatabaseLink(sqlalchemy_url("case_system"), name="case_system")
    work = Path(tempfile.mkdtemp(prefix=f"hub-{partner}-out-"))
    try:
        with SftpLink(config.sftp_settings(), name=config.conn_id) as link:
            link.ensure_dir(config.folder("report_dir"))
            deliverer = SealedFileDeliverer(
                config, link, hub_engine(), work, flow=flow.name, layout=LAYOUT, folder="report_dir",
                awaits_response=False,
            )  # fmt: skip
            summary = run_outbound(flow, source=source, partner=deliverer, hub=hub_engine())
    finally:
        source.dispose()
        shutil.rmtree(work, ignore_errors=True)
    figures = {**summary.as_dict(), "report_files": deliverer.files}
    log.info("%s: %s", partner, figures)
    return figures


def report_summary(hub: Engine) -> dict[str, dict]:
    """Per partner, over every run so far: files sent, records in them, rows the policy held back, rows the
    quality gate held back (the demo summary and operators read it)."""
    pending, entries = PendingExchange.__table__, LedgerEntry.__table__

    def empty() -> dict:
        return {"files": 0, "records": 0, "policy_blocked": 0, "quarantined": 0}

    out = {partner: empty() for partner in REPORT_PARTNERS}
    with hub.connect() as connection:
        files = connection.execute(
            select(pending.c.partner, func.count(), func.sum(pending.c.record_count))
            .where(pending.c.flow == FLOW_NAME, pending.c.kind == "FILE")
            .group_by(pending.c.partner)
        ).all()
        held = connection.execute(
            select(entries.c.partner, entries.c.outcome, func.count())
            .where(entries.c.flow == FLOW_NAME, entries.c.kind == "RECORD",
                   entries.c.outcome.in_([policy.BLOCKED, "quarantined"]))
            .group_by(entries.c.partner, entries.c.outcome)
        ).all()  # fmt: skip
    for partner, count, records in files:
        out.setdefault(partner, empty())
        out[partner]["files"], out[partner]["records"] = count, int(records or 0)
    for partner, outcome, count in held:
        out.setdefault(partner, empty())["policy_blocked" if outcome == policy.BLOCKED else "quarantined"] = count
    return out
