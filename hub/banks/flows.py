"""The outbound flow of control requests to one bank, declared as data like every other flow."""

from __future__ import annotations

from sqlalchemy import select

from hub.casesystem import cases, parties
from hub.casesystem.banks import bank_control_requests as requests
from hub.flows import OutboundFlow

FLOW_NAME = "bank_inquiry_control"
STATEMENT_FLOW = "case_account_statements"
SUITE = "bank_control_outbound"


def control_flow(bank_code: str) -> OutboundFlow:
    """Requests for ``bank_code`` changed since the last run, with the debtor and the case they concern."""
    return OutboundFlow(
        name=FLOW_NAME,
        partner=bank_code,
        record_type="control_request",
        description="网络查控: inquiry, freeze, unfreeze and deduct requests to banks as sealed files over SFTP",
        query=select(
            requests.c.id.label("request_id"),
            requests.c.version,
            requests.c.action,
            requests.c.amount,
            requests.c.period_start,
            requests.c.period_end,
            requests.c.account_no,
            requests.c.officer,
            requests.c.work_credential,
            requests.c.official_credential,
            requests.c.updated_at,
            parties.c.name.label("party_name"),
            parties.c.kind.label("party_kind"),
            parties.c.id_type,
            parties.c.id_number,
            cases.c.case_no,
            cases.c.court_code,
        )
        .join(parties, parties.c.id == requests.c.party_id)
        .join(cases, cases.c.id == requests.c.case_id)
        .where(requests.c.bank_code == bank_code),
        cursor_time=requests.c.updated_at,
        cursor_id=requests.c.id,
        key_field="request_id",
        version_field="version",
        suite=SUITE,
        max_failure_rate=0.5,
        partner_conn_id=f"{bank_code}_sftp",
    )
