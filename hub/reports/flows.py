"""The outbound flow of public-servant reports to each report partner, declared as data like every flow.

One record per dishonest-list entry (one person in one case): the entry's state and dates, the person,
their employer, the case and its obligation. The query itself keeps to the people these partners may
hear about (domain.md: "A listed public servant is reported to their employer and the relevant
departments"): debtors who are persons and public servants or party members, whose entry is past its
grace period (a PENDING entry is not a listing yet). The partner's policy (policies/<partner>.yaml) checks
the same rule again at delivery, independently of this query.

A status change bumps the entry's ``version`` and ``updated_at``, so the entry is extracted again and its
new version is sent once: that is the update record.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from hub.casesystem import cases, dishonest_entries, parties
from hub.flows import OutboundFlow
from hub.reports.config import RECORD_TYPE, REPORT_PARTNERS

FLOW_NAME = "public_servant_report"
SUITE = "public_servant_report_outbound"


def report_query(*, restricted: bool = True) -> Select:
    """Listed entries with their person and case; ``restricted`` keeps public servants and party members.

    ``restricted=False`` exists for the test proving the policy blocks anyone else on its own.
    """
    query = (
        select(
            dishonest_entries.c.id.label("entry_id"),
            dishonest_entries.c.version,
            dishonest_entries.c.state,
            dishonest_entries.c.state_reason,
            dishonest_entries.c.trigger_code,
            dishonest_entries.c.performance_status,
            dishonest_entries.c.decision_date,
            dishonest_entries.c.publish_date,
            dishonest_entries.c.expires_on,
            dishonest_entries.c.updated_at,
            parties.c.role.label("party_role"),
            parties.c.kind.label("party_kind"),
            parties.c.name.label("party_name"),
            parties.c.id_type,
            parties.c.id_number,
            parties.c.is_public_servant,
            parties.c.is_party_member,
            parties.c.employer,
            cases.c.case_no,
            cases.c.court_code,
            cases.c.court_name,
            cases.c.filing_date,
            cases.c.obligation,
        )
        .join(parties, parties.c.id == dishonest_entries.c.party_id)
        .join(cases, cases.c.id == dishonest_entries.c.case_id)
        .where(dishonest_entries.c.state != "PENDING")
    )
    if restricted:
        query = query.where(
            parties.c.role == "DEBTOR",
            parties.c.kind == "PERSON",
            or_(parties.c.is_public_servant.is_(True), parties.c.is_party_member.is_(True)),
        )
    return query


def report_flow(partner: str, *, query: Select | None = None) -> OutboundFlow:
    """The report flow to ``partner`` (``query`` replaces the declared one: tests only)."""
    return OutboundFlow(
        name=FLOW_NAME,
        partner=partner,
        record_type=RECORD_TYPE,
        description="纪委监委 / 组织人事部门: listed party members and public servants, as sealed files over SFTP",
        query=report_query() if query is None else query,
        cursor_time=dishonest_entries.c.updated_at,
        cursor_id=dishonest_entries.c.id,
        key_field="entry_id",
        version_field="version",
        suite=SUITE,
        max_failure_rate=0.5,
        partner_conn_id=f"{partner}_sftp",
    )


#: The declared flows, one per partner (hub.policy.declared_flows finds them here).
REPORT_FLOWS = {partner: report_flow(partner) for partner in REPORT_PARTNERS}
