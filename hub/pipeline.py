"""Outbound pipeline: extract → quality gate → map → deliver → ledger, one chunk at a time.

For each chunk the partner commits first; then one hub-DB transaction records the ledger entries, the
quarantined records, the idempotency keys and the moved watermark. A crash between the two leaves the
watermark behind, so the chunk is read again and the partner's version check turns it into a no-op:
nothing is lost and nothing is applied twice. Per chunk: extracted = delivered + quarantined + rejected.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd
from sqlalchemy import Engine, insert, select

from connectors.base import ChunkDelivery, Deliverer
from connectors.db import DatabaseLink
from hub import batches, ledger, quarantine, watermarks
from hub.db.models import DeliveredKey
from hub.errors import ConfigurationError
from hub.extract import by_keys, high_water_mark, pages, prefetched
from hub.flows import OutboundFlow
from hub.ledger import Trace, payload_hash, utcnow
from hub.mapping import TargetMapping, load_mapping, to_python_rows
from hub.quality.gate import QualityGate
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
    settings = get_settings()
    chunk_size = chunk_size or settings.chunk_size
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
    try:
        for chunk in prefetched(pages(source.engine, flow, start, stop, chunk_size)):
            _process_chunk(flow, target, gate, partner, hub, chunk, summary)
            for key in released.keys() & set(chunk[flow.key_field].astype(str)):
                released[key] = -abs(released[key])  # seen in this run's pages: retried already
            if progress:
                progress(summary)
        _retry_released(flow, target, gate, partner, source, hub, released, chunk_size, summary)
    except Exception as error:
        summary.status, summary.error = "FAILED", f"{type(error).__name__}: {error}"
        _close(hub, summary)
        raise
    finally:
        summary.quality_report = str(gate.finish() or "")
    summary.status = "SUCCEEDED"
    _close(hub, summary)
    return summary


def _retry_released(flow, target, gate, partner, source, hub, released: dict[str, int], chunk_size, summary) -> None:
    """Records an operator released from quarantine go through the flow again, at their current version.

    Those the run's own pages already carried are not read twice; the watermark does not move for them.
    """
    pending = [key for key, quarantine_id in released.items() if quarantine_id > 0]
    for chunk in by_keys(source.engine, flow, pending, chunk_size):
        _process_chunk(flow, target, gate, partner, hub, chunk, summary, move_watermark=False)
    if released:
        with hub.begin() as connection:
            quarantine.mark_retried(connection, [abs(q) for q in released.values()], summary.batch_id)


def _close(hub: Engine, summary: RunSummary) -> None:
    batches.close_batch(
        hub, summary.batch_id, summary.flow, summary.partner, OUT,
        figures=_figures(summary), reasons=summary.quarantine_reasons, error=summary.error,
    )  # fmt: skip


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
) -> None:
    chunk = chunk.assign(pushed_at=utcnow())
    keys = chunk[flow.key_field].astype(str)
    versions = dict(zip(keys, chunk[flow.version_field].astype(int), strict=True))
    checked = gate.check(chunk)
    mapped, mapping_errors = target.apply(checked.passed)
    reasons = dict(checked.failures)
    for index, errors in mapping_errors.items():
        reasons.setdefault(str(chunk.at[index, flow.key_field]), []).extend(f"mapping: {e}" for e in errors)

    rows = to_python_rows(mapped)
    delivery = partner.deliver(target, rows)
    payload_hashes = {str(row[target.key]): payload_hash(row) for row in rows}

    held = chunk[keys.isin(list(reasons))]
    last = chunk.iloc[-1]
    cursor = watermarks.Cursor(pd.Timestamp(last[flow.cursor_time.name]).to_pydatetime(), int(last[flow.key_field]))
    with hub.begin() as connection:
        traces = _record_traces(summary, versions, payload_hashes, delivery, reasons)
        ledger.append(connection, traces)
        quarantine.hold(
            connection,
            flow=flow.name,
            partner=flow.partner,
            batch_id=summary.batch_id,
            records=(
                (key, versions[key], record, reasons[key])
                for key, record in zip(held[flow.key_field].astype(str), held.to_dict("records"), strict=True)
            ),
        )
        _remember_delivered(connection, flow, summary.batch_id, versions, payload_hashes, delivery)
        if move_watermark:
            watermarks.write(connection, flow.name, flow.partner, cursor)
            summary.cursor_to = str(cursor)
        summary.extracted += len(chunk)
        summary.delivered += len(delivery.applied) + len(delivery.already_present)
        summary.duplicates += len(delivery.already_present)
        summary.rejected += len(delivery.rejected)
        summary.quarantined += len(reasons)
        summary.quarantine_reasons.update(r for rs in reasons.values() for r in rs)
        summary.chunks += 1
        batches.record_progress(connection, summary.batch_id, _figures(summary), summary.quarantine_reasons)
    if not summary.balanced:  # pragma: no cover - would be a bug in this module
        raise AssertionError(f"batch {summary.batch_id}: extracted != delivered + quarantined + rejected")


def _record_traces(summary, versions, payload_hashes, delivery: ChunkDelivery, reasons) -> list[Trace]:
    def trace(key: str, outcome: str, reason: str | None = None) -> Trace:
        return Trace(
            summary.batch_id, summary.flow, summary.partner, OUT, outcome, "RECORD", key, versions[key],
            payload_hashes.get(key), reason,
        )  # fmt: skip

    traces = [trace(key, "delivered") for key in delivery.applied]
    traces += [
        trace(key, "delivered", f"already at partner with version {have}: not applied again")
        for key, have in delivery.already_present.items()
    ]
    traces += [trace(key, "rejected", f"partner refused it: {why}") for key, why in delivery.rejected.items()]
    traces += [trace(key, "quarantined", "; ".join(why)) for key, why in reasons.items()]
    return traces


def _remember_delivered(connection, flow, batch_id, versions, payload_hashes, delivery: ChunkDelivery) -> None:
    """Idempotency keys for what the partner now holds (including rows found already there)."""
    candidates = {key: versions[key] for key in [*delivery.applied, *delivery.already_present]}
    if not candidates:
        return
    query = select(_keys.c.record_key, _keys.c.record_version).where(
        _keys.c.flow == flow.name, _keys.c.partner == flow.partner, _keys.c.record_key.in_(list(candidates))
    )
    known = {(key, version) for key, version in connection.execute(query)}
    now = utcnow()
    rows = [
        {
            "flow": flow.name,
            "partner": flow.partner,
            "record_key": key,
            "record_version": version,
            "payload_hash": payload_hashes.get(key) or "",
            "batch_id": batch_id,
            "delivered_at": now,
        }
        for key, version in candidates.items()
        if (key, version) not in known
    ]
    if rows:
        connection.execute(insert(_keys), rows)


def _figures(summary: RunSummary) -> dict:
    names = ("extracted", "delivered", "duplicates", "quarantined", "rejected")
    return {name: getattr(summary, name) for name in names}
