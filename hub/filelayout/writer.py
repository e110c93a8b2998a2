"""Writing a file in its layout: :class:`LayoutWriter`.

Records are taken one at a time (``write``) but built in blocks: the values are copied into a row at
``write`` (the caller may reuse its dict), and every block of rows is built column by column
(:mod:`hub.filelayout.columns`): one validation, padding and encoding pass per field and block, one join and
one encode per block. A block the column path cannot build exactly (a value that does not fit, a missing
required value, an unusual type) is built record by record instead, which raises the precise error; so
the bytes written, including those before an error, are the same as with ``vectorised=False``.

Blocks grow from one record to :data:`BLOCK_ROWS` (1, 2, 4, …), so a bad first record fails at its own
``write``; a later one fails at the ``write`` that completes its block, or at ``close``, and in every case
before the trailer is written: a file with a bad record is never complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from operator import itemgetter
from typing import BinaryIO

from hub.filelayout import columns
from hub.filelayout.spec import FieldSpec, Layout, LayoutError, Section, attribute, number_text

BLOCK_ROWS = 4096


class LayoutWriter:
    """Write one file record by record; ``close()`` writes the trailer. Use as a context manager."""

    def __init__(self, layout: Layout, handle: BinaryIO, name: str, header: dict, *, vectorised: bool = True):
        self.layout, self.handle, self.name = layout, handle, name
        self.count = 0
        self._ending = layout.line_ending.encode("ascii")
        if layout.format == "xml":
            attributes = "".join(
                f' {f.name}="{attribute(f.render(header.get(f.name)), self)}"' for f in layout.header.fields
            )
            self._put(f'<?xml version="1.0" encoding="{layout.encoding}"?>\n<{layout.root}{attributes}>\n')
        elif layout.header is not None:
            self._line(layout.header, header)
        self._total_units = 0  # the control total in units of its last decimal place (exact, fast)
        self._total_scale = next((f.scale for f in layout.record.fields if f.name == layout.total_of), 0)
        self._plan = columns.plan_for(layout) if vectorised else None
        self._rows: list[tuple] = []
        self._limit = 1
        self.block_rows = 0  # records built by the column path (the rest went record by record)
        if self._plan is not None:
            names = self._plan.names
            self._getter = itemgetter(*names) if len(names) > 1 else (lambda record: (record[names[0]],))
            self.write = self._buffer  # the per-record work is one itemgetter call and an append

    def __enter__(self) -> LayoutWriter:
        return self

    def __exit__(self, kind, *_exc) -> None:
        if kind is None:
            self.close()

    def _put(self, text: str) -> None:
        self.handle.write(text.encode(self.layout.encoding))

    def _fail(self, message: str, cause: Exception | None = None) -> LayoutError:
        return LayoutError(f"{self.name}: record {self.count + 1}: {message}")

    def _text_of(self, spec: FieldSpec, value: object) -> str | None:
        """The field's text, or None when it is empty (optional) ; raises LayoutError when it cannot be."""
        if spec.value is not None:
            return spec.value
        if value is None or value == "":
            if not spec.optional and spec.role is None:
                raise self._fail(f"field {spec.name}: required value is missing")
            return None
        if spec.type == "text":
            text = value if type(value) is str else str(value)
            if "\n" in text or "\r" in text:
                raise self._fail(f"field {spec.name}: line breaks are not allowed in a field")
            return text
        try:
            return number_text(value, spec.type, spec.scale)
        except (ValueError, ArithmeticError):
            raise self._fail(f"field {spec.name}: {value!r} is not a number") from None

    def _line(self, section: Section, values: Mapping) -> str | None:
        """Write one fixed-width line. ASCII fields are padded as text and the line encoded once; only a
        field holding other characters is encoded alone to learn its width in bytes."""
        encoding = self.layout.encoding
        parts = []
        total_text = None
        is_record = section is self.layout.record
        for spec in section.fields:
            text = self._text_of(spec, values.get(spec.name))
            width = spec.width
            if is_record and spec.name == self.layout.total_of:
                total_text = text
            if text is None:
                parts.append(" " * width)
                continue
            if text.isascii():
                size = len(text)
            else:
                try:
                    size = len(text.encode(encoding))
                except UnicodeEncodeError:
                    raise self._fail(f"field {spec.name} cannot be written in {encoding}") from None
            if size > width:
                raise self._fail(f"field {spec.name} needs {size} bytes, its width is {width}")
            if spec.type == "text" or spec.value is not None:
                parts.append(text + " " * (width - size))
            elif text[:1] == "-":
                parts.append("-" + text[1:].rjust(width - 1, "0"))
            else:
                parts.append(text.rjust(width, "0"))
        parts.append(self.layout.line_ending)
        self.handle.write("".join(parts).encode(encoding))
        return total_text

    def write(self, record: Mapping) -> None:
        """Write one record (its values are taken now: the caller may reuse the mapping)."""
        self._write_one(record)

    def _buffer(self, record: Mapping) -> None:
        rows = self._rows
        try:
            rows.append(self._getter(record))
        except KeyError:  # a field left out of the record: empty, like record.get()
            rows.append(tuple(record.get(name) for name in self._plan.names))
        if len(rows) >= self._limit:
            self._flush()

    def _write_one(self, record: Mapping) -> None:
        layout = self.layout
        if layout.format == "xml":
            parts = [f"<{layout.record.tag}"]
            total_text = None
            for spec in layout.record.fields:
                text = self._text_of(spec, record.get(spec.name))
                if spec.name == layout.total_of:
                    total_text = text
                if text is not None:
                    parts.append(f' {spec.name}="{attribute(text, self)}"')
            parts.append("/>\n")
            self._put("".join(parts))
        else:
            total_text = self._line(layout.record, record)
        if total_text is not None:
            self._total_units += int(number_text(total_text, "decimal", self._total_scale).replace(".", ""))
        self.count += 1

    def _flush(self) -> None:
        """Build the buffered rows as one block; a block the column path refuses is built row by row."""
        rows, self._rows = self._rows, []
        self._limit = min(self._limit * 2, BLOCK_ROWS)
        if not rows:
            return
        built = columns.build_block(self._plan, rows)
        if built is not None:
            data, units = built
            self.handle.write(data)
            self._total_units += units
            self.count += len(rows)
            self.block_rows += len(rows)
            return
        names = self._plan.names
        for row in rows:
            self._write_one(dict(zip(names, row, strict=True)))

    @property
    def total(self) -> Decimal:
        return Decimal(self._total_units).scaleb(-self._total_scale)

    def close(self) -> None:
        self._flush()
        layout = self.layout
        values = self._trailer_values()
        if layout.format == "xml":
            if layout.trailer is not None:
                attributes = "".join(
                    f' {f.name}="{attribute(f.render(values.get(f.name)), self)}"' for f in layout.trailer.fields
                )
                self._put(f"<{layout.trailer.tag}{attributes}/>\n")
            self._put(f"</{layout.root}>\n")
        elif layout.trailer is not None:
            self._line(layout.trailer, values)

    def _trailer_values(self) -> dict:
        values = {}
        for spec in self.layout.trailer.fields if self.layout.trailer else ():
            if spec.role == "count":
                values[spec.name] = self.count
            elif spec.role == "total":
                values[spec.name] = self.total
        return values
