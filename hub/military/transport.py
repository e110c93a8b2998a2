"""The military-court SOAP client (from the Airflow connection) and the Deliverer that submits requests.

A chunk of Ningxia's requests is one ``SubmitAssistanceRequests`` call. The court answers each request
id with NEW, UPDATED (a newer version of a request it holds) or DUPLICATE (held already, as is): a
resubmitted request is answered, never held twice, and the pipeline records it as "already at partner".
Accepted requests become SUBMITTED in the case system before the pipeline records the chunk's ledger
entries; their progress comes back through the status feed (:mod:`hub.military.status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine, update

from connectors.base import ChunkDelivery, TargetSpec
from connectors.soap import SoapPartner, SoapSettings, settings_from_connection, shared_partner
from hub.casesystem import military_outgoing_requests
from hub.connections import get_connection
from hub.errors import PartnerResponseRefused
from hub.ledger import utcnow
from hub.military.flows import BINDING, CONN_ID, PARTNER
from hub.settings import get_settings


def contract_wsdl() -> Path:
    """The contract's WSDL under HUB_CONTRACTS_DIR (default: the project's contracts/; /opt/airflow/contracts in
    the image), unless the connection's extra names another."""
    return get_settings().contracts_dir / "military_court" / "v1" / "military_court.wsdl"


def soap_settings(conn_id: str = CONN_ID) -> SoapSettings:
    """The partner's SOAP settings from its Airflow connection (see docs/military_court.md)."""
    return settings_from_connection(
        get_connection(conn_id), partner=PARTNER, default_wsdl=contract_wsdl(), binding=BINDING
    )


def partner_client(conn_id: str = CONN_ID) -> SoapPartner:
    """The process's one client for the military court (WSDL parsed once, connections kept alive)."""
    return shared_partner(soap_settings(conn_id))


def nest(row: dict) -> dict:
    """A mapped row with dotted names (``subject.name``) as the nested elements the contract wants."""
    out: dict = {}
    for name, value in row.items():
        if value is None:
            continue
        *parents, leaf = name.split(".")
        node = out
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return out


def flatten(item: dict, prefix: str = "") -> dict:
    """A nested answer element as one flat row with dotted names (what the inbound mapping reads)."""
    out: dict = {}
    for name, value in item.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = value
    return out


def items(answer: object, name: str) -> list[dict]:
    """The repeated ``name`` elements of an answer (zeep unwraps a response holding only them)."""
    if answer is None:
        return []
    if isinstance(answer, list):
        return answer
    if isinstance(answer, dict):
        return list(answer.get(name) or [])
    raise PartnerResponseRefused(f"partner {PARTNER}: unexpected answer {type(answer).__name__}")


class RequestDeliverer:
    """A :class:`connectors.base.Deliverer`: one chunk of Ningxia's requests → one Submit call."""

    def __init__(self, client: SoapPartner, case_system: Engine):
        self.client, self.case_system = client, case_system
        self.name = client.name

    def deliver(self, target: TargetSpec, rows: Sequence[dict]) -> ChunkDelivery:
        if not rows:
            return ChunkDelivery()
        keys = [str(row[target.key]) for row in rows]
        versions = {str(row[target.key]): int(row[target.version]) for row in rows}
        requests = [nest({**row, target.key: str(row[target.key])}) for row in rows]
        answer = self.client.call(target.table, request_ids=keys, request=requests)
        results = {str(receipt["requestId"]): receipt["result"] for receipt in items(answer, "receipt")}
        missing = [key for key in keys if key not in results]
        if missing:
            raise PartnerResponseRefused(
                f"partner {PARTNER}, operation {target.table}: no receipt for requests {', '.join(missing[:5])}"
            )
        with self.case_system.begin() as connection:
            connection.execute(
                update(military_outgoing_requests)
                .where(military_outgoing_requests.c.id.in_([int(k) for k in keys]))
                .where(military_outgoing_requests.c.status == "PENDING")  # never downgrade the court's progress
                .values(status="SUBMITTED", submitted_at=utcnow())
            )
        return ChunkDelivery(
            applied=[key for key in keys if results[key] in ("NEW", "UPDATED")],
            already_present={key: versions[key] for key in keys if results[key] == "DUPLICATE"},
        )
