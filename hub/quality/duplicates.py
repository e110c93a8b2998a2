"""Compound uniqueness over a whole batch: the later occurrence of a compound key is the duplicate.

Great Expectations checks ``expect_compound_columns_to_be_unique`` on the frame it is given, and the gate
is given one chunk at a time: a duplicate whose twin sits in another chunk of the same run passed. The
gate therefore evaluates that expectation itself, across every chunk between ``begin()`` and ``finish()``:
the first occurrence of a compound key in the batch (in extract order) passes, every later one fails with
a reason naming the record that came first. The outcome no longer depends on where chunks happen to end.

Memory: only a 128-bit digest of each distinct compound key (mixed from 64-bit SipHash values of its
parts) and the record key that carried it first are kept, never the rows: in sorted numpy arrays (16 bytes
a row plus 4 per character of the longest record key), and, past ``capacity`` keys, in a scratch SQLite
file the batch owns (deleted when it ends), so that a batch of any size runs in bounded memory. Two
different keys look alike only when two values of a column share a 64-bit hash (about n²/2⁶⁵ per column:
10⁻⁸ for a million distinct values); if it ever happened, the later record would be quarantined, not
lost, with a reason naming the record to compare it with.

Equality is by value, whatever type a chunk's extract gave a column: ``3`` and ``3.0`` are the same
trigger code, a ``datetime.date`` and a midnight ``Timestamp`` the same day, and a missing value (None,
NaN, NaT) equals another missing value, as in pandas' ``duplicated``. Text is compared as it is (no case
folding, no full-width conversion), as Great Expectations compares it.
"""

from __future__ import annotations

import datetime
import re
import sqlite3
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Types of ``ignore_row_if`` for multicolumn expectations (GE's default: all values missing).
IGNORE_ROW_IF = ("all_values_are_missing", "any_value_is_missing", "never")

_FIRST_SEEN = re.compile(r" \(first seen as record [^()]*\)$")
_MISSING = "\x00-"  # texts of values that are not str start with NUL, which text never does in practice
_HASH_KEY = "hub-duplicates-1"  # SipHash key (16 characters), fixed so that hashes compare across chunks
_EMPTY = np.empty(0, dtype="V16")
#: Hashes per look-up statement. Always this many (the last batch is padded with a repeat), so that one
#: prepared statement serves every chunk: the sqlite3 module caches a statement per distinct text, and a
#: look-up of each chunk's own size left up to 128 statements of a few thousand parameters each resident.
_LOOKUP_BATCH = 500
_LOOKUP = f"SELECT hash, record_key FROM seen WHERE hash IN ({','.join('?' * _LOOKUP_BATCH)})"


def first_seen_reason(reason: str, earlier_key: str) -> str:
    """The quarantine reason of a later occurrence: the suite's reason and the record that came first."""
    return f"{reason} (first seen as record {earlier_key})"


def reason_family(reason: str) -> str:
    """The suite's reason without the record named by :func:`first_seen_reason`, for counting reasons."""
    return _FIRST_SEEN.sub("", reason)


def _canonical(value: object) -> str:
    """One text per value such that equal values (whatever their Python type) give equal text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return _MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return f"\x00b{bool(value)}"
    if isinstance(value, int | np.integer):
        return f"\x00n{int(value)}"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return _MISSING
        return f"\x00n{int(value)}" if float(value).is_integer() else f"\x00n{float(value)!r}"
    if isinstance(value, np.datetime64):
        return _MISSING if np.isnat(value) else _canonical(pd.Timestamp(value))
    if isinstance(value, datetime.datetime):  # pandas.Timestamp too
        if value.tzinfo is None and value.time() == datetime.time(0):
            return "\x00d" + value.date().isoformat()
        return "\x00t" + value.isoformat()
    if isinstance(value, datetime.date):
        return "\x00d" + value.isoformat()
    return f"\x00o{type(value).__name__}:{value!r}"


def _column_hashes(values: pd.Series) -> np.ndarray:
    """A 64-bit hash per value of its canonical text (uint64). Each distinct value is hashed once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # in the column's own dtype: dates stay int64
    uniques = np.asarray(uniques, dtype=object)  # only the distinct values become Python objects
    texts = np.empty(len(uniques) + 1, dtype=object)
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        texts[:-1] = uniques
    else:
        texts[:-1] = [_canonical(value) for value in uniques]
    texts[-1] = _MISSING
    return pd.util.hash_array(texts, hash_key=_HASH_KEY)[codes]  # code -1 (missing) picks the last one


def key_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 128-bit key (``V16``) per row of the compound key ``columns``: two different mixes of the values'
    64-bit hashes, so that the order of the values matters and equal keys give equal bytes."""
    with np.errstate(over="ignore"):
        high = np.full(len(frame), 0x9E3779B97F4A7C15, dtype=np.uint64)
        low = np.full(len(frame), 0xC2B2AE3D27D4EB4F, dtype=np.uint64)
        for column in columns:
            h = _column_hashes(frame[column])
            high = (high ^ h) * np.uint64(0x100000001B3)
            low = (low * np.uint64(0xFF51AFD7ED558CCD)) ^ ((h << np.uint64(29)) | (h >> np.uint64(35)))
    return np.ascontiguousarray(np.column_stack([high, low])).view("V16").ravel()


def considered_rows(frame: pd.DataFrame, columns: list[str], ignore_row_if: str) -> np.ndarray:
    """Rows the uniqueness rule looks at (GE's ``ignore_row_if`` for multicolumn expectations)."""
    if ignore_row_if not in IGNORE_ROW_IF:
        raise ValueError(f"ignore_row_if must be one of {', '.join(IGNORE_ROW_IF)}, not {ignore_row_if!r}")
    if ignore_row_if == "never" or not len(frame):
        return np.ones(len(frame), dtype=bool)
    present = np.column_stack([frame[c].notna().to_numpy() for c in columns])
    return present.any(axis=1) if ignore_row_if == "all_values_are_missing" else present.all(axis=1)


@dataclass
class Pending:
    """What :meth:`FirstSeen.check` found in one chunk, to remember once the chunk is accepted."""

    hashes: np.ndarray
    keys: np.ndarray


@dataclass
class FirstSeen:
    """Hashes of the compound keys seen so far in a batch, each with the record key that came first.

    ``capacity``: keys kept in memory; beyond it they move to a scratch file (:class:`_SpillFile`), so
    memory stays bounded whatever the batch's size. None keeps every key in memory."""

    capacity: int | None = None
    _hashes: np.ndarray = field(default_factory=lambda: _EMPTY)
    _keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype="U1"))
    _spilled: _SpillFile | None = None

    def __len__(self) -> int:
        return len(self._hashes) + (len(self._spilled) if self._spilled is not None else 0)

    def clear(self) -> None:
        self._hashes, self._keys = _EMPTY, np.empty(0, dtype="U1")
        if self._spilled is not None:
            self._spilled.close()
            self._spilled = None

    def check(self, hashes: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, Pending]:
        """For each row (in order) the record key of an earlier occurrence of its hash, or None.

        Earlier means earlier in this chunk or in a chunk already remembered. A row whose earlier
        occurrence carries its own record key is not a duplicate (the same record read twice). Nothing
        is remembered until :meth:`remember` is given the returned :class:`Pending`.
        """
        n = len(hashes)
        earlier = np.full(n, None, dtype=object)
        if n == 0:
            return earlier, Pending(_EMPTY, np.empty(0, dtype=object))
        distinct, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        position = np.searchsorted(self._hashes, distinct)
        known = position < len(self._hashes)
        known[known] = self._hashes[position[known]] == distinct[known]
        first_key = keys[first].astype(object)
        first_key[known] = self._keys[position[known]].astype(str).astype(object)
        if self._spilled is not None and not known.all():
            unknown = np.flatnonzero(~known)
            found = self._spilled.lookup(distinct[unknown])
            hit = found != None  # noqa: E711  (elementwise)
            known[unknown[hit]] = True
            first_key[unknown[hit]] = found[hit]
        repeated = known[inverse] | (np.arange(n) != first[inverse])
        candidate = first_key[inverse]
        repeated &= candidate != keys.astype(object)
        earlier[repeated] = candidate[repeated]
        fresh = ~known
        return earlier, Pending(distinct[fresh], keys[first[fresh]].astype(object))

    def remember(self, pending: Pending) -> None:
        """Add a checked chunk's new keys (kept sorted, so that look-ups are binary searches)."""
        if not len(pending.hashes):
            return
        position = np.searchsorted(self._hashes, pending.hashes)
        keys = _compact_keys(pending.keys)
        common = np.result_type(self._keys.dtype, keys.dtype)  # the wider text: np.insert would cut keys short
        self._keys, keys = self._keys.astype(common, copy=False), keys.astype(common, copy=False)
        self._hashes = np.insert(self._hashes, position, pending.hashes)
        self._keys = np.insert(self._keys, position, keys)
        if self.capacity is not None and len(self._hashes) > self.capacity:
            if self._spilled is None:
                self._spilled = _SpillFile()
            self._spilled.add(self._hashes, self._keys)
            self._hashes, self._keys = _EMPTY, np.empty(0, dtype="U1")


class _SpillFile:
    """The keys a batch no longer keeps in memory: a private temporary SQLite database (SQLite deletes
    it when the connection closes), with a bounded page cache. Scratch data: no journal, no syncs."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False)  # "": a private temporary file
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-512;"
            "CREATE TABLE seen (hash BLOB PRIMARY KEY, record_key TEXT NOT NULL) WITHOUT ROWID;"
        )
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, hashes: np.ndarray, keys: np.ndarray) -> None:
        with self._db:
            self._db.executemany("INSERT INTO seen VALUES (?, ?)", zip(_blobs(hashes), keys.tolist(), strict=True))
        self._count += len(hashes)

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The record key stored for each hash, None where there is none."""
        blobs = _blobs(hashes)
        found: dict[bytes, str] = {}
        for start in range(0, len(blobs), _LOOKUP_BATCH):
            part = blobs[start : start + _LOOKUP_BATCH]
            part += part[:1] * (_LOOKUP_BATCH - len(part))  # always the same statement (see _LOOKUP)
            found.update(self._db.execute(_LOOKUP, part))
        keys = np.full(len(blobs), None, dtype=object)
        if found:
            keys[:] = [found.get(blob) for blob in blobs]
        return keys

    def close(self) -> None:
        self._db.close()


def _blobs(hashes: np.ndarray) -> list[bytes]:
    raw = hashes.tobytes()
    return [raw[i : i + 16] for i in range(0, len(raw), 16)]


def _compact_keys(keys: np.ndarray) -> np.ndarray:
    """Record keys as fixed-width text (a few bytes each) rather than one Python object per key."""
    return keys.astype(str) if len(keys) else np.empty(0, dtype="U1")
