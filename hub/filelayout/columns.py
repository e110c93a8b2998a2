"""Column-wise building of a block of records (the fast path of :class:`~hub.filelayout.writer.LayoutWriter`).

A block of rows is transposed once; each field is then checked, formatted and padded for the whole block
with C-level operations (one ``str.join``, one ``%`` format of the whole column, one encode) instead of a
Python loop per field per record, and the columns are laid side by side with numpy. Whatever this path
cannot build byte-for-byte as the record-by-record path would (a required value missing, a value too wide
or not encodable, a negative or oddly typed number, a line break) makes :func:`build_block` return None,
and the writer builds that block record by record, which raises the precise error: the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, repeat
from operator import itemgetter

import numpy as np

from hub.filelayout.spec import ESCAPE, ESCAPES, FORBIDDEN, FieldSpec, Layout, ascii_safe

_NONE = type(None)


@dataclass(frozen=True)
class Plan:
    """What the column path needs of one layout, computed once per writer."""

    fields: tuple[FieldSpec, ...]  # every record field, in order
    names: tuple[str, ...]  # the fields that take a value from the record (not constants), in order
    encoding: str
    fixed: bool
    ending: str
    tag: str | None
    total_of: str | None


def plan_for(layout: Layout) -> Plan | None:
    """The plan of ``layout``'s records, or None when only the record-by-record path applies."""
    fixed = layout.format != "xml"
    if fixed and not ascii_safe(layout.encoding):
        return None
    names = tuple(f.name for f in layout.record.fields if f.value is None)
    if not names:
        return None
    return Plan(layout.record.fields, names, layout.encoding, fixed, layout.line_ending, layout.record.tag,
                layout.total_of)  # fmt: skip


def build_block(plan: Plan, rows: list[tuple]) -> tuple[bytes, int] | None:
    """The bytes of ``rows`` and their control-total units; None when the block must go record by record."""
    n = len(rows)
    values = dict(zip(plan.names, zip(*rows, strict=True), strict=True))
    parts: list = []
    units = 0
    for spec in plan.fields:
        if spec.value is not None:
            const = _constant(spec, plan)
            if const is None:
                return None
            parts.append(repeat(const, n) if not plan.fixed else np.frombuffer(const, dtype=np.uint8))
            continue
        texts = _texts(spec, values[spec.name])
        if texts is None:
            return None
        if spec.name == plan.total_of and spec.type != "text":
            try:
                units += sum(map(int, "\x00".join(filter(None, texts)).replace(".", "").split("\x00")))
            except ValueError:
                if any(texts):
                    return None
        column = _fixed(spec, texts, plan.encoding) if plan.fixed else _attributes(spec, texts)
        if column is None:
            return None
        parts.append(column)
    if plan.fixed:
        return _rows(plan, parts, n), units
    try:
        text = "".join(chain.from_iterable(zip(repeat(f"<{plan.tag}", n), *parts, repeat("/>\n", n), strict=True)))
        return text.encode(plan.encoding), units
    except UnicodeEncodeError:
        return None


def _texts(spec: FieldSpec, column: tuple) -> tuple | list | None:
    """The field's text per record, ``""`` for an empty optional value; None when the block must go slowly."""
    if spec.type == "text":
        try:
            joined = "".join(column)  # every value a str: the common case, checked in C
        except TypeError:
            kinds = set(map(type, column))
            if kinds - {str, _NONE} or not spec.optional:
                return None  # other types are rendered with str() by the record path; None is missing
            column = [v or "" for v in column]
            joined = "".join(column)
        if ("\n" in joined or "\r" in joined) or (not spec.optional and not all(column)):
            return None  # a line break, or a required value missing: the record path names the record
        return column
    kinds = set(map(type, column))
    if _NONE in kinds or (str in kinds and "" in column):
        if not spec.optional:
            return None
        if str in kinds and kinds != {str, _NONE} and kinds != {str}:
            column = [None if v == "" else v for v in column]  # "" is empty too, beside numbers
            kinds = set(map(type, column))
        kinds.discard(_NONE)
        if not kinds:
            return [""] * len(column)
    if spec.type == "int":
        return [str(v) if v is not None else "" for v in column] if kinds == {int} else None
    if kinds == {str}:  # canonical decimal text as given (e.g. "50000.00"), checked column-wise
        texts = [v or "" for v in column]
        return texts if _canonical(texts, spec.scale) else None
    if kinds == {Decimal}:
        quantum, pattern = Decimal(1).scaleb(-spec.scale), f".{spec.scale}f"
        if not all(map(Decimal.is_finite, [v for v in column if v is not None])):
            return None
        try:
            return [format(v.quantize(quantum), pattern) if v is not None else "" for v in column]
        except ArithmeticError:
            return None  # too many digits: the record path says which record
    return None


def _canonical(texts: list[str], scale: int) -> bool:
    """Every non-empty text is ASCII digits, a point and exactly ``scale`` digits (kept as given), as
    :func:`~hub.filelayout.spec.number_text` would keep it; negative numbers go the record path."""
    present = [t for t in texts if t]
    if scale <= 0 or not present:
        return not present
    joined = "".join(present)
    digits = joined.replace(".", "")
    return (
        digits.isascii()
        and digits.isdigit()
        and joined.count(".") == len(present)
        and min(map(len, present)) >= scale + 2
        and set(map(itemgetter(-scale - 1), present)) == {"."}
    )


def _constant(spec: FieldSpec, plan: Plan) -> bytes | str | None:
    if not plan.fixed:
        return None if FORBIDDEN.search(spec.value) or ESCAPE.search(spec.value) else f' {spec.name}="{spec.value}"'
    try:
        value = spec.value.encode(plan.encoding)
    except UnicodeEncodeError:
        return None
    return None if len(value) > spec.width else value.ljust(spec.width)


def _fixed(spec: FieldSpec, texts: tuple | list, encoding: str) -> bytes | None:
    """The column padded to its width in bytes, all rows in one ``bytes``: text left-aligned with spaces,
    numbers zero-filled. A value too wide makes the result longer than n × width: refused."""
    n, width = len(texts), spec.width
    joined = "".join(texts)
    if joined.isascii():
        if spec.type == "text":
            out = (f"%-{width}s" * n) % tuple(texts)
        elif "-" in joined:
            return None  # negative numbers: the record path
        elif "" in texts:
            out = "".join([t.rjust(width, "0") if t else " " * width for t in texts])
        else:
            out = ((f"%{width}s" * n) % tuple(texts)).replace(" ", "0")
        return out.encode("ascii") if len(out) == n * width else None
    if spec.type != "text":
        return None
    try:
        encoded = "\x1f".join(texts).encode(encoding)  # one encode; the separator is in no character
    except UnicodeEncodeError:
        return None
    values = encoded.split(b"\x1f")
    if len(values) != n:
        return None  # a separator inside a value: the record path
    out = (f"%-{width}s".encode() * n) % tuple(values)
    return out if len(out) == n * width else None


def _rows(plan: Plan, parts: list, n: int) -> bytes:
    """Lay the columns side by side, each row followed by the line ending: one copy per column."""
    ending = plan.ending.encode("ascii")
    widths = [len(part) // n if isinstance(part, bytes) else len(part) for part in parts]
    rows = np.empty((n, sum(widths) + len(ending)), dtype=np.uint8)
    offset = 0
    for part, width in zip(parts, widths, strict=True):
        cells = np.frombuffer(part, dtype=np.uint8)
        rows[:, offset : offset + width] = cells.reshape(n, width) if isinstance(part, bytes) else cells
        offset += width
    rows[:, offset:] = np.frombuffer(ending, dtype=np.uint8)
    return rows.tobytes()


def _attributes(spec: FieldSpec, texts: tuple | list) -> list[str] | None:
    """`` NAME="value"`` per record (XML-escaped), ``""`` where an optional value is empty."""
    joined = "".join(texts)
    if FORBIDDEN.search(joined):
        return None
    if ESCAPE.search(joined):
        texts = [ESCAPE.sub(_escape, t) for t in texts]
    prefix = f' {spec.name}="'
    return [f'{prefix}{t}"' if t else "" for t in texts]


def _escape(match: re.Match) -> str:
    return ESCAPES[match.group()]
