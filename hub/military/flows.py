"""The military-court flows, declared as data like :mod:`hub.flows`: names, cursors, the outbound flow."""

from __future__ import annotations

from sqlalchemy import select

from hub.casesystem import cases, military_outgoing_requests, parties
from hub.flows import OutboundFlow

PARTNER = "military_court"
CONN_ID = "military_court"
NAMESPACE = "urn:nx-hub:military-court:v1"
BINDING = "{" + NAMESPACE + "}MilitaryCourtBinding"
DAG_ID = "military_court_sync"

#: Ledger flow names (and watermark names) of the three exchanges.
INCOMING = "military_court_incoming"  # watermark: the court's request feed sequence
STATUS = "military_court_status"  # watermark: the court's status-change feed sequence
INCOMING_SUITE = "military_court_inbound"
PAGE_SIZE = 100  # feed entries per Fetch* call

_requests = military_outgoing_requests

OUTGOING = OutboundFlow(
    name="military_court_requests",
    partner=PARTNER,
    record_type="assistance_request",
    description="涉军案件协助请求: Ningxia courts' assistance requests to the military court",
    query=select(
        _requests.c.id.label("request_id"),
        _requests.c.version,
        _requests.c.kind,
        _requests.c.ask,
        _requests.c.due_date,
        _requests.c.status,
        _requests.c.updated_at,
        parties.c.id.label("party_id"),
        parties.c.kind.label("party_kind"),
        parties.c.name.label("party_name"),
        parties.c.id_type,
        parties.c.id_number,
        parties.c.is_military_related,
        cases.c.military_related.label("case_military_related"),
        cases.c.case_no,
        cases.c.court_code,
    )
    .join(parties, parties.c.id == _requests.c.party_id)
    .join(cases, cases.c.id == _requests.c.case_id)
    # Only requests not sent yet: the hub's own status writes never move updated_at, so a request the
    # court holds is read again only when an officer changes it (and then it is answered, not duplicated).
    .where(_requests.c.status == "PENDING"),
    cursor_time=_requests.c.updated_at,
    cursor_id=_requests.c.id,
    key_field="request_id",
    version_field="version",
    suite="military_court_outbound",
    max_failure_rate=0.5,
    partner_conn_id=CONN_ID,
)
