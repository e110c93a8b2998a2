"""Response files in: the bank side of what comes back for network inquiry and control (网络查控).

The request files go out through :class:`hub.sealed_delivery.SealedFileDeliverer`, each recorded as a
pending exchange; this module waits for their answers and loads them.

Waiting (:func:`responses_ready`): true when every awaiting request file has its response ready on the
server (or is overdue); the DAG polls it from a reschedule-mode sensor, so no worker slot is held.

In (:func:`ingest_responses`): each ready response file is downloaded (size and checksum verified), its
seal verified and only then opened and parsed in the bank's dialect, mapped with the bank's inbound
mapping and loaded into the case system in **one transaction** (the trailer check comes last, so a bad
file loads nothing); results are unique by the bank's result id, so a file loaded twice is stored once. A
result for an unknown request is quarantined. Then one hub transaction writes a ledger entry per record
and per file, marks the request exchange COMPLETE and remembers the response file; only after that is the
file archived on the server (never deleted). A file that fails its seal or its layout is moved to the
bank's ``rejected`` folder, quarantined under its name and written to the ledger with the reason; a link
fault raises (the task retries). Requests past their due time are marked OVERDUE, with a ledger entry.

:func:`ingest_files` (download, verify, load all or nothing, record, archive; duplicates archived, bad files
rejected) serves the statement files too (:mod:`hub.banks.statements`).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, and_, insert, select, update

from connectors.sftp import SftpLink, TransferError
from hub import batches, ledger, quarantine
from hub.banks.config import RESULT_TYPE, BankConfig
from hub.banks.flows import FLOW_NAME
from hub.casesystem.banks import bank_control_requests, bank_control_results
from hub.db.models import PendingExchange
from hub.filelayout import LayoutError
from hub.ledger import Trace, payload_hash, utcnow
from hub.sealed_delivery import file_name
from hub.sealing import SealError, open_sealed

log = logging.getLogger(__name__)

IN, OUT = "IN", "OUT"
#: Quarantine's flow name for what came back from banks (files, results): kept apart from the outbound
#: flow's own quarantine, whose released records are re-read from the case system by their request id.
RESPONSES_QUARANTINE = f"{FLOW_NAME}_responses"
LOAD_CHUNK = 5000
#: The hub's ``pending_exchanges`` table: request files awaited, response and statement files loaded.
pending_exchanges = PendingExchange.__table__


# -- waiting and escalation -------------------------------------------------------------------------------
def awaiting(hub: Engine, bank: str) -> list[dict]:
    query = select(pending_exchanges).where(
        pending_exchanges.c.flow == FLOW_NAME,
        pending_exchanges.c.partner == bank,
        pending_exchanges.c.kind == "FILE",
        pending_exchanges.c.status == "AWAITING",
    )
    with hub.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _stem(note: str | None) -> str:
    for part in (note or "").split():
        if part.startswith("stem="):
            return part[5:]
    return ""


def escalate_overdue(hub: Engine, bank: str) -> list[str]:
    """Mark request files past their due time OVERDUE, each with a ledger entry; return their names."""
    now = utcnow()
    overdue = [row for row in awaiting(hub, bank) if row["due_at"] < now]
    if not overdue:
        return []
    with hub.begin() as connection:
        for row in overdue:
            connection.execute(
                update(pending_exchanges)
                .where(pending_exchanges.c.id == row["id"], pending_exchanges.c.status == "AWAITING")
                .values(status="OVERDUE", note=f"{row['note']} overdue-since={row['due_at']:%Y-%m-%dT%H:%M:%S}")
            )
        ledger.append(
            connection,
            [
                Trace(
                    row["batch_id"], FLOW_NAME, bank, OUT, "overdue", "FILE", row["exchange_id"].split(":", 1)[1],
                    reason=(
                        f"no response from {bank} to {row['exchange_id'].split(':', 1)[1]} ({row['record_count']} "
                        f"requests) by {row['due_at']:%Y-%m-%d %H:%M} UTC: an operator must follow up with the bank"
                    ),
                )
                for row in overdue
            ],
        )  # fmt: skip
    log.warning("%s: %d request files overdue: %s", bank, len(overdue), [r["exchange_id"] for r in overdue])
    return [row["exchange_id"].split(":", 1)[1] for row in overdue]


def responses_ready(bank: BankConfig, link: SftpLink, hub: Engine) -> bool:
    """True when no request file of ``bank`` is still awaited without its response on the server."""
    escalate_overdue(hub, bank.code)
    waiting = awaiting(hub, bank.code)
    if not waiting:
        return True
    layout = bank.layout("response")
    ready = {f.name for f in link.list_ready(bank.folder("response_dir"), layout.file_pattern)}
    missing = [
        row["exchange_id"]
        for row in waiting
        if file_name(layout.name_template, bank=bank.code, stem=_stem(row["note"])) not in ready
    ]
    log.info("%s: %d of %d request files still without a response", bank.code, len(missing), len(waiting))
    return not missing


# -- ingestion --------------------------------------------------------------------------------------------
@dataclass
class InboundFileCounts:
    """What :func:`ingest_files` counts, whatever the kind of file; each kind's summary adds its own."""

    bank: str
    files: int = 0
    files_loaded: int = 0
    files_duplicate: int = 0
    files_rejected: int = 0
    rejected: list = field(default_factory=list)  # [(file, reason)]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class IngestSummary(InboundFileCounts):
    records: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    outcomes: dict = field(default_factory=dict)
    overdue: list = field(default_factory=list)


@dataclass(frozen=True)
class InboundFiles:
    """One kind of file a bank leaves for the court (responses, statements): where it waits, and how the
    hub names it in batches, ledger entries and the exchanges it remembers."""

    flow: str
    layout: str  # the bank's layout of it: response, statement
    folder: str  # the connection extra naming its folder: response_dir, statement_dir
    marker: str  # the middle part of its exchange id, ``<bank>:<marker>:<file name>``
    what: str  # how messages name one


RESPONSE_FILES = InboundFiles(FLOW_NAME, "response", "response_dir", "in", "response file")


def ingest_responses(bank: BankConfig, link: SftpLink, case_system: Engine, hub: Engine) -> IngestSummary:
    """Load every ready response file of ``bank`` (see the module docstring); return the figures."""
    summary = IngestSummary(bank.code)
    ingest_files(
        bank,
        link,
        hub,
        RESPONSE_FILES,
        summary,
        load=lambda local, name: _load(bank, case_system, local, name),
        record=lambda *loaded_file: _record(bank, hub, summary, *loaded_file),
    )
    summary.overdue = escalate_overdue(hub, bank.code)
    return summary


def ingest_files(
    bank: BankConfig,
    link: SftpLink,
    hub: Engine,
    files: InboundFiles,
    summary: InboundFileCounts,
    *,
    load: Callable[[Path, str], object],
    record: Callable[[str, str, str, str, object], None],
) -> None:
    """Each ready file of the kind ``files``, one at a time: downloaded (size and checksum verified), then
    ``load(local, name)`` verifies, opens and loads it all or nothing, then ``record(batch_id, exchange_id,
    name, sha256, loaded)`` writes the hub's side in one transaction, and only then is the file archived
    on the server. A file loaded before is only archived; one that fails its seal or its layout is
    rejected (moved aside, quarantined, in the ledger); a link fault or any other error closes the batch
    with the error and raises, so the task retries."""
    work = Path(tempfile.mkdtemp(prefix=f"hub-{bank.code}-{files.marker}-"))
    try:
        for remote in link.list_ready(bank.folder(files.folder), bank.layout(files.layout).file_pattern):
            summary.files += 1
            _ingest_file(bank, link, hub, files, remote.name, work, summary, load, record)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def archive_if_loaded(
    hub: Engine, link: SftpLink, bank, *, flow: str, marker: str, folder: str, name: str, what: str
) -> bool:
    """A file loaded before (a crash before archiving, or sent twice) is only archived, with a ledger entry.

    Returns True when ``name`` was loaded before and has now been archived.
    """
    with hub.connect() as connection:
        seen = connection.execute(
            select(pending_exchanges.c.id).where(pending_exchanges.c.exchange_id == marker)
        ).first()
    if seen is None:
        return False
    with hub.begin() as connection:
        ledger.append(
            connection,
            [Trace(str(uuid.uuid4()), flow, bank.code, IN, "duplicate", "FILE", name,
                   reason=f"{what} {name} was loaded before: not loaded again, archived")],
        )  # fmt: skip
    link.archive(folder, name, bank.folder("archive_dir"))
    return True


def _ingest_file(
    bank,
    link: SftpLink,
    hub: Engine,
    files: InboundFiles,
    name: str,
    work: Path,
    summary: InboundFileCounts,
    load,
    record,
) -> None:
    folder = bank.folder(files.folder)
    exchange_id = f"{bank.code}:{files.marker}:{name}"
    batch_id = str(uuid.uuid4())
    if archive_if_loaded(
        hub, link, bank, flow=files.flow, marker=exchange_id, folder=folder, name=name, what=files.what
    ):
        summary.files_duplicate += 1
        return
    batches.open_batch(hub, batch_id, files.flow, bank.code, IN, f"{files.what} {name}")
    local = work / name
    try:
        manifest = link.download(folder, name, local)  # TransferError: the task fails and retries
        try:
            loaded = load(local, name)
        except (SealError, LayoutError) as exc:
            reject(bank, link, hub, batch_id, name, str(exc), summary, files=files)
            return
    except Exception as exc:
        batches.close_batch(hub, batch_id, files.flow, bank.code, IN, figures={}, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        local.unlink(missing_ok=True)
    record(batch_id, exchange_id, name, manifest.sha256, loaded)
    link.archive(folder, name, bank.folder("archive_dir"))


@dataclass
class _Loaded:
    header: dict
    count: int
    total: Decimal
    outcomes: list  # (result id, request id or None, outcome, reason, payload hash)
    quarantined: list  # (result id, payload, reasons)


def _load(bank: BankConfig, case_system: Engine, local: Path, name: str) -> _Loaded:
    """Verify, open, parse, map and insert one response file in one case-system transaction."""
    keys = bank.keys
    blocks = open_sealed(local, sender_public=keys.bank_verify, recipient_private=keys.court_box, expected_name=name)
    reader = bank.layout("response").read_blocks(blocks, name)
    target = bank.mapping.inbound_target(RESULT_TYPE)
    outcomes, held = [], []
    now = utcnow()
    with case_system.begin() as connection:
        chunk: list[dict] = []

        def flush() -> None:
            if chunk:
                _load_chunk(connection, bank, target, chunk, name, now, outcomes, held)
                chunk.clear()

        for record in reader:
            chunk.append(record)
            if len(chunk) >= LOAD_CHUNK:
                flush()
        flush()  # the reader has checked the trailer by now; an error above rolls everything back
    return _Loaded(reader.header, reader.count, reader.total, outcomes, held)


def _load_chunk(connection, bank, target, records: list[dict], name: str, now, outcomes: list, held: list) -> None:
    frame = pd.DataFrame(records)
    mapped, errors = target.apply(frame)
    for index, reasons in errors.items():
        raw = records[index]
        held.append(
            (str(raw.get(target.columns[0].source) or f"{name}#{index}"), raw, [f"mapping: {r}" for r in reasons])
        )
    rows = [_canonical(row) for row in mapped.to_dict("records")]
    request_ids = {r["request_id"] for r in rows if r["request_id"] is not None}
    known = set()
    if request_ids:
        query = select(bank_control_requests.c.id).where(
            bank_control_requests.c.id.in_(request_ids), bank_control_requests.c.bank_code == bank.code
        )
        known = {row[0] for row in connection.execute(query)}
    result_ids = [r["partner_result_id"] for r in rows]
    present = set()
    if result_ids:
        query = select(bank_control_results.c.partner_result_id).where(
            and_(
                bank_control_results.c.bank_code == bank.code, bank_control_results.c.partner_result_id.in_(result_ids)
            )
        )
        present = {row[0] for row in connection.execute(query)}
    fresh = []
    for row in rows:
        rid = row["partner_result_id"]
        phash = payload_hash(row)
        if row["request_id"] not in known:
            held.append((rid, row, [f"result for unknown request {row['request_id']!r} of bank {bank.code}"]))
        elif rid in present:
            outcomes.append((rid, row["request_id"], "duplicate", "already loaded: not loaded again", phash))
        else:
            present.add(rid)  # the same id twice in one file loads once
            fresh.append({**row, "bank_code": bank.code, "response_file": name, "loaded_at": now})
            outcomes.append((rid, row["request_id"], "loaded", f"{row['result_type']} {row['outcome']}", phash))
    if fresh:
        connection.execute(insert(bank_control_results), fresh)


def _canonical(row: dict) -> dict:
    out = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value == "":
            out[name] = None
        else:
            out[name] = value
    try:
        out["request_id"] = int(out["request_id"]) if out.get("request_id") is not None else None
    except (TypeError, ValueError):
        out["request_id"] = None
    out["partner_result_id"] = str(out["partner_result_id"])
    for money in ("balance", "available_balance", "freeze_limit", "amount_controlled", "prior_freeze_amount"):
        if out.get(money) is not None:
            out[money] = Decimal(str(out[money]))
    return out


def _record(bank, hub: Engine, summary, batch_id: str, exchange_id: str, name: str, sha256: str, loaded: _Loaded):
    request_file = str(loaded.header.get("QQWJM") or "").strip()
    loaded_count = sum(1 for o in loaded.outcomes if o[2] == "loaded")
    duplicates = sum(1 for o in loaded.outcomes if o[2] == "duplicate")
    now = utcnow()
    with hub.begin() as connection:
        traces = [
            Trace(batch_id, FLOW_NAME, bank.code, IN, outcome, "RECORD", rid, None, phash, f"{name}: {reason}")
            for rid, _request, outcome, reason, phash in loaded.outcomes
        ]
        traces += [
            Trace(
                batch_id, FLOW_NAME, bank.code, IN, "quarantined", "RECORD", rid, None, None, f"{name}: {'; '.join(r)}"
            )
            for rid, _payload, r in loaded.quarantined
        ]
        traces.append(
            Trace(batch_id, FLOW_NAME, bank.code, IN, "loaded", "FILE", name, None, sha256,
                  f"answers {request_file or '?'}: {loaded.count} records, control total {loaded.total}, "
                  f"{loaded_count} loaded, {duplicates} already loaded, {len(loaded.quarantined)} quarantined")
        )  # fmt: skip
        ledger.append(connection, traces)
        quarantine.hold(
            connection,
            flow=RESPONSES_QUARANTINE,
            partner=bank.code,
            batch_id=batch_id,
            records=((rid, None, {"file": name, **_jsonable(p)}, r) for rid, p, r in loaded.quarantined),
        )
        if request_file:
            connection.execute(
                update(pending_exchanges)
                .where(
                    pending_exchanges.c.exchange_id == f"{bank.code}:{request_file}",
                    pending_exchanges.c.status.in_(["AWAITING", "OVERDUE"]),
                )
                .values(status="COMPLETE", completed_at=now)
            )
        connection.execute(
            insert(pending_exchanges).values(
                exchange_id=exchange_id, flow=FLOW_NAME, partner=bank.code, batch_id=batch_id,
                kind="FILE_IN", record_count=loaded.count, status="COMPLETE", submitted_at=now, due_at=now,
                completed_at=now, note=f"answers={request_file} sha256={sha256}",
            )
        )  # fmt: skip
        figures = {"extracted": loaded.count, "loaded": loaded_count, "duplicates": duplicates,
                   "quarantined": len(loaded.quarantined)}  # fmt: skip
        batches.record_progress(connection, batch_id, figures)
    batches.close_batch(hub, batch_id, FLOW_NAME, bank.code, IN, figures=figures)
    summary.files_loaded += 1
    summary.records += loaded.count
    summary.loaded += loaded_count
    summary.duplicates += duplicates
    summary.quarantined += len(loaded.quarantined)
    for _rid, _request, outcome, reason, _h in loaded.outcomes:
        if outcome == "loaded":
            summary.outcomes[reason] = summary.outcomes.get(reason, 0) + 1


def _jsonable(payload: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in payload.items()}


def reject(
    bank,
    link: SftpLink,
    hub: Engine,
    batch_id: str,
    name: str,
    reason: str,
    summary: InboundFileCounts,
    *,
    files: InboundFiles,
) -> None:
    """A file that cannot be trusted or read: nothing of it was loaded. Keep it, say why, tell operators."""
    flow = files.flow
    log.error("%s: %s %s rejected: %s", bank.code, files.what, name, reason)
    with hub.begin() as connection:
        ledger.append(connection, [Trace(batch_id, flow, bank.code, IN, "rejected", "FILE", name, reason=reason)])
        quarantine.hold(
            connection,
            flow=RESPONSES_QUARANTINE if flow == FLOW_NAME else flow,
            partner=bank.code,
            batch_id=batch_id,
            records=[(name, None, {"file": name, "folder": bank.folder("rejected_dir")}, [reason])],
        )
    batches.close_batch(hub, batch_id, flow, bank.code, IN, figures={}, error=f"{files.what} rejected: {reason}")
    try:
        link.archive(bank.folder(files.folder), name, bank.folder("rejected_dir"))
    except TransferError:
        log.exception("%s: could not move the rejected file %s aside; it will be seen again", bank.code, name)
    summary.files_rejected += 1
    summary.rejected.append((name, reason))
