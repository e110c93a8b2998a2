"""The file layout engine: a partner's file dialect (``layouts:`` in ``mappings/<partner>.yaml``) becomes a
streaming reader and writer. No partner-specific code: a new bank dialect is a new mapping file.

Two formats:

- ``fixed_width``: one record per line, fields of fixed *byte* width in the layout's ``encoding`` (e.g.
  GB18030, where a Chinese character takes two or four bytes); a header line, detail lines and a trailer
  line told apart by a constant first field; the trailer carries the record count (``role: count``) and a
  control total (``role: total``, ``of: <field>``).
- ``xml``: UTF-8 XML, header fields as attributes of the root element, one element per record with one
  attribute per field, and a trailer element with the count and control total.

Fields: ``name``, ``width`` (fixed width, bytes), ``type`` (``text``, ``int``, ``decimal`` with ``scale``),
``value`` (a constant, checked when reading), ``role`` (``count``/``total``), ``optional``. Text is
left-aligned and padded with spaces, numbers right-aligned and padded with zeros; a value that does not fit
is an error, never truncated. A byte-order mark is refused unless the layout says ``bom: strip``.

Reading is streamed (one line or element at a time, memory flat in file size) and strict: a wrong
encoding, a short or long line, a missing trailer (truncated file), a count or control total that does not
match, each raises :class:`LayoutError` naming the file and the line. Callers load inside one transaction,
so an error at the trailer rolls back everything read before it (all-or-nothing).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

import yaml

from hub.errors import ConfigurationError, HubError

BOMS = {
    codecs.BOM_UTF8: "UTF-8",
    b"\x84\x31\x95\x33": "GB18030",
    codecs.BOM_UTF16_LE: "UTF-16LE",
    codecs.BOM_UTF16_BE: "UTF-16BE",
}


_ESCAPE = re.compile(r'[&<>"\t\n\r]')
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def _attribute(text: str, writer) -> str:
    """``text`` as an XML attribute value (double-quoted); characters XML 1.0 cannot carry are refused."""
    if _FORBIDDEN.search(text):
        raise writer._fail(f"a value holds a control character XML cannot carry: {text[:20]!r}")
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text) if _ESCAPE.search(text) else text


def _number_text(value: object, kind: str, scale: int) -> str:
    """The canonical text of a number field: integers plain, decimals with exactly ``scale`` places."""
    if kind == "int":
        return str(int(value))
    if type(value) is str:
        head, dot, tail = value.partition(".")
        digits = head[1:] if head[:1] == "-" else head
        if dot and len(tail) == scale and digits.isdigit() and tail.isdigit() and digits.isascii():
            return value
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(value)
    return f"{number.quantize(Decimal(1).scaleb(-scale)):.{scale}f}"


class LayoutError(HubError):
    """A file does not follow its layout; the message names the file, the line and the field."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    width: int | None = None
    type: str = "text"
    scale: int = 0
    value: str | None = None
    role: str | None = None
    of: str | None = None
    optional: bool = False

    def render(self, value: object) -> str:
        if self.value is not None:
            return self.value
        if value is None or (isinstance(value, str) and value == ""):
            if not self.optional and self.role is None:
                raise ValueError(f"field {self.name}: required value is missing")
            return ""
        if self.type == "decimal":
            number = Decimal(str(value)).quantize(Decimal(1).scaleb(-self.scale))
            return f"{number:.{self.scale}f}"
        if self.type == "int":
            return str(int(value))
        text = str(value)
        if any(ch in text for ch in "\r\n"):
            raise ValueError(f"field {self.name}: line breaks are not allowed in a field")
        return text

    def parse(self, text: str) -> object:
        if self.type == "text":
            return text
        if text == "":
            return None
        try:
            if self.type == "int":
                return int(text)
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
            return number
        except (ValueError, InvalidOperation):
            raise ValueError(
                f"field {self.name}: {text!r} is not a{'n integer' if self.type == 'int' else ' number'}"
            ) from None


@dataclass(frozen=True)
class Section:
    tag: str | None
    fields: tuple[FieldSpec, ...]

    @cached_property
    def width(self) -> int:
        return sum(f.width or 0 for f in self.fields)


@dataclass(frozen=True)
class Layout:
    """One file kind of one partner (e.g. bank A's response file)."""

    partner: str
    kind: str
    format: str
    encoding: str
    record: Section
    header: Section | None = None
    trailer: Section | None = None
    root: str | None = None
    bom: str = "forbid"
    line_ending: str = "\r\n"
    file_pattern: str = "*"
    name_template: str = "{kind}_{stamp}_{seq}"
    total_of: str | None = None
    source: str = ""

    # -- writing -------------------------------------------------------------------------------------
    def writer(self, handle: BinaryIO, *, name: str, header: Mapping | None = None) -> LayoutWriter:
        return LayoutWriter(self, handle, name, dict(header or {}))

    # -- reading -------------------------------------------------------------------------------------
    def reader(self, path: Path) -> LayoutReader:
        return LayoutReader(self, Path(path))

    def read_blocks(self, blocks: Iterator[bytes], name: str) -> LayoutReader:
        """Read from decrypted blocks (e.g. :func:`hub.sealing.open_sealed`), never written to disk."""
        return LayoutReader(self, None, blocks=blocks, name=name)


class LayoutWriter:
    """Write one file record by record; ``close()`` writes the trailer. Use as a context manager."""

    def __init__(self, layout: Layout, handle: BinaryIO, name: str, header: dict):
        self.layout, self.handle, self.name = layout, handle, name
        self.count = 0
        self._ending = layout.line_ending.encode("ascii")
        if layout.format == "xml":
            attributes = "".join(
                f' {f.name}="{_attribute(f.render(header.get(f.name)), self)}"' for f in layout.header.fields
            )
            self._put(f'<?xml version="1.0" encoding="{layout.encoding}"?>\n<{layout.root}{attributes}>\n')
        elif layout.header is not None:
            self._line(layout.header, header)
        self._total_units = 0  # the control total in units of its last decimal place (exact, fast)
        self._total_scale = next((f.scale for f in layout.record.fields if f.name == layout.total_of), 0)

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
            return _number_text(value, spec.type, spec.scale)
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
        layout = self.layout
        if layout.format == "xml":
            parts = [f"<{layout.record.tag}"]
            total_text = None
            for spec in layout.record.fields:
                text = self._text_of(spec, record.get(spec.name))
                if spec.name == layout.total_of:
                    total_text = text
                if text is not None:
                    parts.append(f' {spec.name}="{_attribute(text, self)}"')
            parts.append("/>\n")
            self._put("".join(parts))
        else:
            total_text = self._line(layout.record, record)
        if total_text is not None:
            self._total_units += int(_number_text(total_text, "decimal", self._total_scale).replace(".", ""))
        self.count += 1

    @property
    def total(self) -> Decimal:
        return Decimal(self._total_units).scaleb(-self._total_scale)

    def close(self) -> None:
        layout = self.layout
        values = self._trailer_values()
        if layout.format == "xml":
            if layout.trailer is not None:
                attributes = "".join(
                    f' {f.name}="{_attribute(f.render(values.get(f.name)), self)}"' for f in layout.trailer.fields
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


class LayoutReader:
    """Iterate the records of one file; ``header`` is read first; the trailer is checked at the end."""

    def __init__(self, layout: Layout, path: Path | None, *, blocks: Iterator[bytes] | None = None, name: str = ""):
        self.layout = layout
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
        from lxml import etree

        layout = self.layout
        parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        depth = 0
        seen_root = False
        seen_start = False
        for block in blocks:
            if not seen_start:
                seen_start = True
                declared = _declared_encoding(block)
                if declared and _norm_or_none(declared) != _norm(layout.encoding):
                    raise self._fail("start", f"declares encoding {declared}, the layout expects {layout.encoding}")
                try:
                    block.decode(layout.encoding)  # fast check on the first block
                except UnicodeDecodeError as exc:
                    if exc.start < len(block) - 4:
                        raise self._fail("start", f"not valid {layout.encoding} (wrong encoding?)") from None
            try:
                parser.feed(block)
                events = list(parser.read_events())
            except etree.XMLSyntaxError as exc:
                raise self._fail(f"line {exc.lineno}", f"not well-formed XML ({exc.msg}; wrong encoding?)") from None
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth == 1:
                        if element.tag != layout.root:
                            raise self._fail(
                                f"line {element.sourceline}", f"root is <{element.tag}>, not <{layout.root}>"
                            )
                        seen_root = True
                        self.header = self._attributes(layout.header, element)
                    continue
                depth -= 1
                if depth != 1:
                    if depth > 1:
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
        try:
            parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._fail("end", f"the XML is truncated or not well-formed ({exc.msg})") from None
        if not seen_root:
            raise self._fail("start", "empty file")
        if layout.trailer is not None and not self.trailer:
            raise self._fail("end", "no trailer: the file is truncated")

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


def _norm(encoding: str) -> str:
    return codecs.lookup(encoding).name


def _norm_or_none(encoding: str) -> str | None:
    try:
        return _norm(encoding)
    except LookupError:
        return None


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


# -- loading layouts from a mapping file ------------------------------------------------------------
_FIELD_KEYS = {"width", "type", "scale", "value", "role", "of", "optional"}


def _section(path: Path, kind: str, part: str, spec: dict | None, fixed: bool) -> Section | None:
    if spec is None:
        return None
    fields = []
    for name, rule in (spec.get("fields") or {}).items():
        rule = rule or {}
        unknown = set(rule) - _FIELD_KEYS
        if unknown:
            raise ConfigurationError(f"{path}: layouts.{kind}.{part}.{name}: unknown keys {sorted(unknown)}")
        if fixed and not rule.get("width"):
            raise ConfigurationError(f"{path}: layouts.{kind}.{part}.{name}: a fixed-width field needs a width")
        if rule.get("type", "text") not in ("text", "int", "decimal"):
            raise ConfigurationError(f"{path}: layouts.{kind}.{part}.{name}: type must be text, int or decimal")
        value = rule.get("value")
        fields.append(
            FieldSpec(
                name=name,
                width=rule.get("width"),
                type=rule.get("type", "text"),
                scale=int(rule.get("scale", 0)),
                value=None if value is None else str(value),
                role=rule.get("role"),
                of=rule.get("of"),
                optional=bool(rule.get("optional", False)),
            )
        )
    if not fields:
        raise ConfigurationError(f"{path}: layouts.{kind}.{part}: no fields")
    return Section(spec.get("tag"), tuple(fields))


def load_layouts(path: Path) -> dict[str, Layout]:
    """The ``layouts:`` section of a partner mapping file: file kind → Layout."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read mapping {path}: {exc}") from exc
    layouts = {}
    for kind, spec in (document.get("layouts") or {}).items():
        fmt = spec.get("format")
        if fmt not in ("fixed_width", "xml"):
            raise ConfigurationError(f"{path}: layouts.{kind}: format must be fixed_width or xml, not {fmt!r}")
        fixed = fmt == "fixed_width"
        record = _section(path, kind, "record", spec.get("record"), fixed)
        header = _section(path, kind, "header", spec.get("header"), fixed)
        trailer = _section(path, kind, "trailer", spec.get("trailer"), fixed)
        if fixed:
            for part, section in (("record", record), ("trailer", trailer)):
                if section is not None and section.fields[0].value is None:
                    raise ConfigurationError(f"{path}: layouts.{kind}.{part}: the first field must be a constant")
        elif not spec.get("root") or not record.tag or (trailer is not None and not trailer.tag):
            raise ConfigurationError(f"{path}: layouts.{kind}: XML needs root, record.tag and trailer.tag")
        totals = {f.of for f in (trailer.fields if trailer else ()) if f.role == "total"}
        if len(totals) > 1 or (totals and next(iter(totals)) not in {f.name for f in record.fields}):
            raise ConfigurationError(f"{path}: layouts.{kind}: the control total must be of one record field")
        encoding = spec.get("encoding", "utf-8")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigurationError(f"{path}: layouts.{kind}: unknown encoding {encoding!r}") from None
        layouts[kind] = Layout(
            partner=document["partner"],
            kind=kind,
            format=fmt,
            encoding=encoding,
            record=record,
            header=header,
            trailer=trailer,
            root=spec.get("root"),
            bom=spec.get("bom", "forbid"),
            line_ending=spec.get("line_ending", "\r\n"),
            file_pattern=spec.get("file_pattern", "*"),
            name_template=spec.get("name_template", "{kind}_{stamp}_{seq}"),
            total_of=next(iter(totals)) if totals else None,
            source=str(path),
        )
    return layouts
