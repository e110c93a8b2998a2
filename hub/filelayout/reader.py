"""Reading a file in its layout: :class:`LayoutReader`, streamed and strict.

Fixed-width files are read in runs of record lines cut out a block at a time
(:mod:`hub.filelayout.fastread`); the header, the trailer and any line a run cannot take are read one line
at a time, and so is a run with anything unusual in it, which raises the precise error with its line
number. XML is read in runs of records (:mod:`hub.filelayout.fastxml`) where the file has the plain
shape, element by element with lxml's pull parser elsewhere. Memory stays flat in file size either way.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from hub.filelayout import fastread, fastxml
from hub.filelayout.spec import BOMS, FieldSpec, Layout, LayoutError, Section
from hub.filelayout.spec import norm as _norm
from hub.filelayout.spec import norm_or_none as _norm_or_none

PROLOGUE_LIMIT = 1 << 22  # bytes held back at most while looking for the first record or a record's end
RUN_BYTES = 1 << 16  # XML records parsed at a time: small enough for the columns to stay in the CPU's caches


class LayoutReader:
    """Iterate the records of one file; ``header`` is read first; the trailer is checked at the end."""

    def __init__(
        self,
        layout: Layout,
        path: Path | None,
        *,
        blocks: Iterator[bytes] | None = None,
        name: str = "",
        vectorised: bool = True,
    ):
        self.layout = layout
        self._runs = fastread.run_plan(layout) if vectorised else None
        self._xml_plan = fastxml.xml_run_plan(layout) if vectorised else None
        self.run_records = 0  # records read in runs (the rest line by line)
        self.name = name or (path.name if path else "?")
        self._path = path
        self._blocks = blocks
        self.header: dict = {}
        self.trailer: dict = {}
        self.count = 0
        self.total = Decimal(0)
        self._plans: dict = {}

    def _fail(self, where: str, message: str) -> LayoutError:
        return LayoutError(f"{self.name}: {where}: {message}")

    def _byte_blocks(self) -> Iterator[bytes]:
        if self._blocks is not None:
            yield from self._blocks
            return
        with open(self._path, "rb") as handle:
            while block := handle.read(1 << 20):
                yield block

    def _without_bom(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        first = b""
        for block in blocks:
            first += block
            if len(first) >= 4:
                break
        for bom, encoding in BOMS.items():
            if first.startswith(bom):
                if self.layout.bom != "strip" or _norm(encoding) != _norm(self.layout.encoding):
                    raise self._fail(
                        "start",
                        f"begins with a {encoding} byte-order mark; the layout expects {self.layout.encoding}"
                        + ("" if self.layout.bom == "strip" else " without one"),
                    )
                first = first[len(bom) :]
                break
        if first:
            yield first
        yield from blocks

    def __iter__(self) -> Iterator[dict]:
        blocks = self._without_bom(self._byte_blocks())
        if self.layout.format == "xml":
            yield from self._read_xml(blocks)
        else:
            yield from self._read_fixed(blocks)
        self._check_trailer()

    # -- fixed width ---------------------------------------------------------------------------------
    def _lines(self, blocks: Iterator[bytes]) -> Iterator[bytes]:
        rest = b""
        for block in blocks:
            rest += block
            *lines, rest = rest.split(b"\n")
            for line in lines:
                yield line[:-1] if line.endswith(b"\r") else line
        if rest:
            yield rest  # a last line without its line ending: checked like any other

    def _plan(self, section: Section) -> list:
        plan, offset = [], 0
        for spec in section.fields:
            plan.append((spec, offset, offset + spec.width))
            offset += spec.width
        return plan

    def _fields(self, section: Section, line: bytes, number: int) -> dict:
        if len(line) != section.width:
            raise self._fail(
                f"line {number}",
                f"{len(line)} bytes where the layout has {section.width} (truncated, or not {self.layout.encoding})",
            )
        plan = self._plans.get(id(section))
        if plan is None:
            plan = self._plans[id(section)] = self._plan(section)
        encoding = self.layout.encoding
        # latin-1 maps each byte to one character, so byte offsets are character offsets: ASCII fields
        # are read from one decode of the line; a field with other bytes is decoded in the real encoding.
        whole = line.decode("latin-1")
        ascii_line = line.isascii()
        values = {}
        for spec, start, end in plan:
            text = whole[start:end]
            if not ascii_line and not text.isascii():
                try:
                    text = line[start:end].decode(encoding)
                except UnicodeDecodeError:
                    raise self._fail(
                        f"line {number}", f"field {spec.name} is not valid {encoding} (wrong encoding?)"
                    ) from None
            text = text.strip()
            if spec.type == "text" and spec.value is None and text:
                values[spec.name] = text  # the common case, decided without a call
            else:
                values[spec.name] = self._parse(spec, text, f"line {number}")
        return values

    def _parse(self, spec: FieldSpec, text: str, where: str) -> object:
        if spec.value is not None and text != spec.value:
            raise self._fail(where, f"field {spec.name} is {text!r}, expected {spec.value!r}")
        if text == "":
            if spec.optional:
                return None  # an empty optional field is absent, whatever its type
            if spec.value is None:
                raise self._fail(where, f"field {spec.name}: required value is missing")
        try:
            return spec.parse(text)
        except ValueError as exc:
            raise self._fail(where, str(exc)) from None

    def _kind_of(self, line: bytes) -> str:
        leads = self._plans.get("leads")
        if leads is None:
            leads = self._plans["leads"] = [
                (kind, section.fields[0].value.encode(self.layout.encoding).ljust(section.fields[0].width))
                for kind, section in (("trailer", self.layout.trailer), ("record", self.layout.record))
                if section is not None and section.fields[0].value is not None
            ]
        for kind, lead in leads:
            if line.startswith(lead):
                return kind
        return "unknown"

    def _read_fixed(self, blocks: Iterator[bytes]) -> Iterator[dict]:
        if self._runs is not None:
            yield from self._read_runs(blocks)
            return
        lines = self._lines(blocks)
        number = 0
        if self.layout.header is not None:
            first = next(lines, None)
            number = 1
            if first is None:
                raise self._fail("line 1", "empty file: no header")
            self.header = self._fields(self.layout.header, first, 1)
        for line in lines:
            number += 1
            if self.trailer:
                if line.strip():
                    raise self._fail(f"line {number}", "data after the trailer")
                continue
            kind = self._kind_of(line)
            if kind == "trailer":
                self.trailer = self._fields(self.layout.trailer, line, number)
                continue
            record = self._fields(self.layout.record, line, number)
            self._account(record)
            yield record
        if self.layout.trailer is not None and not self.trailer:
            raise self._fail(f"after line {number}", "no trailer: the file is truncated")

    # -- fixed width, in runs ------------------------------------------------------------------------
    def _segments(self, blocks: Iterator[bytes]) -> Iterator[tuple[bytes, int, int]]:
        """``(data, start, count)``: a run of ``count`` record lines at ``data[start:]``, or, with count 0,
        one other line ``data`` (without its line ending), exactly as :meth:`_lines` would give it."""
        plan = self._runs
        rest = b""
        single_first = self.layout.header is not None
        for block in blocks:
            data = rest + block if rest else block
            pos = 0
            while True:
                whole = (len(data) - pos) // plan.length
                good = 0 if single_first or not whole else fastread.good_lines(plan, data, pos, whole)
                if good:
                    yield data, pos, good
                    pos += good * plan.length
                    continue
                newline = data.find(b"\n", pos)
                if newline < 0:
                    break
                line = data[pos:newline]
                yield (line[:-1] if line.endswith(b"\r") else line), 0, 0
                pos = newline + 1
                single_first = False
            rest = data[pos:]
        if rest:
            yield rest, 0, 0  # a last line without its line ending: checked like any other

    def _read_runs(self, blocks: Iterator[bytes]) -> Iterator[dict]:
        layout = self.layout
        number = 0
        segments = self._segments(blocks)
        if layout.header is not None:
            first = next(segments, None)
            number = 1
            if first is None:
                raise self._fail("line 1", "empty file: no header")
            self.header = self._fields(layout.header, first[0], 1)
        for data, start, count in segments:
            if count and not self.trailer:
                parsed = fastread.parse_run(self._runs, data, start, count)
                if parsed is not None:
                    records, columns = parsed
                    self.count += count
                    if layout.total_of is not None:
                        column = columns[self._runs.names.index(layout.total_of)]
                        self.total = sum((v for v in column if v is not None), self.total)
                    number += count
                    self.run_records += count
                    yield from records
                    continue
            step = self._runs.length
            lines = [data[at : at + self._runs.width] for at in range(start, start + count * step, step)] or [data]
            for line in lines:
                number += 1
                if self.trailer:
                    if line.strip():
                        raise self._fail(f"line {number}", "data after the trailer")
                    continue
                kind = self._kind_of(line)
                if kind == "trailer":
                    self.trailer = self._fields(layout.trailer, line, number)
                    continue
                record = self._fields(layout.record, line, number)
                self._account(record)
                yield record
        if layout.trailer is not None and not self.trailer:
            raise self._fail(f"after line {number}", "no trailer: the file is truncated")

    def _account(self, record: dict) -> None:
        self.count += 1
        if self.layout.total_of is not None and record.get(self.layout.total_of) is not None:
            self.total += record[self.layout.total_of]

    def _check_trailer(self) -> None:
        for spec in self.layout.trailer.fields if self.layout.trailer else ():
            got = self.trailer.get(spec.name)
            if spec.role == "count" and got != self.count:
                raise self._fail("trailer", f"record count {got} but the file holds {self.count} records")
            if spec.role == "total" and got != self.total:
                raise self._fail("trailer", f"control total {got} but the records add up to {self.total}")

    # -- XML -----------------------------------------------------------------------------------------
    def _read_xml(self, blocks: Iterator[bytes]) -> Iterator[dict]:
        """Runs of records go through :mod:`hub.filelayout.fastxml` once the prologue is plain (the XML
        declaration and the root's start tag); everything else, and everything after a run that path
        refuses, through lxml's pull parser, which is fed the whole document's skeleton either way."""
        from lxml import etree

        parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        self._depth, self._seen_root = 0, False
        plan = self._xml_plan
        in_body = False  # the prologue was fed and runs may follow
        pending = b""  # bytes held back until a run can be cut from them
        for index, block in enumerate(blocks):
            if index == 0:
                self._check_xml_start(block)
            if plan is None:
                yield from self._feed_xml(parser, block)
                continue
            data = pending + block if pending else block
            pending = b""
            start = 0
            if not in_body:
                start = data.find(plan.record_start)
                if start < 0 and len(data) < PROLOGUE_LIMIT:
                    pending = data  # the root's start tag may not be complete yet
                    continue
                if start < 0 or not plan.prologue.match(data[:start]):
                    plan = None  # not the plain shape: the pull parser reads the whole file
                    yield from self._feed_xml(parser, data)
                    continue
                yield from self._feed_xml(parser, data[:start])
                in_body = True
            start = yield from self._xml_runs(parser, plan, data, start)
            if start is None:
                plan = None  # a run the block path refuses: from here on, element by element
                continue
            pending = data[start:]  # the start of a record the next block completes
            if len(pending) > PROLOGUE_LIMIT:
                plan = None  # no record's end in megabytes: not the plain shape
                yield from self._feed_xml(parser, pending)
                pending = b""
        if pending:
            yield from self._feed_xml(parser, pending)
        try:
            parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._fail("end", f"the XML is truncated or not well-formed ({exc.msg})") from None
        if not self._seen_root:
            raise self._fail("start", "empty file")
        if self.layout.trailer is not None and not self.trailer:
            raise self._fail("end", "no trailer: the file is truncated")

    def _xml_runs(self, parser, plan: fastxml.XmlRunPlan, data: bytes, start: int) -> Iterator[dict]:
        """Read ``data`` from ``start`` in runs of whole records; return where the unread rest begins, or
        None when a run was refused (the pull parser was then fed everything from that run on)."""
        while end := fastxml.run_end(plan, data, start, RUN_BYTES):
            parsed = fastxml.parse_xml_run(plan, data[start:end])
            if parsed is None:
                yield from self._feed_xml(parser, data[start:])
                return None
            records, columns = parsed
            self.count += len(records)
            self.run_records += len(records)
            if self.layout.total_of is not None:
                column = columns[plan.names.index(self.layout.total_of)]
                self.total = sum(filter(None, column), self.total)  # None and zero add nothing
            yield from self._feed_xml(parser, b"\n" * data.count(b"\n", start, end))  # keeps line numbers
            yield from records
            start = end
        return start

    def _check_xml_start(self, block: bytes) -> None:
        declared = _declared_encoding(block)
        encoding = self.layout.encoding
        if declared and _norm_or_none(declared) != _norm(encoding):
            raise self._fail("start", f"declares encoding {declared}, the layout expects {encoding}")
        try:
            block.decode(encoding)  # fast check on the first block
        except UnicodeDecodeError as exc:
            if exc.start < len(block) - 4:
                raise self._fail("start", f"not valid {encoding} (wrong encoding?)") from None

    def _feed_xml(self, parser, data: bytes) -> Iterator[dict]:
        """Feed ``data`` to the pull parser and read the records it completes, element by element."""
        from lxml import etree

        layout = self.layout
        try:
            parser.feed(data)
            events = list(parser.read_events())
        except etree.XMLSyntaxError as exc:
            raise self._fail(f"line {exc.lineno}", f"not well-formed XML ({exc.msg}; wrong encoding?)") from None
        for event, element in events:
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    if element.tag != layout.root:
                        raise self._fail(f"line {element.sourceline}", f"root is <{element.tag}>, not <{layout.root}>")
                    self._seen_root = True
                    self.header = self._attributes(layout.header, element)
                continue
            self._depth -= 1
            if self._depth != 1:
                if self._depth > 1:
                    raise self._fail(f"line {element.sourceline}", f"unexpected nested <{element.tag}>")
                continue
            if self.trailer:
                raise self._fail(f"line {element.sourceline}", "data after the trailer")
            if layout.trailer is not None and element.tag == layout.trailer.tag:
                self.trailer = self._attributes(layout.trailer, element)
            elif element.tag == layout.record.tag:
                record = self._attributes(layout.record, element)
                self._account(record)
                yield record
            else:
                raise self._fail(f"line {element.sourceline}", f"unexpected element <{element.tag}>")
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]

    def _attributes(self, section: Section | None, element) -> dict:
        values = {}
        for spec in section.fields if section else ():
            text = element.get(spec.name)
            if text is None:
                if spec.optional:
                    values[spec.name] = None
                    continue
                raise self._fail(f"line {element.sourceline}", f"<{element.tag}> has no attribute {spec.name}")
            values[spec.name] = self._parse(spec, text.strip(), f"line {element.sourceline}")
        return values


def _declared_encoding(block: bytes) -> str | None:
    start = block.lstrip(codecs.BOM_UTF8)[:200]
    if not start.startswith(b"<?xml"):
        return None
    end = start.find(b"?>")
    declaration = start[: end if end > 0 else None].decode("ascii", "replace")
    for quote in ('"', "'"):
        marker = f"encoding={quote}"
        if marker in declaration:
            return declaration.split(marker, 1)[1].split(quote, 1)[0]
    return None
