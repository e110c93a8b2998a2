"""Block parsing of XML records (the fast path of :class:`~hub.filelayout.reader.LayoutReader` for XML).

A file written in the ordinary way (ours, and most banks') repeats one shape: ``<TAG A="…" B="…"/>`` with
the attributes in the layout's order, optional ones left out when empty. One regular expression of exactly
that shape, built from the layout, is applied to a whole run of records with ``re.split``: the groups come
back interleaved, so every field's column is one slice, and what lies between the matches comes back too,
so the run is proven to hold nothing else. The shape admits only what is well-formed XML whatever the
context (XML white space between the parts; no ``<``, ``>``, ``&``, quote or character XML forbids in a
value, so no entity or character reference to resolve and no attribute-value normalisation to apply).

Anything else (another attribute order, single quotes, a reference, a comment, the trailer) makes
:func:`parse_xml_run` return None and the reader hands those bytes to lxml's pull parser, which raises
the precise error with its line number; the values are converted by :func:`fastread.convert_column`,
which gives the line path's values or refuses the run. So the records and errors are those of the
element-by-element path. The pull parser is fed the document's skeleton throughout (the XML declaration,
the root, the trailer, and one line break per line of every run parsed here), so it still checks the
document as a whole and its line numbers stay right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hub.filelayout import fastread
from hub.filelayout.spec import FieldSpec, Layout, norm

_SPACE = "[ \t\r\n]"  # XML's white space (S); ``\s`` would admit characters XML refuses there
#: A value: no white space at either end (the reader strips values; such a value goes the other way), no
#: markup, no reference, no control character (XML forbids most and turns tab and line breaks into spaces);
#: U+FFFE and U+FFFF are looked for in the whole run instead: in the class they slow every character down.
_VALUE = '"(?!\\s)([^"<>&\x00-\x1f]*)(?<!\\s)"'
_NOT_CHARACTERS = ("\ufffe", "\uffff")


@dataclass(frozen=True)
class XmlRunPlan:
    fields: tuple[FieldSpec, ...]
    names: tuple[str, ...]
    encoding: str
    record_start: bytes  # ``<TAG `` : where a run may begin
    pattern: re.Pattern  # one record with the white space before it
    prologue: re.Pattern  # what may stand before the first record for runs to be used at all
    make: object  # the fields' values, one argument each -> the record dict


def xml_run_plan(layout: Layout) -> XmlRunPlan | None:
    """How to cut runs of ``layout``'s XML records, or None when only the element-by-element path applies."""
    if layout.format != "xml" or norm(layout.encoding) != "utf-8":
        return None  # other encodings may be multi-byte around ASCII: not worth a second path here
    record = layout.record
    one = {spec.name: f"{_SPACE}+{re.escape(spec.name)}={_VALUE}" for spec in record.fields}
    attributes = "".join(f"(?:{one[spec.name]})?" if spec.optional else one[spec.name] for spec in record.fields)
    pattern = re.compile(f"{_SPACE}*<{re.escape(record.tag)}{attributes}{_SPACE}*/>")
    # The XML declaration and the root's start tag, nothing else (no comment, no DOCTYPE, no PI).
    root_attribute = rb'[ \t\r\n]+[A-Za-z_][\w.-]*="[^"<>&]*"'
    prologue = re.compile(
        rb"\A(?:<\?xml[^<>]*\?>)?[ \t\r\n]*<%s(?:%s)*[ \t\r\n]*>[ \t\r\n]*\Z"
        % (re.escape(layout.root.encode()), root_attribute)
    )
    names = tuple(spec.name for spec in record.fields)
    return XmlRunPlan(record.fields, names, layout.encoding, f"<{record.tag}".encode(), pattern, prologue,
                      fastread.record_maker(names))  # fmt: skip


def run_end(plan: XmlRunPlan, data: bytes, start: int, size: int) -> int:
    """Where a run of whole records from ``start`` can end in ``data``: after the ``/>`` of the last record
    that begins in the next ``size`` bytes and is complete (0 when there is none)."""
    last = data.rfind(plan.record_start, start, start + size)
    if last < 0:
        return 0
    close = data.find(b"/>", last)
    if close < 0:  # the last record is cut by the data's end: the run ends with the one before
        close = data.rfind(b"/>", start, last)
        return 0 if close < 0 else close + 2
    return close + 2


def parse_xml_run(plan: XmlRunPlan, run: bytes) -> tuple[list[dict], list] | None:
    """The records of ``run`` (white space and whole record elements, as :func:`run_end` cuts it) and each
    field's column; None when the run must go through the pull parser."""
    try:
        text = run.decode(plan.encoding)
    except UnicodeDecodeError:
        return None
    if any(c in text for c in _NOT_CHARACTERS):
        return None
    parts = plan.pattern.split(text)
    step = len(plan.fields) + 1
    if len(parts) < step or "".join(parts[::step]):
        return None  # something between, before or after the records that is not one of them
    columns = []
    for index, spec in enumerate(plan.fields, start=1):
        texts = parts[index::step]
        missing = texts.count(None) if spec.optional else 0
        if missing == len(texts):
            column = texts  # an optional attribute no record carries: None throughout
        else:
            if missing:
                texts = ["" if t is None else t for t in texts]
            column = fastread.convert_column(spec, texts)
        if column is None:
            return None
        columns.append(column)
    return list(map(plan.make, *columns)), columns
