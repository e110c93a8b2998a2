"""The public-security SOAP client (from the Airflow connection) and the Deliverer that submits batches.

Submitting a chunk is one ``Submit*`` call carrying every request of the chunk. The batch id sent is a
hash of the chunk's (request id, version) pairs, so a retried chunk is the same batch and gets the same
ticket back; a request id the partner already holds is answered under the new ticket, never duplicated
(it comes back as ``already_present``). Each ticket is written to ``pending_exchanges`` with the request
ids it carries, and the requests are marked SUBMITTED in the case system, before the pipeline records
the chunk's ledger entries.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from connectors.base import ChunkDelivery, TargetSpec
from connectors.soap import SoapPartner, SoapSettings, settings_from_connection, shared_partner
from hub.connections import get_connection
from hub.db.models import PendingExchange
from hub.ledger import utcnow
from hub.public_security.flows import BINDING, CONN_ID, PARTNER, AsyncExchange
from hub.settings import get_settings


def contract_wsdl() -> Path:
    """The contract's WSDL under HUB_CONTRACTS_DIR (default: the project's contracts/; /opt/airflow/contracts in
    the image), unless the connection's extra names another."""
    return get_settings().contracts_dir / "public_security" / "v1" / "public_security.wsdl"


_pending = PendingExchange.__table__


def soap_settings(conn_id: str = CONN_ID) -> SoapSettings:
    """The partner's SOAP settings from its Airflow connection (see docs/public_security.md)."""
    return settings_from_connection(
        get_connection(conn_id), partner=PARTNER, default_wsdl=contract_wsdl(), binding=BINDING
    )


def partner_client(conn_id: str = CONN_ID) -> SoapPartner:
    """The process's one client for the partner (WSDL parsed once, connections kept alive)."""
    return shared_partner(soap_settings(conn_id))


def due_hours(exchange: AsyncExchange) -> float:
    """How long the partner may take: HUB_PS_DUE_HOURS overrides the flow's default (tests, demos)."""
    return float(os.environ.get("HUB_PS_DUE_HOURS", exchange.due_hours))


class TicketDeliverer:
    """A :class:`connectors.base.Deliverer` for an asynchronous SOAP flow: one chunk → one ticket."""

    def __init__(self, exchange: AsyncExchange, client: SoapPartner, hub: Engine, case_system: Engine):
        self.exchange, self.client, self.hub, self.case_system = exchange, client, hub, case_system
        self.name = client.name
        self.tickets: list[str] = []

    def deliver(self, target: TargetSpec, rows: Sequence[dict]) -> ChunkDelivery:
        if not rows:
            return ChunkDelivery()
        keys = [str(row[target.key]) for row in rows]
        versions = {str(row[target.key]): int(row[target.version]) for row in rows}
        identity = ",".join(f"{key}:{versions[key]}" for key in sorted(keys))
        batch_id = hashlib.sha256(f"{self.exchange.flow.name}|{identity}".encode()).hexdigest()[:32]
        # The version stays in the hub unless the contract carries it (versioned orders do).
        dropped = None if self.exchange.sends_version else target.version
        requests = [
            {name: str(value) for name, value in row.items() if name != dropped and value is not None} for row in rows
        ]
        element = self.exchange.request_element
        answer = self.client.call(
            self.exchange.submit_operation, request_ids=keys, batchId=batch_id, **{element: requests}
        )
        ticket = answer["ticketId"]
        duplicates = set(answer.get("duplicate") or [])
        now = utcnow()
        due = now + timedelta(hours=due_hours(self.exchange))
        table = self.exchange.request_table
        with self.case_system.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.id.in_([int(k) for k in keys]))
                .where(table.c.status.in_(["PENDING", "OVERDUE"]))  # never downgrade an answer
                .values(status="SUBMITTED", ticket_id=ticket, submitted_at=now, due_at=due)
            )
        with self.hub.begin() as connection:
            known = connection.execute(select(_pending.c.id).where(_pending.c.exchange_id == ticket)).first()
            if known is None:
                connection.execute(
                    insert(_pending).values(
                        exchange_id=ticket,
                        flow=self.exchange.flow.name,
                        partner=self.exchange.flow.partner,
                        batch_id=batch_id,
                        kind="TICKET",
                        record_count=len(keys),
                        status="AWAITING",
                        submitted_at=now,
                        due_at=due,
                        note=json.dumps({"requests": keys}),
                    )
                )
        self.tickets.append(ticket)
        return ChunkDelivery(
            applied=[key for key in keys if key not in duplicates],
            already_present={key: versions[key] for key in keys if key in duplicates},
        )
