"""Layout declarations: fields, sections and one file kind of one partner (what ``layouts:`` declares).

Also the value rules shared by the writers and readers (canonical number text, XML attribute escaping),
so that the record-by-record path and the block path cannot drift apart.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from hub.errors import HubError

if TYPE_CHECKING:  # pragma: no cover
    from hub.filelayout.reader import LayoutReader
    from hub.filelayout.writer import LayoutWriter

BOMS = {
    codecs.BOM_UTF8: "UTF-8",
    b"\x84\x31\x95\x33": "GB18030",
    codecs.BOM_UTF16_LE: "UTF-16LE",
    codecs.BOM_UTF16_BE: "UTF-16BE",
}

ESCAPE = re.compile(r'[&<>"\t\n\r]')
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


class LayoutError(HubError):
    """A file does not follow its layout; the message names the file, the line and the field."""


def attribute(text: str, writer) -> str:
    """``text`` as an XML attribute value (double-quoted); characters XML 1.0 cannot carry are refused."""
    if FORBIDDEN.search(text):
        raise writer._fail(f"a value holds a control character XML cannot carry: {text[:20]!r}")
    return ESCAPE.sub(lambda m: ESCAPES[m.group()], text) if ESCAPE.search(text) else text


def number_text(value: object, kind: str, scale: int) -> str:
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
    def writer(
        self, handle: BinaryIO, *, name: str, header: Mapping | None = None, vectorised: bool = True
    ) -> LayoutWriter:
        """A writer; ``vectorised=False`` builds record by record (the reference the block path matches)."""
        from hub.filelayout.writer import LayoutWriter

        return LayoutWriter(self, handle, name, dict(header or {}), vectorised=vectorised)

    # -- reading -------------------------------------------------------------------------------------
    def reader(self, path: Path, *, vectorised: bool = True) -> LayoutReader:
        from hub.filelayout.reader import LayoutReader

        return LayoutReader(self, Path(path), vectorised=vectorised)

    def read_blocks(self, blocks: Iterator[bytes], name: str, *, vectorised: bool = True) -> LayoutReader:
        """Read from decrypted blocks (e.g. :func:`hub.sealing.open_sealed`), never written to disk."""
        from hub.filelayout.reader import LayoutReader

        return LayoutReader(self, None, blocks=blocks, name=name, vectorised=vectorised)


def norm(encoding: str) -> str:
    return codecs.lookup(encoding).name


def norm_or_none(encoding: str) -> str | None:
    try:
        return norm(encoding)
    except LookupError:
        return None


#: Encodings in which every ASCII byte stands for itself and never occurs inside a multi-byte character
#: (so a separator byte cannot be taken for part of a character): the block paths need this.
ASCII_SAFE = {"gb18030", "gbk", "gb2312", "utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "big5"}


def ascii_safe(encoding: str) -> bool:
    return norm_or_none(encoding) in {norm(e) for e in ASCII_SAFE}
