"""Case-system tables of the assistance exchange with the military courts (军事法院, 涉军案件), both ways.

* ``military_outgoing_requests``: a Ningxia court's request to a military court (送达, 查找, 财产调查, 布控,
  处置). The court side owns ``version`` and ``updated_at`` (the outbound cursor); the hub writes only the
  exchange columns (status, status_seq, status_at, status_reason, submitted_at), never ``updated_at``.
* ``military_incoming_requests``: a military court's request to a Ningxia court, created by the hub from
  the court's feed, unique by the court's own request id (a request sent twice is loaded once).
* ``military_status_history``: every status change of either kind of request, numbered per request
  (``seq``), with who made it (``changed_by``: NINGXIA or MILITARY) and, for Ningxia's own changes, when
  the hub reported it to the military court (``reported_at``; null = still to report). One row per side
  and number: two rows with the same number from both sides are a conflict, and the one the conflict rule
  drops keeps its row with ``outcome`` SUPERSEDED. Officers change a status through
  :func:`hub.military.status.record_local_change`, which checks the change and numbers it.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from hub.casesystem.schema import Id, Timestamp, metadata

#: Assistance kinds: 送达 service of documents, 查找 locating, 财产调查 asset investigation, 布控 control,
#: 处置 disposal.
ASSISTANCE_KINDS = ("SERVICE", "LOCATE", "ASSET", "CONTROL", "DISPOSAL")
#: Outgoing: PENDING (filed, not sent), SUBMITTED (the court holds it), then the court's progress, or WITHDRAWN.
OUTGOING_STATUSES = ("PENDING", "SUBMITTED", "ACCEPTED", "IN_PROGRESS", "DONE", "REFUSED", "WITHDRAWN")
#: Incoming: ACCEPTED when created (the hub reports it), then Ningxia's progress, or WITHDRAWN by the court.
INCOMING_STATUSES = ("ACCEPTED", "IN_PROGRESS", "DONE", "REFUSED", "WITHDRAWN")
#: Which side made the request a history row belongs to (OUT = Ningxia's request, IN = the court's).
HISTORY_DIRECTIONS = ("OUT", "IN")

military_outgoing_requests = Table(
    "military_outgoing_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True, comment="the request id sent to the military court"),
    Column("case_id", Id, ForeignKey("cases.id"), nullable=False),
    Column("party_id", Id, ForeignKey("parties.id"), nullable=False, comment="the subject of the assistance"),
    Column("kind", String(16), nullable=False, comment="one of ASSISTANCE_KINDS"),
    Column("ask", Text, nullable=False, comment="what is asked (请求事项)"),
    Column("due_date", Date, nullable=False),
    Column("requested_by", String(32), comment="承办人"),
    Column("requested_at", Timestamp, nullable=False),
    Column("status", String(16), nullable=False, default="PENDING", comment="one of OUTGOING_STATUSES"),
    Column("status_seq", Integer, nullable=False, default=0, comment="number of the last status change"),
    Column("status_reason", String(256), comment="why refused or withdrawn"),
    Column("status_at", Timestamp),
    Column("submitted_at", Timestamp, comment="hub-written"),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", Timestamp, nullable=False, comment="court-side changes only: the outbound cursor"),
)

military_incoming_requests = Table(
    "military_incoming_requests",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner_request_id", String(64), nullable=False, unique=True, comment="the military court's id"),
    Column("feed_sequence", Integer, nullable=False, comment="where it was in the court's feed"),
    Column("kind", String(16), nullable=False),
    Column("military_court", String(64), nullable=False, comment="the requesting military court"),
    Column("case_id", Id, ForeignKey("cases.id"), comment="the Ningxia case it concerns"),
    Column("case_no", String(64)),
    Column("court_code", String(16), nullable=False),
    Column("subject_name", String(128), nullable=False),
    Column("subject_id_type", String(8)),
    Column("subject_id_number", String(32)),
    Column("subject_kind", String(8)),
    Column("ask", Text, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("issued_at", Timestamp, nullable=False),
    Column("status", String(16), nullable=False, default="ACCEPTED", comment="one of INCOMING_STATUSES"),
    Column("status_seq", Integer, nullable=False, default=0),
    Column("status_reason", String(256)),
    Column("status_at", Timestamp),
    Column("loaded_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)

military_status_history = Table(
    "military_status_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False, comment="OUT: Ningxia's request; IN: the military court's"),
    Column("request_key", String(64), nullable=False, comment="outgoing id, or the military court's request id"),
    Column("seq", Integer, nullable=False, comment="per-request number of the change"),
    Column("status", String(16), nullable=False),
    Column("reason", String(256)),
    Column("changed_by", String(8), nullable=False, comment="NINGXIA or MILITARY"),
    Column("changed_at", Timestamp, nullable=False),
    Column("reported_at", Timestamp, comment="Ningxia's changes: when the military court took it; null: to do"),
    Column("outcome", String(16), comment="null; SUPERSEDED (a conflict dropped it) or REFUSED (by the other side)"),
    Column("recorded_at", Timestamp, nullable=False),
    UniqueConstraint("direction", "request_key", "seq", "changed_by", name="uq_military_history_change"),
)

Index("ix_military_outgoing_cursor", military_outgoing_requests.c.updated_at, military_outgoing_requests.c.id)
Index("ix_military_outgoing_status", military_outgoing_requests.c.status)
Index("ix_military_history_unreported", military_status_history.c.changed_by, military_status_history.c.reported_at)
