"""What every outbound transport offers the pipeline: deliver one chunk, say what became of each row.

A transport (DB link, SOAP service, SFTP file exchange) implements :class:`Deliverer`. The pipeline
does not care how rows travel, only that each comes back applied, already present or rejected, so that
every record gets one fate in the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class ChunkDelivery:
    """What happened to each row of one chunk at the partner (keys are the partner's record keys)."""

    applied: list[str] = field(default_factory=list)
    already_present: dict[str, int] = field(default_factory=dict)  # key → version the partner has
    rejected: dict[str, str] = field(default_factory=dict)  # key → the partner's reason


class TargetSpec(Protocol):
    """The parts of a partner mapping a transport needs (see hub.mapping.TargetMapping)."""

    table: str
    key: str
    version: str | None
    reset_on_update: Mapping[str, object]


class Deliverer(Protocol):
    name: str

    def deliver(self, target: TargetSpec, rows: Sequence[dict]) -> ChunkDelivery:
        """Deliver mapped ``rows`` as one unit; raise hub.errors.DeliveryError when the link fails."""
        ...
