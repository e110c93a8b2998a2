"""Outbound pipeline: extract → quality gate → map → deliver → ledger, one chunk at a time.

For each chunk the partner commits first; then one hub-DB transaction records the ledger entries, the
quarantined records, the idempotency keys and the moved watermark. A crash between the two leaves the
watermark behind, so the chunk is read again and the partner's version check turns it into a no-op:
nothing is lost and nothing is applied twice. Per chunk: extracted = delivered + quarantined + rejected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import queue
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd
from sqlalchemy import Engine, select

from connectors import bulk
from connectors.base import ChunkDelivery, Deliverer
from connectors.db import DatabaseLink
from hub import batches, ledger, policy, quarantine, watermarks
from hub.db.models import DeliveredKey
from hub.errors import ConfigurationError
from hub.extract import by_keys, high_water_mark, pages
from hub.flows import OutboundFlow
from hub.ledger import utcnow
from hub.mapping import TargetMapping, load_mapping, to_python_rows
from hub.quality.gate import QualityGate, reason_family
from hub.settings import get_settings

log = logging.getLogger(__name__)
OUT = "OUT"
_keys = DeliveredKey.__table__


@dataclass
class RunSummary:
    """What one run did: the figures operators and the demo summary read."""

    flow: str
    partner: str
    batch_id: str
    status: str = "RUNNING"
    extracted: int = 0
    delivered: int = 0
    duplicates: int = 0
    quarantined: int = 0
    rejected: int = 0
    chunks: int = 0
    quarantine_reasons: Counter = field(default_factory=Counter)
    cursor_from: str = ""
    cursor_to: str = ""
    error: str | None = None
    quality_report: str = ""

    @property
    def balanced(self) -> bool:
        """Invariant 1: every extracted record has exactly one fate."""
        return self.extracted == self.delivered + self.quarantined + self.rejected

    def as_dict(self) -> dict:
        data = asdict(self)
        data["quarantine_reasons"] = dict(self.quarantine_reasons)
        return data


def check_flow_mapping(flow: OutboundFlow, target: TargetMapping) -> None:
    """The partner key must be the flow's key, so delivery results map back to records."""
    key_rule = next(rule for rule in target.columns if rule.name == target.key)
    version_rule = next(rule for rule in target.columns if rule.name == target.version)
    if key_rule.source != flow.key_field or version_rule.source != flow.version_field:
        raise ConfigurationError(
            f"mapping {target.record_type}: {target.key} must come from {flow.key_field} and "
            f"{target.version} from {flow.version_field} (the flow's key and version)"
        )


def _steady_allocator() -> None:
    """Fix glibc's mmap threshold (process-wide, once) so that memory stays flat over a long batch.

    glibc raises the threshold each time a large block is freed, after which a chunk's big arrays come
    from the heap instead of fresh mappings; freed heap memory is rarely handed back, so the resident
    size crept up by about a chunk's worth every few dozen chunks. With the threshold fixed at its
    default (128 KiB) big arrays are mapped and unmapped each time. Elsewhere (no glibc) nothing is done.
    """
    global _libc
    if _libc is not None or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        _libc = libc
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        _libc = False
        log.debug("mallopt is not available: allocator left as it is")


def _release_free_memory() -> None:
    """Hand the heap's free pages back after a chunk (glibc ``malloc_trim``; a few ms), so that pages freed
    between chunks do not stay resident and slowly add up over a long batch."""
    if _libc:
        _libc.malloc_trim(0)


_M_MMAP_THRESHOLD = -3
_libc = None


def run_outbound(
    flow: OutboundFlow,
    *,
    source: DatabaseLink,
    partner: Deliverer,
    hub: Engine,
    chunk_size: int | None = None,
    gate: QualityGate | None = None,
    progress: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Move every record changed since the flow's watermark to the partner; return the run's figures."""
    _steady_allocator()
    settings = get_settings()
    chunk_size = chunk_size or settings.chunk_size or flow.chunk_size
    target = load_mapping(settings.mappings_dir / f"{flow.partner}.yaml").target(flow.record_type)
    check_flow_mapping(flow, target)
    gate = gate or QualityGate(
        settings.expectations_dir / f"{flow.suite}.json",
        flow.key_field,
        flow.max_failure_rate,
        name=flow.name,
    )
    summary = RunSummary(flow.name, flow.partner, str(uuid.uuid4()))
    with hub.connect() as connection:
        start = watermarks.read(connection, flow.name, flow.partner)
    stop = high_water_mark(source.engine, flow)
    summary.cursor_from, summary.cursor_to = str(start), str(start)
    batches.open_batch(hub, summary.batch_id, flow.name, flow.partner, OUT, f"from {start} to {stop}")
    gate.begin(summary.batch_id)
    with hub.connect() as connection:
        released = quarantine.released_keys(connection, flow.name, flow.partner)

    def write(prepared: _Prepared) -> None:
        _write_chunk(flow, target, partner, hub, prepared, summary)
        _release_free_memory()
        if progress:
            progress(summary)

    try:
        # Deny by default (policies/<partner>.yaml): a forbidden record type or field stops the run here,
        # before anything is delivered; the row rules are applied to each chunk below.
        rules = policy.enforce_flow(flow, target, hub, summary.batch_id)
        # Read, gate and map chunk n+1 here while a writer thread delivers and records chunk n (in order).
        # (The extraction's own prefetch thread is not used: with the writer overlapping it, a third page
        # in memory bought nothing but resident size.)
        with _Writer(write) as writer:
            for chunk in pages(source.engine, flow, start, stop, chunk_size):
                prepared = _prepare_chunk(flow, target, gate, chunk, rules=rules)
                for key in released.keys() & prepared.versions.keys():
                    released[key] = -abs(released[key])  # seen in this run's pages: retried already
                del chunk
                writer.submit(prepared)
        _retry_released(flow, target, gate, partner, source, hub, released, chunk_size, summary, rules)
    except Exception as error:
        summary.status, summary.error = "FAILED", f"{type(error).__name__}: {error}"
        _close(hub, summary)
        raise
    finally:
        summary.quality_report = str(gate.finish() or "")
    summary.status = "SUCCEEDED"
    _close(hub, summary)
    return summary


def _retry_released(
    flow, target, gate, partner, source, hub, released: dict[str, int], chunk_size, summary, rules
) -> None:
    """Records an operator released from quarantine go through the flow again, at their current version.

    Those the run's own pages already carried are not read twice; the watermark does not move for them.
    """
    pending = [key for key, quarantine_id in released.items() if quarantine_id > 0]
    for chunk in by_keys(source.engine, flow, pending, chunk_size):
        _process_chunk(flow, target, gate, partner, hub, chunk, summary, move_watermark=False, rules=rules)
    if released:
        with hub.begin() as connection:
            quarantine.mark_retried(connection, [abs(q) for q in released.values()], summary.batch_id)


def _close(hub: Engine, summary: RunSummary) -> None:
    batches.close_batch(
        hub, summary.batch_id, summary.flow, summary.partner, OUT,
        figures=_figures(summary), reasons=summary.quarantine_reasons, error=summary.error,
    )  # fmt: skip


class _Writer:
    """Runs ``write`` on each submitted chunk, in order, on one background thread (one chunk queued).

    The partner and hub-DB round trips of chunk n then overlap the gate and mapping of chunk n+1; what
    is written, and in which order and transactions, is what the sequential loop wrote. After a failed
    write nothing more is written; the failure is raised by the next :meth:`submit` or on leaving the
    ``with`` block, before any error of a later chunk (which, run in sequence, would never have come).
    """

    def __init__(self, write: Callable[[_Prepared], None]):
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="deliver-record", daemon=True)

    def __enter__(self) -> _Writer:
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def submit(self, prepared: _Prepared) -> None:
        """Hand over a chunk once the previous one is written (so at most two are alive: this one and the
        next being prepared)."""
        self._queue.join()
        if self._error is not None:
            raise self._error
        self._queue.put(prepared)

    def _run(self) -> None:
        while True:
            prepared = self._queue.get()
            try:
                if prepared is None:
                    return
                if self._error is None:
                    self._write(prepared)
            except BaseException as error:  # handed to the submitting thread
                self._error = error
            finally:
                del prepared
                self._queue.task_done()


@dataclass
class _Prepared:
    """One chunk after the gate and the mapping, ready to deliver and record (the chunk itself let go)."""

    rows: int
    mapped: pd.DataFrame
    payload_hashes: dict[str, str]
    versions: dict[str, int]
    reasons: dict[str, list[str]]
    held: list[tuple[str, int, dict, list[str]]]
    cursor: watermarks.Cursor
    move_watermark: bool
    policy_blocked: frozenset[str] = frozenset()  # keys the partner's policy held back (also in reasons)


def _prepare_chunk(
    flow: OutboundFlow,
    target: TargetMapping,
    gate: QualityGate,
    chunk: pd.DataFrame,
    *,
    move_watermark: bool = True,
    rules: policy.RecordPolicy,
) -> _Prepared:
    """Gate, screen by the partner's policy and map one chunk (CPU only: nothing is written here)."""
    chunk = chunk.assign(pushed_at=utcnow())
    keys = chunk[flow.key_field].astype(str)
    versions = dict(zip(keys, chunk[flow.version_field].astype(int), strict=True))
    checked = gate.check(chunk)
    allowed, blocked = policy.screen_rows(rules, checked.passed, flow.key_field)
    mapped, mapping_errors = target.apply(allowed)
    reasons = dict(checked.failures) | blocked
    for index, errors in mapping_errors.items():
        reasons.setdefault(str(chunk.at[index, flow.key_field]), []).extend(f"mapping: {e}" for e in errors)
    payload_hashes = dict(zip(mapped[target.key].astype(str), ledger.payload_hashes(mapped), strict=True))
    held_frame = chunk[keys.isin(list(reasons))]
    held = [
        (key, versions[key], record, reasons[key])
        for key, record in zip(held_frame[flow.key_field].astype(str), held_frame.to_dict("records"), strict=True)
    ]
    last = chunk.iloc[-1]
    cursor = watermarks.Cursor(pd.Timestamp(last[flow.cursor_time.name]).to_pydatetime(), int(last[flow.key_field]))
    return _Prepared(
        len(chunk), mapped, payload_hashes, versions, reasons, held, cursor, move_watermark, frozenset(blocked)
    )


def _deliver(partner: Deliverer, target: TargetMapping, mapped: pd.DataFrame) -> ChunkDelivery:
    deliver_frame = getattr(partner, "deliver_frame", None)
    if deliver_frame is not None:  # a transport that takes the mapped chunk as it is (DatabaseLink)
        return deliver_frame(target, mapped)
    return partner.deliver(target, to_python_rows(mapped))


def _write_chunk(
    flow: OutboundFlow, target: TargetMapping, partner: Deliverer, hub: Engine, prepared: _Prepared, summary
) -> None:
    """Deliver one prepared chunk, then record its fate in one hub transaction (partner first)."""
    delivery = _deliver(partner, target, prepared.mapped)
    versions, payload_hashes, reasons = prepared.versions, prepared.payload_hashes, prepared.reasons
    with hub.begin() as connection:
        _append_traces(connection, summary, versions, payload_hashes, delivery, reasons, prepared.policy_blocked)
        policy.alert_blocked_rows(connection, flow, summary.batch_id, reasons, prepared.policy_blocked)
        quarantine.hold(
            connection, flow=flow.name, partner=flow.partner, batch_id=summary.batch_id, records=prepared.held
        )
        _remember_delivered(connection, flow, summary.batch_id, versions, payload_hashes, delivery)
        if prepared.move_watermark:
            watermarks.write(connection, flow.name, flow.partner, prepared.cursor)
            summary.cursor_to = str(prepared.cursor)
        summary.extracted += prepared.rows
        summary.delivered += len(delivery.applied) + len(delivery.already_present)
        summary.duplicates += len(delivery.already_present)
        summary.rejected += len(delivery.rejected)
        summary.quarantined += len(reasons)
        summary.quarantine_reasons.update(reason_family(r) for rs in reasons.values() for r in rs)
        summary.chunks += 1
        batches.record_progress(connection, summary.batch_id, _figures(summary), summary.quarantine_reasons)
    if not summary.balanced:  # pragma: no cover - would be a bug in this module
        raise AssertionError(f"batch {summary.batch_id}: extracted != delivered + quarantined + rejected")


def _process_chunk(
    flow: OutboundFlow,
    target: TargetMapping,
    gate: QualityGate,
    partner: Deliverer,
    hub: Engine,
    chunk: pd.DataFrame,
    summary: RunSummary,
    *,
    move_watermark: bool = True,
    rules: policy.RecordPolicy,
) -> None:
    prepared = _prepare_chunk(flow, target, gate, chunk, move_watermark=move_watermark, rules=rules)
    _write_chunk(flow, target, partner, hub, prepared, summary)


def _append_traces(
    connection, summary, versions, payload_hashes, delivery: ChunkDelivery, reasons, blocked=frozenset()
) -> None:
    """One RECORD entry per record of the chunk, in the order applied, already present, rejected,
    quarantined (what the Trace list of earlier versions held), appended by column. A quarantined record
    the partner's policy held back (``blocked``) has the outcome ``policy_blocked``."""
    keys = [*delivery.applied, *delivery.already_present, *delivery.rejected, *reasons]
    outcomes = ["delivered"] * (len(delivery.applied) + len(delivery.already_present))
    outcomes += ["rejected"] * len(delivery.rejected)
    outcomes += [policy.BLOCKED if key in blocked else "quarantined" for key in reasons]
    why: list[str | None] = [None] * len(delivery.applied)
    why += [f"already at partner with version {have}: not applied again" for have in delivery.already_present.values()]
    why += [f"partner refused it: {reason}" for reason in delivery.rejected.values()]
    why += ["; ".join(reason) for reason in reasons.values()]
    ledger.append_records(
        connection,
        batch_id=summary.batch_id,
        flow=summary.flow,
        partner=summary.partner,
        direction=OUT,
        keys=keys,
        versions=[versions[key] for key in keys],
        payload_hashes=[payload_hashes.get(key) for key in keys],
        outcomes=outcomes,
        reasons=why,
    )


def _remember_delivered(connection, flow, batch_id, versions, payload_hashes, delivery: ChunkDelivery) -> None:
    """Idempotency keys for what the partner now holds (including rows found already there)."""
    candidates = {key: versions[key] for key in [*delivery.applied, *delivery.already_present]}
    if not candidates:
        return
    now = utcnow()

    def columns(pairs: list[tuple[str, int]]) -> dict[str, list]:
        count = len(pairs)
        return {
            "flow": [flow.name] * count,
            "partner": [flow.partner] * count,
            "record_key": [key for key, _ in pairs],
            "record_version": [version for _, version in pairs],
            "payload_hash": [payload_hashes.get(key) or "" for key, _ in pairs],
            "batch_id": [batch_id] * count,
            "delivered_at": [now] * count,
        }

    # Usually none is known yet: load them all at once; a known one is a duplicate key, which makes the
    # load refuse (nothing written), and then only the unknown ones are inserted, as below.
    if bulk.try_load(connection, _keys.name, columns(list(candidates.items()))):
        return
    query = select(_keys.c.record_key, _keys.c.record_version).where(
        _keys.c.flow == flow.name, _keys.c.partner == flow.partner, _keys.c.record_key.in_(list(candidates))
    )
    known = {(key, version) for key, version in connection.execute(query)}
    fresh = [(key, version) for key, version in candidates.items() if (key, version) not in known]
    if fresh:
        bulk.insert_rows(connection, _keys, columns(fresh))


def _figures(summary: RunSummary) -> dict:
    names = ("extracted", "delivered", "duplicates", "quarantined", "rejected")
    return {name: getattr(summary, name) for name in names}
