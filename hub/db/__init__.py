"""The hub's own database: ledger, watermarks, quarantine, idempotency keys and batch summaries."""

from hub.db.models import (
    Base,
    Batch,
    DeliveredKey,
    LedgerEntry,
    LedgerHead,
    PendingExchange,
    QuarantinedRecord,
    Watermark,
)
from hub.db.session import hub_engine, upgrade

__all__ = [
    "Base",
    "Batch",
    "DeliveredKey",
    "LedgerEntry",
    "LedgerHead",
    "PendingExchange",
    "QuarantinedRecord",
    "Watermark",
    "hub_engine",
    "upgrade",
]
