"""Case-system tables of the public-security (公安) exchanges: debtor-locate, vehicle (search and control) and
exit-restriction requests, and what comes back.

Officers file a request (查找被执行人下落); the hub submits it, records the partner's ticket and loads
the answer back. The court side owns ``updated_at`` (the outbound cursor); the hub writes only the
exchange columns (status, ticket, submitted/answered/due times), without touching ``updated_at``, so its
own bookkeeping never sends a request again.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from hub.casesystem.schema import Id, Timestamp, metadata

#: PENDING (filed, not sent), SUBMITTED (ticket received), ANSWERED (found), NOT_FOUND, OVERDUE (past due).
LOCATE_STATUSES = ("PENDING", "SUBMITTED", "ANSWERED", "NOT_FOUND", "OVERDUE")
#: Kinds of whereabouts events in a locate result: hotel stay (住宿), exit (出境), entry (入境).
LOCATE_EVENT_KINDS = ("HOTEL", "EXIT", "ENTRY")


def _ticketed_requests(name: str, statuses: str, *specific: Column, hub_written: tuple[Column, ...] = (),
                       version_comment: str | None = None) -> Table:  # fmt: skip
    """A table of requests public security answers under a ticket: what the court writes (case, debtor,
    ``specific`` columns, officer, status), what the hub writes (ticket, times, ``hub_written``), then the
    version and the ``(updated_at, id)`` cursor the outbound flow reads by."""
    return Table(
        name,
        metadata,
        Column("id", Id, primary_key=True, autoincrement=True, comment="the request id sent to public security"),
        Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
        Column("party_id", Id, ForeignKey("parties.id"), nullable=False),
        *specific,
        Column("requested_by", String(32), comment="承办人"),
        Column("requested_at", Timestamp, nullable=False),
        Column("status", String(16), nullable=False, default="PENDING", comment=f"one of {statuses}"),
        Column("ticket_id", String(64), comment="the partner's ticket (hub-written)"),
        Column("submitted_at", Timestamp, comment="hub-written"),
        Column("due_at", Timestamp, comment="answer expected by (hub-written); OVERDUE after"),
        Column("answered_at", Timestamp, comment="hub-written"),
        *hub_written,
        Column("version", Integer, nullable=False, default=1, comment=version_comment),
        Column("updated_at", Timestamp, nullable=False, comment="court-side changes only: the outbound cursor"),
    )


locate_requests = _ticketed_requests("locate_requests", "LOCATE_STATUSES")

locate_results = Table(
    "locate_results",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("result_id", String(64), nullable=False, unique=True, comment="the partner's result id"),
    Column("request_id", Id, ForeignKey("locate_requests.id"), nullable=False),
    Column("status", String(16), nullable=False, comment="FOUND or NOT_FOUND"),
    Column("registered_address", String(256), comment="户籍地址"),
    Column("current_address", String(256), comment="现住址"),
    Column("phones", Text, comment="phone numbers, comma-separated"),
    Column("loaded_at", Timestamp, nullable=False),
)

locate_events = Table(
    "locate_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(80), nullable=False, unique=True, comment="the partner's event id"),
    Column("result_id", String(64), nullable=False),
    Column("request_id", Id, ForeignKey("locate_requests.id"), nullable=False),
    Column("kind", String(8), nullable=False, comment="one of LOCATE_EVENT_KINDS"),
    Column("place", String(256), nullable=False),
    Column("occurred_at", Timestamp, nullable=False),
    Column("loaded_at", Timestamp, nullable=False),
)

Index("ix_locate_requests_cursor", locate_requests.c.updated_at, locate_requests.c.id)
Index("ix_locate_requests_status", locate_requests.c.status)
Index("ix_locate_results_request", locate_results.c.request_id)

# -- vehicle search and control (查控车辆 / 车辆布控) ------------------------------------------------------
#: SEARCH: which vehicles does the debtor own; CONTROL: put the given plate under control (布控).
VEHICLE_REQUEST_KINDS = ("SEARCH", "CONTROL")
#: PENDING, SUBMITTED, ANSWERED (vehicles found), CONTROLLED (布控 in force), NOT_FOUND, OVERDUE.
VEHICLE_STATUSES = ("PENDING", "SUBMITTED", "ANSWERED", "CONTROLLED", "NOT_FOUND", "OVERDUE")

vehicle_requests = _ticketed_requests(
    "vehicle_requests",
    "VEHICLE_STATUSES",
    Column("kind", String(8), nullable=False, comment="one of VEHICLE_REQUEST_KINDS"),
    Column("plate", String(16), comment="号牌 of the vehicle to control (CONTROL only)"),
)

vehicle_results = Table(
    "vehicle_results",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("result_id", String(64), nullable=False, unique=True, comment="the partner's result id"),
    Column("request_id", Id, ForeignKey("vehicle_requests.id"), nullable=False),
    Column("status", String(16), nullable=False, comment="FOUND, CONTROLLED or NOT_FOUND"),
    Column("loaded_at", Timestamp, nullable=False),
)

vehicles = Table(
    "vehicles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("vehicle_id", String(64), nullable=False, unique=True, comment="the partner's vehicle record id"),
    Column("result_id", String(64), nullable=False),
    Column("request_id", Id, ForeignKey("vehicle_requests.id"), nullable=False),
    Column("plate", String(16), nullable=False, comment="号牌 (GA 36)"),
    Column("brand", String(64), comment="品牌"),
    Column("vehicle_type", String(32), nullable=False, comment="车辆类型, canonical (mapping code table)"),
    Column("vin", String(32), comment="车辆识别代号"),
    Column("registration_office", String(128), comment="登记机关"),
    Column("registered_on", Date, comment="初次登记日期"),
    Column("loaded_at", Timestamp, nullable=False),
)

vehicle_interceptions = Table(
    "vehicle_interceptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("interception_id", String(64), nullable=False, unique=True, comment="the partner's id (查获)"),
    Column("result_id", String(64), nullable=False),
    Column("request_id", Id, ForeignKey("vehicle_requests.id"), nullable=False),
    Column("plate", String(16), nullable=False),
    Column("place", String(256), nullable=False),
    Column("intercepted_at", Timestamp, nullable=False),
    Column("loaded_at", Timestamp, nullable=False),
)

# -- exit restriction (限制出境) -----------------------------------------------------------------------
#: ISSUE (versions 1..n, e.g. a corrected period) and LIFT (a later version): one row per restriction.
EXIT_ACTIONS = ("ISSUE", "LIFT")
#: PENDING, SUBMITTED, ACKNOWLEDGED (in force at the border), LIFTED, OVERDUE.
EXIT_STATUSES = ("PENDING", "SUBMITTED", "ACKNOWLEDGED", "LIFTED", "OVERDUE")

exit_orders = _ticketed_requests(
    "exit_orders",
    "EXIT_STATUSES",
    Column("action", String(8), nullable=False, comment="one of EXIT_ACTIONS: the current version's action"),
    Column("document_type", String(16), comment="travel document to watch: PASSPORT, HK_MACAO_PASS, ..."),
    Column("document_number", String(32)),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("decision_no", String(64), nullable=False, comment="决定书文号"),
    hub_written=(Column("border_order_no", String(64), comment="边控对象编号 (hub-written from the acknowledgement)"),),
    version_comment="ISSUE 1..n, LIFT a later version",
)

exit_acks = Table(
    "exit_acks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("result_id", String(64), nullable=False, unique=True, comment="the partner's acknowledgement id"),
    Column("request_id", Id, ForeignKey("exit_orders.id"), nullable=False, comment="the order acknowledged"),
    Column("version", Integer, nullable=False, comment="the order version acknowledged"),
    Column("action", String(8), nullable=False),
    Column("status", String(16), nullable=False, comment="ACKNOWLEDGED, LIFTED or STALE (not applied)"),
    Column("border_order_no", String(64), nullable=False, comment="边控对象编号"),
    Column("held_version", Integer, nullable=False, comment="the version the partner holds"),
    Column("loaded_at", Timestamp, nullable=False),
)

Index("ix_vehicle_requests_cursor", vehicle_requests.c.updated_at, vehicle_requests.c.id)
Index("ix_vehicle_requests_status", vehicle_requests.c.status)
Index("ix_vehicle_results_request", vehicle_results.c.request_id)
Index("ix_exit_orders_cursor", exit_orders.c.updated_at, exit_orders.c.id)
Index("ix_exit_orders_status", exit_orders.c.status)
