"""The public-security flows, declared as data like :mod:`hub.flows`.

Each flow is an :class:`AsyncExchange`: the outbound flow (what is read from the case system and sent),
the operations that submit and fetch, and everything that differs between flows on the way back (the
request, result and nested tables, how a result moves its request, ledger outcomes, the post-load hook
that raises alerts). :mod:`.transport` and :mod:`.results` read these declarations and hold nothing
flow-specific, so a new asynchronous service is a declaration here, a mapping, suites and tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sqlalchemy import Table, select

from hub.casesystem import cases, locate_events, locate_requests, locate_results, parties
from hub.casesystem.public_security import (
    exit_acks,
    exit_orders,
    vehicle_interceptions,
    vehicle_requests,
    vehicle_results,
    vehicles,
)
from hub.errors import ConfigurationError
from hub.flows import OutboundFlow

PARTNER = "public_security"
CONN_ID = "public_security"
NAMESPACE = "urn:nx-hub:public-security:v1"
BINDING = "{" + NAMESPACE + "}PublicSecurityBinding"
#: Request statuses the hub may (re)send and may move to an answer: never downgrade an answer.
OPEN_REQUEST_STATUSES = ("PENDING", "SUBMITTED", "OVERDUE")


def _frozen(values: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True)
class Nested:
    """Rows nested in each result (events, vehicles, interceptions): loaded by the partner's own ids."""

    element: str  # the element inside a result, e.g. "event"
    target: str  # inbound target in mappings/public_security.yaml
    table: Table  # case-system table; its unique key is the target's key
    suite: str | None = None  # expectations/<suite>.json for these rows (e.g. plates), if any


@dataclass(frozen=True)
class AsyncExchange:
    """An outbound flow whose answers come back asynchronously (submit → ticket → fetch until complete),
    and everything that differs per flow on the way back. Result tables use the canonical columns
    ``result_id`` (the partner's id, unique) and ``request_id`` (the request answered)."""

    flow: OutboundFlow
    submit_operation: str
    fetch_operation: str
    request_table: Table  # the case-system table of the requests (id, status, ticket_id, ... version)
    result_table: Table
    result_target: str  # inbound target (mappings/public_security.yaml) of the results
    inbound_suite: str  # expectations/<suite>.json
    due_hours: float  # after this a ticket (and its requests) is OVERDUE
    request_element: str = "request"  # the repeated element of the Submit* call
    result_element: str = "result"  # the repeated element of the Fetch* answer
    nested: tuple[Nested, ...] = ()
    #: canonical result status → the request's new status; a status not listed leaves the request alone.
    answered: Mapping[str, str] = field(default_factory=_frozen)
    #: request column ← result column, written with the status (e.g. the border authority's order number).
    copy_back: Mapping[str, str] = field(default_factory=_frozen)
    #: the result column naming the request version it answers: only an answer to the request's current
    #: version moves it (a late answer to an older version never overwrites a newer one).
    version_column: str | None = None
    sends_version: bool = False  # the contract carries the version (it does for versioned orders)
    #: canonical result status → (ledger outcome instead of ``loaded``, reason formatted with the result row).
    outcomes: Mapping[str, tuple[str, str]] = field(default_factory=_frozen)
    #: ``after_load(loaded, hub_connection) -> [Alert]``, called after each fetched answer is loaded (see
    #: :class:`hub.public_security.results.Loaded`); the alerts are raised in the hub transaction that
    #: records the answer's ledger entries.
    after_load: Callable | None = None

    def nested_table(self, element: str) -> Table:
        return next(n.table for n in self.nested if n.element == element)


def _person_request(table: Table, *columns) -> object:
    """The outbound query of a request about a person: the request, its party and its case."""
    return (
        select(
            table.c.id.label("request_id"),
            table.c.version,
            table.c.status,
            table.c.requested_at,
            table.c.updated_at,
            *columns,
            parties.c.id.label("party_id"),
            parties.c.role.label("party_role"),
            parties.c.kind.label("party_kind"),
            parties.c.name.label("party_name"),
            parties.c.id_type,
            parties.c.id_number,
            cases.c.case_no,
            cases.c.court_code,
        )
        .join(parties, parties.c.id == table.c.party_id)
        .join(cases, cases.c.id == table.c.case_id)
        # Only requests not sent yet: the hub's own status updates never move updated_at, so a submitted
        # request is re-read only when the court changes it, and then it is answered, not duplicated.
        .where(table.c.status.in_(["PENDING", "OVERDUE"]))
    )


def _outbound(name: str, record_type: str, table: Table, description: str, query) -> OutboundFlow:
    return OutboundFlow(
        name=name,
        partner=PARTNER,
        record_type=record_type,
        description=description,
        query=query,
        cursor_time=table.c.updated_at,
        cursor_id=table.c.id,
        key_field="request_id",
        version_field="version",
        suite=f"{name}_outbound",
        max_failure_rate=0.5,
        partner_conn_id=CONN_ID,
    )


DEBTOR_LOCATE = _outbound(
    "debtor_locate", "locate_request", locate_requests,
    "查找被执行人下落: requests to locate debtors, answered by public security",
    _person_request(locate_requests),
)  # fmt: skip

VEHICLE_CONTROL = _outbound(
    "vehicle_control", "vehicle_request", vehicle_requests,
    "查控车辆/车辆布控: search a debtor's vehicles, put a vehicle under control; interceptions come back",
    _person_request(vehicle_requests, vehicle_requests.c.kind.label("request_kind"), vehicle_requests.c.plate),
)  # fmt: skip

EXIT_RESTRICTION = _outbound(
    "exit_restriction", "exit_order", exit_orders,
    "限制出境: orders to restrict a debtor's exit and to lift them, acknowledged by the border authority",
    _person_request(
        exit_orders, exit_orders.c.action, exit_orders.c.document_type, exit_orders.c.document_number,
        exit_orders.c.period_from, exit_orders.c.period_to, exit_orders.c.decision_no,
    ),
)  # fmt: skip


def _interception_alerts(loaded, connection) -> list:
    from hub.public_security.alerting import interception_alerts  # the hook lives beside the alert text

    return interception_alerts(loaded, connection)


EXCHANGES = {
    DEBTOR_LOCATE.name: AsyncExchange(
        flow=DEBTOR_LOCATE,
        submit_operation="SubmitLocateBatch",
        fetch_operation="FetchLocateResults",
        request_table=locate_requests,
        result_table=locate_results,
        result_target="locate_result",
        inbound_suite="debtor_locate_inbound",
        due_hours=72.0,
        nested=(Nested("event", "locate_event", locate_events),),
        answered=_frozen({"FOUND": "ANSWERED", "NOT_FOUND": "NOT_FOUND"}),
    ),
    VEHICLE_CONTROL.name: AsyncExchange(
        flow=VEHICLE_CONTROL,
        submit_operation="SubmitVehicleBatch",
        fetch_operation="FetchVehicleResults",
        request_table=vehicle_requests,
        result_table=vehicle_results,
        result_target="vehicle_result",
        inbound_suite="vehicle_control_inbound",
        due_hours=48.0,
        nested=(
            Nested("vehicle", "vehicle", vehicles, suite="vehicle_control_vehicles_inbound"),
            Nested(
                "interception",
                "vehicle_interception",
                vehicle_interceptions,
                suite="vehicle_control_interceptions_inbound",
            ),
        ),
        answered=_frozen({"FOUND": "ANSWERED", "CONTROLLED": "CONTROLLED", "NOT_FOUND": "NOT_FOUND"}),
        after_load=_interception_alerts,
    ),
    EXIT_RESTRICTION.name: AsyncExchange(
        flow=EXIT_RESTRICTION,
        submit_operation="SubmitExitOrders",
        fetch_operation="FetchExitAcks",
        request_table=exit_orders,
        result_table=exit_acks,
        result_target="exit_ack",
        inbound_suite="exit_restriction_inbound",
        due_hours=24.0,
        request_element="order",
        result_element="ack",
        answered=_frozen({"ACKNOWLEDGED": "ACKNOWLEDGED", "LIFTED": "LIFTED"}),
        copy_back=_frozen({"border_order_no": "border_order_no"}),
        version_column="version",
        sends_version=True,
        outcomes=_frozen(
            {
                "STALE": (
                    "stale",
                    "order {request_id} version {version} ({action}) is older than version {held_version} held by the "
                    "partner: not applied (border order {border_order_no})",
                )
            }
        ),
    ),
}


def exchange(name: str) -> AsyncExchange:
    try:
        return EXCHANGES[name]
    except KeyError:
        raise ConfigurationError(f"unknown public-security flow {name!r}; known: {', '.join(EXCHANGES)}") from None
