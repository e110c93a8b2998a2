"""The exchange ledger: every batch and record the hub moves, hash-chained so tampering shows.

Each entry carries the hash of the entry before it (``prev_hash``) and its own hash over its fields and
``prev_hash``. ``ledger_head`` holds the tip; appenders lock it, so concurrent flows form one chain.
:func:`verify` walks the chain and names the first entry that was altered, removed or reordered.
Appends take a connection so that they commit in the same transaction as the state they describe
(watermark, idempotency keys, quarantine).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, select, update

from connectors import bulk
from hub.db.models import LedgerEntry, LedgerHead
from hub.errors import LedgerError

GENESIS_HASH = "0" * 64

_entries = LedgerEntry.__table__
_head = LedgerHead.__table__


def utcnow() -> datetime:
    """Naive UTC with microseconds: the one time form the hub stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def payload_hash(payload: dict) -> str:
    """SHA-256 of a record's canonical JSON (sorted keys, no spaces): what the partner received."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def payload_hashes(frame: pd.DataFrame, block_rows: int = 1000) -> list[str]:
    """:func:`payload_hash` of every row of ``frame`` as :func:`hub.mapping.to_python_rows` gives it.

    Same hashes, computed by column: each value's JSON text is made once per column (numbers by numpy,
    strings by the json module's C encoder, repeated values such as the push time once), then each row's
    canonical JSON is joined and hashed.
    """
    if frame.empty:
        return []
    names = sorted(frame.columns)
    template = "{" + ",".join(_json_text(str(name)).replace("%", "%%") + ":%s" for name in names) + "}"
    sha256 = hashlib.sha256
    hashes: list[str] = []
    for start in range(0, len(frame), block_rows):  # by blocks: one block's JSON texts alive at a time
        block = frame.iloc[start : start + block_rows]
        parts = [_json_fragments(block[name]) for name in names]
        hashes += [sha256((template % row).encode()).hexdigest() for row in zip(*parts, strict=True)]
    return hashes


_json_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) does to a str


def _json_fragments(series: pd.Series) -> np.ndarray:
    """Each value's JSON text as json.dumps(value, ensure_ascii=False, default=str) would write it."""
    missing = series.isna().to_numpy(dtype=bool)
    if series.dtype.kind in "iu" and not isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy().astype(str).astype(object)
    values = series.astype(object).to_numpy()
    present = values[~missing]
    inferred = pd.api.types.infer_dtype(present, skipna=False) if len(present) else "empty"
    if inferred == "string":
        texts = np.array(list(map(_json_text, present)), dtype=object)
    elif inferred in ("integer", "datetime", "date", "boolean"):  # one type: each distinct value once
        codes, uniques = pd.factorize(present)
        texts = np.array([_json_value(value) for value in uniques], dtype=object)[codes]
    else:
        texts = np.array([_json_value(value) for value in present], dtype=object)
    out = np.full(len(values), "null", dtype=object)
    out[~missing] = texts
    return out


def _json_value(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Trace:
    """What happened to one batch or record; the ledger adds sequence, time and hashes."""

    batch_id: str
    flow: str
    partner: str
    direction: str
    outcome: str
    kind: str = "RECORD"
    record_key: str | None = None
    record_version: int | None = None
    payload_hash: str | None = None
    reason: str | None = None


def _entry_hash(prev_hash: str, values: dict) -> str:
    fields = (
        values["seq"],
        values["batch_id"],
        values["flow"],
        values["partner"],
        values["direction"],
        values["kind"],
        values["record_key"] or "",
        "" if values["record_version"] is None else values["record_version"],
        values["payload_hash"] or "",
        values["outcome"],
        values["reason"] or "",
        values["recorded_at"].strftime("%Y-%m-%dT%H:%M:%S.%f"),
    )
    text = prev_hash + "\x1f" + "\x1f".join(str(f) for f in fields)
    return hashlib.sha256(text.encode()).hexdigest()


def append(connection: Connection, traces: Sequence[Trace]) -> int:
    """Append ``traces`` to the chain inside the caller's transaction; return the last sequence number."""
    if not traces:
        return 0
    fields = ("batch_id", "flow", "partner", "direction", "kind", "record_key", "record_version", "payload_hash")
    columns = {name: [getattr(trace, name) for trace in traces] for name in (*fields, "outcome", "reason")}
    return _append_columns(connection, columns, len(traces))


def append_records(
    connection: Connection,
    *,
    batch_id: str,
    flow: str,
    partner: str,
    direction: str,
    keys: Sequence[str],
    versions: Sequence[int | None],
    payload_hashes: Sequence[str | None],
    outcomes: Sequence[str],
    reasons: Sequence[str | None],
) -> int:
    """:func:`append` for the RECORD traces of one batch given by column (a chunk's worth at once).

    The same entries, hashes and order as ``append`` of the equivalent :class:`Trace` list, without
    building one object per record.
    """
    count = len(keys)
    if not count:
        return 0
    constants = {"batch_id": batch_id, "flow": flow, "partner": partner, "direction": direction, "kind": "RECORD"}
    columns = {name: itertools.repeat(value, count) for name, value in constants.items()}
    columns |= {
        "record_key": keys,
        "record_version": versions,
        "payload_hash": payload_hashes,
        "outcome": outcomes,
        "reason": reasons,
    }
    return _append_columns(connection, columns, count, constants=constants)


def _append_columns(connection: Connection, columns: dict, count: int, constants: dict | None = None) -> int:
    # Take the write lock first (an UPDATE locks the row on MySQL and the database on SQLite), then read.
    locked = connection.execute(update(_head).where(_head.c.id == 1).values(last_seq=_head.c.last_seq))
    if locked.rowcount == 0:
        raise LedgerError("the ledger's head row is missing (the migration creates it): run `hub ledger verify`")
    last_seq, prev_hash = connection.execute(select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == 1)).one()
    now = utcnow()
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f")
    seqs = range(last_seq + 1, last_seq + 1 + count)
    prev_hashes: list[str] = []
    entry_hashes: list[str] = []
    sha256 = hashlib.sha256
    names = ("batch_id", "flow", "partner", "direction", "kind", "record_key", "record_version", "payload_hash")
    keys, versions, hashes, outcomes, reasons = (
        list(columns[name]) for name in ("record_key", "record_version", "payload_hash", "outcome", "reason")
    )
    heads = list(zip(*(columns[name] for name in names[:5]), strict=True)) if constants is None else None
    head = "\x1f".join(str(constants[name]) for name in names[:5]) if constants is not None else ""
    # The text _entry_hash hashes, built inline: prev \x1f seq \x1f batch … kind \x1f key \x1f version …
    for index, seq in enumerate(seqs):
        if heads is not None:
            head = "\x1f".join(str(f) for f in heads[index])
        version = versions[index]
        text = (
            f"{prev_hash}\x1f{seq}\x1f{head}\x1f{keys[index] or ''}\x1f{'' if version is None else version}"
            f"\x1f{hashes[index] or ''}\x1f{outcomes[index]}\x1f{reasons[index] or ''}\x1f{stamp}"
        )
        prev_hashes.append(prev_hash)
        prev_hash = sha256(text.encode()).hexdigest()
        entry_hashes.append(prev_hash)
    values = {"seq": list(seqs)}
    if constants is not None:
        values |= {name: itertools.repeat(constants[name], count) for name in names[:5]}
    else:
        values |= {name: [head[i] for head in heads] for i, name in enumerate(names[:5])}
    values |= {"record_key": keys, "record_version": versions, "payload_hash": hashes, "outcome": outcomes}
    values |= {"reason": reasons, "recorded_at": itertools.repeat(now, count), "prev_hash": prev_hashes}
    values["entry_hash"] = entry_hashes
    bulk.insert_rows(connection, _entries, {name: _materialise(column, count) for name, column in values.items()})
    connection.execute(update(_head).where(_head.c.id == 1).values(last_seq=seqs[-1], last_hash=prev_hash))
    return seqs[-1]


def _materialise(column, count: int):
    if isinstance(column, itertools.repeat):
        value = next(column)
        if isinstance(value, str):
            return pd.Series(value, index=range(count), dtype=object)
        return [value] * count
    return column


@dataclass
class Verification:
    ok: bool
    entries_checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    last_seq: int = 0
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if self.ok:
            return f"ledger verified: {self.entries_checked} entries, chain intact up to #{self.last_seq}"
        return f"ledger BROKEN at entry #{self.first_bad_seq}: {self.problem}"


def verify(engine: Engine, *, chunk: int = 10_000) -> Verification:
    """Walk the whole chain in sequence order; stop at the first entry that does not hold."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=chunk).execute(select(_entries).order_by(_entries.c.seq))
        for row in result.mappings():
            values = dict(row)
            seq = values["seq"]
            if seq != expected_seq:
                problem = f"expected entry #{expected_seq} next but found #{seq}: entries removed or reordered"
                return Verification(False, checked, expected_seq, problem)
            if values["prev_hash"] != expected_prev:
                problem = "prev_hash does not match the entry before it: an entry was removed or reordered"
                return Verification(False, checked, seq, problem)
            recomputed = _entry_hash(values["prev_hash"], values)
            if recomputed != values["entry_hash"]:
                return Verification(False, checked, seq, "contents changed after it was written (hash mismatch)")
            expected_prev, expected_seq, checked = values["entry_hash"], seq + 1, checked + 1
        head = connection.execute(select(_head.c.last_seq, _head.c.last_hash).where(_head.c.id == 1)).first()
    last_seq = expected_seq - 1
    if head is None and checked == 0:
        return Verification(True, 0, last_seq=0)
    if head is None or head.last_seq != last_seq or head.last_hash != expected_prev:
        tip = "missing" if head is None else f"#{head.last_seq}"
        problem = f"the chain ends at #{last_seq} but the recorded tip is {tip}: entries removed from the end"
        return Verification(False, checked, last_seq + 1, problem, last_seq)
    return Verification(True, checked, last_seq=last_seq)


def entries(
    engine: Engine,
    *,
    flow: str | None = None,
    batch_id: str | None = None,
    record_key: str | None = None,
    outcome: str | None = None,
    limit: int = 50,
) -> Iterator[dict]:
    """The newest ``limit`` entries matching the filters, oldest first."""
    query = select(_entries)
    if flow:
        query = query.where(_entries.c.flow == flow)
    if batch_id:
        query = query.where(_entries.c.batch_id == batch_id)
    if record_key:
        query = query.where(_entries.c.record_key == record_key)
    if outcome:
        query = query.where(_entries.c.outcome == outcome)
    query = query.order_by(_entries.c.seq.desc()).limit(limit)
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(query).mappings()]
    return iter(reversed(rows))


def batch_trace(
    batch_id: str, flow: str, partner: str, direction: str, outcome: str, reason: str | None = None
) -> Trace:
    return Trace(batch_id, flow, partner, direction, outcome, kind="BATCH", reason=reason)


def record_traces(
    batch_id: str, flow: str, partner: str, direction: str, outcome: str, records: Iterable[tuple]
) -> list[Trace]:
    """Traces for ``records`` given as (key, version, payload_hash, reason) tuples."""
    return [
        Trace(batch_id, flow, partner, direction, outcome, "RECORD", key, version, phash, reason)
        for key, version, phash, reason in records
    ]
