"""SQLAlchemy models of the hub DB. Alembic migrations in ``hub/db/migrations`` create them.

Times are naive UTC with microseconds (DATETIME(6) on MySQL) so that values hash identically after a
round trip through any backend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    pass


class LedgerEntry(Base):
    """One exchange trace (全程留痕): a batch or a record, chained to the entry before it by hash."""

    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    batch_id: Mapped[str] = mapped_column(String(36), index=True)
    flow: Mapped[str] = mapped_column(String(64))
    partner: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8), comment="OUT (hub → partner) or IN")
    kind: Mapped[str] = mapped_column(String(8), comment="BATCH or RECORD")
    record_key: Mapped[str | None] = mapped_column(String(128), index=True)
    record_version: Mapped[int | None] = mapped_column(Integer)
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(Timestamp)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class LedgerHead(Base):
    """The chain's tip: locked while appending so concurrent writers form one chain."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigId)
    last_hash: Mapped[str] = mapped_column(String(64))


class Watermark(Base):
    """Incremental cursor per flow and partner: (time, key) of the last row whose fate is committed.

    The key is text so that partners' string keys (inbound feeds) and the case system's integer ids
    (outbound flows, converted back by the flow) share one table."""

    __tablename__ = "watermarks"

    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor_time: Mapped[datetime | None] = mapped_column(Timestamp)
    cursor_key: Mapped[str] = mapped_column(String(128), default="")
    moved_at: Mapped[datetime] = mapped_column(Timestamp)


class QuarantinedRecord(Base):
    """A record held back with every reason it failed; an operator releases or drops it."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flow: Mapped[str] = mapped_column(String(64), index=True)
    partner: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(36))
    record_key: Mapped[str] = mapped_column(String(128), index=True)
    record_version: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text, comment="the record as JSON, ID numbers included: protect")
    reasons: Mapped[str] = mapped_column(Text, comment="JSON list of failed checks")
    status: Mapped[str] = mapped_column(String(16), default="HELD", comment="HELD, RELEASED or DROPPED")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp)
    resolution_note: Mapped[str | None] = mapped_column(Text)


class DeliveredKey(Base):
    """Idempotency key: this record version reached this partner and the partner committed it."""

    __tablename__ = "delivered_keys"

    flow: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    record_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(36))
    delivered_at: Mapped[datetime] = mapped_column(Timestamp)
    ack_status: Mapped[str | None] = mapped_column(
        String(16), comment="null while awaited; ACCEPTED, REFUSED or SUPERSEDED by a newer version"
    )
    ack_at: Mapped[datetime | None] = mapped_column(Timestamp)
    ack_note: Mapped[str | None] = mapped_column(String(256))


class Batch(Base):
    """One run of one flow against one partner, with the figures the summary and operators read."""

    __tablename__ = "batches"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64), index=True)
    partner: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), comment="RUNNING, SUCCEEDED or FAILED")
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    extracted: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)
    loaded: Mapped[int] = mapped_column(Integer, default=0)
    quarantine_reasons: Mapped[str | None] = mapped_column(Text, comment="JSON {reason: count}")
    error: Mapped[str | None] = mapped_column(Text)


class PendingExchange(Base):
    """A request sent to a partner whose answer comes later (a SOAP ticket, a request file).

    Waiting is done by sensors that poll this table and the partner; an exchange past ``due_at`` is
    marked OVERDUE and shown to operators, never silently forgotten.
    """

    __tablename__ = "pending_exchanges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exchange_id: Mapped[str] = mapped_column(String(128), unique=True, comment="ticket id or file name")
    flow: Mapped[str] = mapped_column(String(64), index=True)
    partner: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16), comment="TICKET or FILE")
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="AWAITING", comment="AWAITING, COMPLETE, OVERDUE, FAILED")
    submitted_at: Mapped[datetime] = mapped_column(Timestamp)
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    note: Mapped[str | None] = mapped_column(Text)
