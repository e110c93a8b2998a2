"""The public-security flows, declared as data like :mod:`hub.flows`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from hub.casesystem import cases, locate_requests, parties
from hub.errors import ConfigurationError
from hub.flows import OutboundFlow

PARTNER = "public_security"
CONN_ID = "public_security"
NAMESPACE = "urn:nx-hub:public-security:v1"
BINDING = "{" + NAMESPACE + "}PublicSecurityBinding"


@dataclass(frozen=True)
class AsyncExchange:
    """How an outbound flow's answers come back: which operations, and how long the partner may take."""

    flow: OutboundFlow
    submit_operation: str
    fetch_operation: str
    result_target: str  # inbound target (mappings/public_security.yaml) of the results
    event_target: str | None  # inbound target of events nested in results
    inbound_suite: str  # expectations/<suite>.json
    due_hours: float  # after this a ticket (and its requests) is OVERDUE


DEBTOR_LOCATE = OutboundFlow(
    name="debtor_locate",
    partner=PARTNER,
    record_type="locate_request",
    description="查找被执行人下落: requests to locate debtors, answered by public security",
    query=select(
        locate_requests.c.id.label("request_id"),
        locate_requests.c.version,
        locate_requests.c.status,
        locate_requests.c.requested_at,
        locate_requests.c.updated_at,
        parties.c.id.label("party_id"),
        parties.c.role.label("party_role"),
        parties.c.kind.label("party_kind"),
        parties.c.name.label("party_name"),
        parties.c.id_type,
        parties.c.id_number,
        cases.c.case_no,
        cases.c.court_code,
    )
    .join(parties, parties.c.id == locate_requests.c.party_id)
    .join(cases, cases.c.id == locate_requests.c.case_id)
    # Only requests not sent yet: the hub's own status updates never move updated_at, so a submitted
    # request is re-read only when the court changes it, and then it is answered, not duplicated.
    .where(locate_requests.c.status.in_(["PENDING", "OVERDUE"])),
    cursor_time=locate_requests.c.updated_at,
    cursor_id=locate_requests.c.id,
    key_field="request_id",
    version_field="version",
    suite="debtor_locate_outbound",
    max_failure_rate=0.5,
    partner_conn_id=CONN_ID,
)

EXCHANGES = {
    DEBTOR_LOCATE.name: AsyncExchange(
        flow=DEBTOR_LOCATE,
        submit_operation="SubmitLocateBatch",
        fetch_operation="FetchLocateResults",
        result_target="locate_result",
        event_target="locate_event",
        inbound_suite="debtor_locate_inbound",
        due_hours=72.0,
    )
}


def exchange(name: str) -> AsyncExchange:
    try:
        return EXCHANGES[name]
    except KeyError:
        raise ConfigurationError(f"unknown public-security flow {name!r}; known: {', '.join(EXCHANGES)}") from None
