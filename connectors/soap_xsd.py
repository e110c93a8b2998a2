"""Converters compiled from zeep's reading of an XSD: request bodies written as text, response elements read
into the plain dicts/lists zeep would give (see :mod:`connectors.soap_codec`, which uses them).

Compiled: complex types made of sequences of elements (nested, optional, repeated), simple types through
their zeep type (``xmlvalue`` out, ``pythonvalue`` in; strings as they are; the canonical xs:dateTime and
xs:date forms by the standard library, to the same values). Anything else (attributes, choices, groups,
xs:any, simpleContent, recursive types) is not compiled: :func:`body_decoder` and :class:`BodyEncoder` say
so (None, or no ``content``), and at run time :class:`Fallback` hands a call to zeep.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from zeep.wsdl.messages import DocumentMessage
from zeep.xsd.elements.element import Element
from zeep.xsd.elements.indicators import Sequence
from zeep.xsd.types.builtins import Date, DateTime, String
from zeep.xsd.types.complex import ComplexType
from zeep.xsd.types.simple import AnySimpleType

log = logging.getLogger(__name__)

_SIMPLE_VALUES = (bool, int, float, Decimal, datetime, date, time, bytes)


class Fallback(Exception):
    """A shape or a value the compiled path leaves to zeep."""


def document_body(message) -> Element | None:
    """The body element of a document/literal message with one part and no SOAP headers, else None."""
    if not isinstance(message, DocumentMessage) or message._is_body_wrapped or message.header.type._element:
        return None
    body = message.body
    return body if isinstance(body, Element) and isinstance(body.type, ComplexType) else None


def _fields(xsd_type: ComplexType) -> list[tuple[str, Element]] | None:
    """(name, element) of a complex type made of sequences of elements only, else None."""
    if xsd_type.attributes or len(xsd_type.elements_nested) != 1:
        return None

    def flat(indicator) -> list[Element] | None:
        if type(indicator) is not Sequence or indicator.min_occurs != 1 or indicator.max_occurs != 1:
            return None
        out: list[Element] = []
        for item in indicator:
            found = [item] if isinstance(item, Element) else flat(item)
            if found is None:
                return None
            out += found
        return out

    elements = flat(xsd_type.elements_nested[0][1])
    fields = xsd_type.elements
    if elements is None or [element for _, element in fields] != elements:
        return None
    if len({e.qname.text for e in elements}) != len(elements) or len({n for n, _ in fields}) != len(fields):
        return None
    return fields


def body_decoder(body: Element) -> Callable | None:
    """The converter of a response body element, with zeep's unwrapping of a single-child answer."""
    decode = _complex_decoder(body.type, set())
    fields = _fields(body.type)
    if decode is None or not fields:
        return None
    if len(fields) > 1:
        return lambda element: decode(element, False)
    name, only = fields[0]
    inner = _fields(only.type) if isinstance(only.type, ComplexType) and not only.accepts_multiple else None
    inner_name = inner[0][0] if inner and len(inner) == 1 else None

    def unwrap(element):
        value = decode(element, False)[name]
        return value[inner_name] if inner_name is not None and value is not None else value

    return unwrap


def _complex_decoder(xsd_type: ComplexType, seen: set[int]) -> Callable | None:
    fields = _fields(xsd_type)
    if fields is None or id(xsd_type) in seen:  # recursive types are left to zeep
        return None
    seen = seen | {id(xsd_type)}
    texts, others, template, lists = {}, {}, {}, []
    for name, element in fields:
        if isinstance(element.type, ComplexType):
            sub = _complex_decoder(element.type, seen)
        elif isinstance(element.type, AnySimpleType):
            sub = _leaf_decoder(element.type)
        else:
            sub = None
        if sub is None:
            return None
        template[name] = None
        if element.accepts_multiple:
            lists.append(name)
        if sub is False and not element.accepts_multiple:
            texts[element.qname.text] = name  # the commonest case: a single string, its text as is
        else:
            others[element.qname.text] = (name, element.accepts_multiple, sub)
    text_name, other = texts.get, others.get
    lists = tuple(lists)

    def decode(node, allow_none=True):
        if allow_none and len(node) == 0:
            return None  # zeep: an empty complex element is None
        out = template.copy()
        for name in lists:
            out[name] = []
        for child in node:
            tag = child.tag
            name = text_name(tag)
            if name is not None:
                out[name] = child.text
                continue
            entry = other(tag)
            if entry is None:
                raise Fallback
            name, multiple, sub = entry
            value = child.text if sub is False else sub(child)
            if multiple:
                out[name].append(value)
            else:
                out[name] = value
        return out

    return decode


_ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
#: The canonical lexical forms whose zeep value (isodate's) the standard library gives faster: a naive
#: datetime to the second, a date. Any other form goes through zeep's ``pythonvalue``.
_FAST_VALUES = {
    DateTime.pythonvalue: (_ISO_DATETIME, datetime.fromisoformat),
    Date.pythonvalue: (_ISO_DATE, date.fromisoformat),
}


def _leaf_decoder(xsd_type: AnySimpleType) -> Callable | bool:
    """False for a string type (zeep gives the text as is), else the text's converter."""
    if type(xsd_type).pythonvalue is String.pythonvalue:
        return False
    convert = xsd_type.pythonvalue
    pattern, fast = _FAST_VALUES.get(type(xsd_type).pythonvalue, (None, None))

    def decode(node):
        text = node.text
        if text is None:
            return None
        if pattern is not None and pattern.fullmatch(text):
            try:
                return fast(text)
            except ValueError:
                pass
        try:
            return convert(text)
        except (TypeError, ValueError):  # zeep logs it and gives None
            log.warning("cannot read %r as %s", text[:40], type(xsd_type).__name__)
            return None

    return decode


class BodyEncoder:
    """Writes a request body element as text from a compiled plan; the envelope around it is zeep's layout.

    Namespaces get the envelope's prefixes (zeep's custom prefix map) or ns0, ns1… declared on the body
    element, as lxml does for zeep."""

    def __init__(self, body: Element, envelope_prefixes: dict[str, str]):
        self._prefixes = {ns: prefix for prefix, ns in envelope_prefixes.items()}
        self._declared: dict[str, str] = {}
        name = self._tag(body.qname)
        self.content = _complex_encoder(body.type, set(), self._tag)
        declarations = "".join(f' xmlns:{prefix}="{escape(ns)}"' for ns, prefix in self._declared.items())
        self.open, self.close = f"<{name}{declarations}>", f"</{name}>"

    def _tag(self, qname) -> str:
        if not qname.namespace:
            return qname.localname
        prefix = self._prefixes.get(qname.namespace)
        if prefix is None:
            taken = set(self._prefixes.values())
            prefix = next(f"ns{n}" for n in range(len(taken) + 1) if f"ns{n}" not in taken)
            self._prefixes[qname.namespace] = self._declared[qname.namespace] = prefix
        return f"{prefix}:{qname.localname}"

    def __call__(self, arguments: dict) -> str:
        out = [self.open]
        self.content(out, arguments)
        out.append(self.close)
        return "".join(out)


def _complex_encoder(xsd_type: ComplexType, seen: set[int], tag: Callable) -> Callable | None:
    fields = _fields(xsd_type)
    if fields is None or id(xsd_type) in seen:
        return None
    seen = seen | {id(xsd_type)}
    plan = []
    for name, element in fields:
        if isinstance(element.type, ComplexType):
            sub, leaf = _complex_encoder(element.type, seen, tag), False
        elif isinstance(element.type, AnySimpleType):
            sub, leaf = _leaf_encoder(element.type), True
        else:
            sub = None
        if sub is None:
            return None
        name_tag = tag(element.qname)
        high = element.max_occurs if isinstance(element.max_occurs, int) else None
        plan.append((name, f"<{name_tag}>", f"</{name_tag}>", sub, leaf, element.is_optional,
                     element.accepts_multiple, element.min_occurs, high))  # fmt: skip
    names = frozenset(name for name, *_ in plan)

    def encode(out: list, value) -> None:
        if not isinstance(value, dict) or not names.issuperset(value):
            raise Fallback  # zeep's TypeError names the unknown key
        for name, start, end, sub, leaf, optional, multiple, low, high in plan:
            item = value.get(name)
            if item is None:
                if optional:
                    continue
                raise Fallback  # zeep renders nil or raises "Missing element"
            if not multiple:
                items = (item,)
            elif type(item) is not list or len(item) < low or (high is not None and len(item) > high):
                raise Fallback
            else:
                items = item
            for one in items:
                if leaf:
                    out += (start, sub(one), end)
                else:
                    out.append(start)
                    sub(out, one)
                    out.append(end)

    return encode


def _leaf_encoder(xsd_type: AnySimpleType) -> Callable:
    as_is = type(xsd_type).xmlvalue is String.xmlvalue  # zeep's String gives str(value) for a str
    xmlvalue = xsd_type.xmlvalue

    def encode(value) -> str:
        if type(value) is str and as_is:
            text = value
        elif isinstance(value, _SIMPLE_VALUES):
            text = xmlvalue(value)
            if type(text) is not str:
                raise Fallback
        else:
            raise Fallback  # None in a list, Nil, CDATA, collections, zeep objects
        if "&" in text or "<" in text or ">" in text or "\r" in text:
            text = escape(text)
        return text

    return encode


_XML_BYTES = bytes(set(range(256)) - set(range(32)) | {9, 10, 13})  # all but the C0 controls XML refuses


def xml_characters_only(payload: bytes) -> bool:
    """No C0 control character and no U+FFFE/U+FFFF in UTF-8 ``payload`` (lxml refuses them; zeep then says so)."""
    return not payload.translate(None, _XML_BYTES) and b"\xef\xbf\xbe" not in payload and b"\xef\xbf\xbf" not in payload


_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;", '"': "&quot;"})


def escape(text: str) -> str:
    return text.translate(_ESCAPES)
