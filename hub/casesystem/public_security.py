"""Case-system tables of the public-security (公安) exchanges: debtor-locate requests and their results.

Officers file a request (查找被执行人下落); the hub submits it, records the partner's ticket and loads
the answer back. The court side owns ``updated_at`` (the outbound cursor); the hub writes only the
exchange columns (status, ticket, submitted/answered/due times), without touching ``updated_at``, so its
own bookkeeping never sends a request again.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from hub.casesystem.schema import Id, Timestamp, metadata

#: PENDING (filed, not sent), SUBMITTED (ticket received), ANSWERED (found), NOT_FOUND, OVERDUE (past due).
LOCATE_STATUSES = ("PENDING", "SUBMITTED", "ANSWERED", "NOT_FOUND", "OVERDUE")
#: Kinds of whereabouts events in a locate result: hotel stay (住宿), exit (出境), entry (入境).
LOCATE_EVENT_KINDS = ("HOTEL", "EXIT", "ENTRY")

locate_requests = Table(
    "locate_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True, comment="the request id sent to public security"),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("party_id", Id, ForeignKey("parties.id"), nullable=False),
    Column("requested_by", String(32), comment="承办人"),
    Column("requested_at", Timestamp, nullable=False),
    Column("status", String(16), nullable=False, default="PENDING", comment="one of LOCATE_STATUSES"),
    Column("ticket_id", String(64), comment="the partner's ticket (hub-written)"),
    Column("submitted_at", Timestamp, comment="hub-written"),
    Column("due_at", Timestamp, comment="answer expected by (hub-written); OVERDUE after"),
    Column("answered_at", Timestamp, comment="hub-written"),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Timestamp, nullable=False, comment="court-side changes only: the outbound cursor"),
)

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
