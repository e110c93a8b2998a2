"""What the bank DAGs' tasks call, wired to connections and settings; runnable without Airflow.

Each task opens one SFTP connection to its bank and closes it at the end (one connection per task).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from connectors.db import DatabaseLink
from connectors.sftp import SftpLink
from hub.banks import responses, statements
from hub.banks.config import bank
from hub.banks.flows import control_flow
from hub.connections import sqlalchemy_url
from hub.db import hub_engine
from hub.pipeline import run_outbound
from hub.sealed_delivery import SealedFileDeliverer

log = logging.getLogger(__name__)


def _case_system() -> DatabaseLink:
    return DatabaseLink(sqlalchemy_url("case_system"), name="case_system")


def send_requests(bank_code: str) -> dict:
    """Extract, gate, map and send new control requests to ``bank_code`` as sealed request files."""
    config = bank(bank_code)
    flow = control_flow(bank_code)
    source = _case_system()
    work = Path(tempfile.mkdtemp(prefix=f"hub-{bank_code}-out-"))
    try:
        with SftpLink(config.sftp_settings(), name=config.conn_id) as link:
            link.ensure_dir(config.folder("request_dir"))
            partner = SealedFileDeliverer(config, link, hub_engine(), work)
            summary = run_outbound(flow, source=source, partner=partner, hub=hub_engine())
    finally:
        source.dispose()
        shutil.rmtree(work, ignore_errors=True)
    figures = {**summary.as_dict(), "request_files": partner.files}
    log.info("%s: %s", bank_code, figures)
    return figures


def responses_ready(bank_code: str) -> bool:
    """The sensor's poke: every awaited request file of ``bank_code`` answered (or overdue)."""
    config = bank(bank_code)
    with SftpLink(config.sftp_settings(), name=config.conn_id) as link:
        return responses.responses_ready(config, link, hub_engine())


def ingest_responses(bank_code: str) -> dict:
    """Load every ready response file of ``bank_code`` into the case system; escalate overdue requests."""
    config = bank(bank_code)
    source = _case_system()
    try:
        with SftpLink(config.sftp_settings(), name=config.conn_id) as link:
            summary = responses.ingest_responses(config, link, source.engine, hub_engine())
    finally:
        source.dispose()
    log.info("%s: %s", bank_code, summary.as_dict())
    return summary.as_dict()


def load_statements(bank_code: str) -> dict:
    """Load ``bank_code``'s daily statements, match credits to cases, list unmatched credits with age."""
    config = bank(bank_code)
    source = _case_system()
    try:
        with SftpLink(config.sftp_settings(), name=config.conn_id) as link:
            summary = statements.ingest_statements(config, link, source.engine, hub_engine())
    finally:
        source.dispose()
    log.info("%s: %s", bank_code, summary.as_dict())
    return summary.as_dict()
