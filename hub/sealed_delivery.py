"""Sealed files out over SFTP: one sealed file per chunk, recorded as a pending exchange (banks and reports).

:class:`SealedFileDeliverer`, a :class:`connectors.base.Deliverer` for :func:`hub.pipeline.run_outbound`:
each chunk of mapped records becomes one file in the partner's dialect, sealed (signed with the court's
key, encrypted for the partner's), uploaded atomically with its manifest, and recorded as a pending
exchange (``pending_exchanges``) due back within the partner's response window (a bank's request file), or
as complete when nobody answers it (a report). Rows whose version the hub already delivered to this partner
are not sent again (``delivered_keys``): a retry after a crash between the upload and the hub's commit sends
only what is missing.

The bank side of what comes back (waiting, overdue escalation, ingestion) is :mod:`hub.banks.responses`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select

from connectors.base import ChunkDelivery, TargetSpec
from connectors.sftp import SftpLink
from hub.banks.config import BankConfig
from hub.banks.flows import FLOW_NAME
from hub.db.models import Batch, DeliveredKey, PendingExchange
from hub.ledger import utcnow
from hub.sealing import seal

log = logging.getLogger(__name__)

#: The court system's sender code in request file headers (FSF). [check] the code the banks registered.
COURT_SENDER_CODE = "NXGY"
_pending = PendingExchange.__table__
_keys = DeliveredKey.__table__
_batches = Batch.__table__


def exchange_stem(bank: str, batch_id: str, seq: int) -> str:
    """The part of a request file's name its response repeats: bank, UTC time, batch and chunk."""
    return f"{bank}_{utcnow():%Y%m%d%H%M%S}_{batch_id[:8]}{seq:04d}"


def file_name(template: str, *, bank: str, stem: str) -> str:
    return template.format(bank=bank, stem=stem)


class SealedFileDeliverer:
    """Deliver chunks of mapped records to one partner as sealed files over SFTP.

    By default a bank's control requests (request files, awaiting the bank's response). Also any other
    one-way sealed file partner (e.g. hub/reports): ``flow``, the ``layout`` kind and the ``folder`` name say
    which files; ``awaits_response=False`` records each file as COMPLETE, since nobody answers it.
    """

    def __init__(
        self,
        bank: BankConfig,
        link: SftpLink,
        hub: Engine,
        work_dir: Path,
        *,
        flow: str = FLOW_NAME,
        layout: str = "request",
        folder: str = "request_dir",
        awaits_response: bool = True,
    ):
        self.bank, self.link, self.hub, self.work_dir = bank, link, hub, Path(work_dir)
        self.flow, self.layout_kind, self.folder_name, self.awaits_response = flow, layout, folder, awaits_response
        self.name = bank.code
        self.files: list[str] = []
        self._seq = 0

    def _batch_id(self) -> str:
        query = (
            select(_batches.c.batch_id)
            .where(_batches.c.flow == self.flow, _batches.c.partner == self.bank.code, _batches.c.status == "RUNNING")
            .order_by(_batches.c.started_at.desc())
            .limit(1)
        )
        with self.hub.connect() as connection:
            return connection.execute(query).scalar() or str(uuid.uuid4())

    def _already_delivered(self, keys: list[str]) -> dict[str, int]:
        query = select(_keys.c.record_key, _keys.c.record_version).where(
            _keys.c.flow == self.flow, _keys.c.partner == self.bank.code, _keys.c.record_key.in_(keys)
        )
        have: dict[str, int] = {}
        with self.hub.connect() as connection:
            for key, version in connection.execute(query):
                have[key] = max(version, have.get(key, 0))
        return have

    def deliver(self, target: TargetSpec, rows: Sequence[dict]) -> ChunkDelivery:
        result = ChunkDelivery()
        if not rows:
            return result
        key, version = target.key, target.version
        have = self._already_delivered([str(r[key]) for r in rows])
        fresh = []
        for row in rows:
            if have.get(str(row[key]), 0) >= int(row[version]):
                result.already_present[str(row[key])] = have[str(row[key])]
            else:
                fresh.append(row)
        if not fresh:
            return result
        batch_id = self._batch_id()
        self._seq += 1
        stem = exchange_stem(self.bank.code, batch_id, self._seq)
        layout = self.bank.layout(self.layout_kind)
        name = file_name(layout.name_template, bank=self.bank.code, stem=stem)
        plain, sealed = self.work_dir / f"{name}.plain", self.work_dir / f"{name}.sealed"
        try:
            with open(plain, "wb") as handle:
                header = {"WJM": name, "SCSJ": f"{utcnow():%Y%m%d%H%M%S}", "FSF": COURT_SENDER_CODE}
                with layout.writer(handle, name=name, header=header) as writer:
                    for row in fresh:
                        writer.write(row)
            keys = self.bank.keys
            seal(_blocks(plain), sealed, file_name=name, sender=keys.court_sign, recipient=keys.bank_box)
            plain.unlink()
            manifest = self.link.upload(sealed, self.bank.folder(self.folder_name), name)
        finally:
            plain.unlink(missing_ok=True)
            sealed.unlink(missing_ok=True)
        now = utcnow()
        with self.hub.begin() as connection:
            connection.execute(
                insert(_pending).values(
                    exchange_id=f"{self.bank.code}:{name}",
                    flow=self.flow,
                    partner=self.bank.code,
                    batch_id=batch_id,
                    kind="FILE",
                    record_count=len(fresh),
                    status="AWAITING" if self.awaits_response else "COMPLETE",
                    submitted_at=now,
                    due_at=now + timedelta(hours=self.bank.response_hours if self.awaits_response else 0),
                    completed_at=None if self.awaits_response else now,
                    note=f"stem={stem} sha256={manifest.sha256} size={manifest.size}",
                )
            )
        self.files.append(name)
        result.applied = [str(r[key]) for r in fresh]
        log.info("%s: %s file %s with %d records uploaded", self.bank.code, self.layout_kind, name, len(fresh))
        return result


def _blocks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while block := handle.read(size):
            yield block
