"""Block parsing of fixed-width records (the fast path of :class:`~hub.filelayout.reader.LayoutReader`).

A run of record lines has a fixed length in bytes, so the record lead (its constant first field) and the
line ending of every line in a block can be checked with a few strided byte slices, and all fields are cut
out at once with numpy: each field is copied into a row with a separator after it, the block is decoded
once and split once, and every column is converted with one ``map``. Anything unusual in a run (a value
that does not convert, a required field empty, bytes that do not decode, a separator byte in the data)
makes :func:`parse_run` return None and the reader reads that run line by line, raising the precise
error with the line number; so the records and errors are the same as the line-by-line path's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from hub.filelayout.spec import FieldSpec, Layout, ascii_safe

SEPARATOR = 0x1F  # not a byte of any multi-byte character in the encodings ascii_safe admits


@dataclass(frozen=True)
class RunPlan:
    fields: tuple[FieldSpec, ...]
    names: tuple[str, ...]
    encoding: str
    width: int  # bytes of a record without its line ending
    length: int  # bytes of a record line with its line ending
    checks: tuple[tuple[int, bytes], ...]  # (offset in the line, the byte expected there): lead and ending
    cuts: tuple[tuple[int, int, int], ...]  # (source offset, width, target offset) per field
    make: Callable[..., dict]  # the fields' values, one argument each -> the record dict
    no_cr: int | None  # offset where a "\r" sends the line to the line path ("\n" endings only)


def run_plan(layout: Layout) -> RunPlan | None:
    """How to cut runs of ``layout``'s records, or None when only the line-by-line path applies."""
    record, trailer = layout.record, layout.trailer
    ending = layout.line_ending.encode("ascii", "replace")
    if layout.format == "xml" or not ascii_safe(layout.encoding) or ending not in (b"\r\n", b"\n"):
        return None
    lead = record.fields[0].value.encode(layout.encoding).ljust(record.fields[0].width)
    if trailer is not None:
        trailer_lead = trailer.fields[0].value.encode(layout.encoding).ljust(trailer.fields[0].width)
        if trailer_lead.startswith(lead) or lead.startswith(trailer_lead):
            return None  # the line kind would depend on more than the lead
    checks = [(i, lead[i : i + 1]) for i in range(len(lead))]
    checks += [(record.width + i, ending[i : i + 1]) for i in range(len(ending))]
    # The line path drops a "\r" before every "\n": with "\n" endings a record ending in "\r" is its business.
    no_cr = record.width - 1 if ending == b"\n" else None
    cuts, source, target = [], 0, 0
    for spec in record.fields:
        cuts.append((source, spec.width, target))
        source += spec.width
        target += spec.width + 1
    names = tuple(f.name for f in record.fields)
    return RunPlan(record.fields, names, layout.encoding, record.width, record.width + len(ending),
                   tuple(checks), tuple(cuts), record_maker(names), no_cr)  # fmt: skip


def record_maker(names: tuple[str, ...]) -> Callable[..., dict]:
    """``lambda v0, v1, …: {"NAME0": v0, "NAME1": v1, …}`` for this layout: a dict display with the keys as
    constants builds a record a third faster than ``dict(zip(names, row))``, and ``map(maker, *columns)``
    needs no row tuples. The keys enter the source only through ``repr`` (any text is a safe literal)."""
    arguments = ", ".join(f"v{i}" for i in range(len(names)))
    items = ", ".join(f"{name!r}: v{i}" for i, name in enumerate(names))
    return eval(f"lambda {arguments}: {{{items}}}", {"__builtins__": {}})


def good_lines(plan: RunPlan, data: bytes, pos: int, count: int) -> int:
    """How many of the ``count`` line-sized slices of ``data`` from ``pos`` on are record lines (lead and
    line ending in place, no other line break)."""
    end = pos + count * plan.length
    good = count
    for offset, expected in plan.checks:
        column = data[pos + offset : end : plan.length]
        good = min(good, len(column) - len(column.lstrip(expected)))
        if not good:
            return 0
    if plan.no_cr is not None:
        carriage = data[pos + plan.no_cr : pos + good * plan.length : plan.length].find(b"\r")
        good = good if carriage < 0 else carriage
    if good and data.count(b"\n", pos, pos + good * plan.length) != good:
        return 0  # a line break inside a record: line by line
    return good


def parse_run(plan: RunPlan, data: bytes, pos: int, count: int) -> tuple[list[dict], list] | None:
    """The ``count`` records at ``pos`` (checked by :func:`good_lines`) and each field's column; None when
    the run must be read line by line."""
    lines = np.frombuffer(data, dtype=np.uint8, count=count * plan.length, offset=pos).reshape(count, plan.length)
    columns = []
    for spec, (source, width, _target) in zip(plan.fields, plan.cuts, strict=True):
        texts = _column(lines[:, source : source + width], count, plan.encoding)
        column = None if texts is None else convert_column(spec, texts)
        if column is None:
            return None
        columns.append(column)
    return list(map(plan.make, *columns)), columns


def _column(cells: np.ndarray, count: int, encoding: str) -> list[str] | None:
    """One field of every line, decoded and stripped like ``bytes.decode(...).strip()`` per line.

    The cells are copied out with a separator after each, decoded once (ASCII when it is ASCII: no codec
    work) and split once. A column of single words (no empty value, no inner space: the common case)
    is split on whitespace, which strips too; any other column is split on the separator and stripped."""
    width = cells.shape[1]
    separated = np.empty((count, width + 1), dtype=np.uint8)
    separated[:, :width] = cells
    separated[:, width] = SEPARATOR
    raw = separated.tobytes()
    if raw.isascii():
        text = raw.decode("ascii")
        words = text.split()  # ASCII whitespace is every byte <= 0x20 (and the separator among them)
        if len(words) == count and not (cells <= 32).all(axis=1).any():
            return words
    else:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            return None
    parts = text.split("\x1f")
    if len(parts) != count + 1:
        return None  # a separator byte inside a value
    del parts[count]
    return list(map(str.strip, parts))


def convert_column(spec: FieldSpec, texts: list[str]) -> list | None:
    """The column's values as the line-by-line path gives them (text, int, Decimal; None when empty and
    optional); None when any value would be an error there."""
    if spec.value is not None and texts.count(spec.value) != len(texts):
        return None
    empty = "" in texts
    if empty and not spec.optional:
        return None
    if empty and not any(texts):
        return [None] * len(texts)  # an optional field nobody filled (common: one test, no loop)
    if spec.type == "text":
        return [t or None for t in texts] if empty else texts
    try:
        if spec.type == "int":
            return [int(t) if t else None for t in texts] if empty else list(map(int, texts))
        values = [Decimal(t) if t else None for t in texts] if empty else list(map(Decimal, texts))
    except (ValueError, InvalidOperation):
        return None
    joined = "".join(texts)
    if ("n" in joined or "N" in joined or "i" in joined or "I" in joined) and not all(
        v.is_finite() for v in values if v is not None
    ):
        return None  # NaN or infinity: not a number for the line-by-line path either
    return values
