"""Encoding and decoding of SOAP messages for :mod:`connectors.soap`, driven by zeep's reading of the WSDL/XSD.

Why: zeep builds and walks one Python object per XML element on both sides (here about 50 µs per request
record and 160 µs per result record), which made the client's CPU per record larger than the server's.
:class:`MessageCodec` keeps zeep's meaning and replaces only the per-element work:

* Requests: the body is written as text by an encoder compiled once per operation from zeep's types
  (:mod:`connectors.soap_xsd`): names, namespaces, order, occurrences, each leaf through its zeep type's
  ``xmlvalue``, XML escaping. The envelope is zeep's layout; WS-Addressing, plugins and WS-Security
  (UsernameToken) are zeep's own, applied to it; SOAPAction and Content-Type are zeep's. An argument the
  encoder does not take exactly as zeep would (a missing required value, an unknown key, a zeep object,
  Nil, CDATA, a character XML refuses) sends that call through zeep's serialiser, so its errors are zeep's.
* Responses: a DOCTYPE is refused before parsing; the hardened lxml parser (no entity expansion, no
  network, no huge trees) reads the rest; the body element must be the operation's response element and
  valid against ``lxml.etree.XMLSchema`` built from the WSDL's types (C speed); a converter compiled from
  zeep's types turns it into the plain dicts/lists zeep gives (same keys and order, absent optional → None,
  repeated → list, leaves as zeep's ``pythonvalue`` makes them, zeep's unwrapping of single-child answers).
  SOAP faults are read by zeep.
* What is not compiled (attributes, choices, groups, xs:any, SOAP headers, RPC style, MTOM, xsi:type or
  xsi:nil in a response) goes through zeep unchanged, still behind the DOCTYPE check and the XSD
  validation; every response does when lxml cannot compile the WSDL's schema (zeep's strict parsing then).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree
from zeep import plugins, wsa
from zeep.exceptions import TransportError
from zeep.helpers import serialize_object
from zeep.loader import absolute_location
from zeep.utils import get_media_type
from zeep.wsdl.messages.base import SerializedMessage

from connectors.soap_xsd import BodyEncoder, Fallback, body_decoder, document_body, escape, xml_characters_only

log = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema"
XSI = b"http://www.w3.org/2001/XMLSchema-instance"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
_ELEMENT_START = re.compile(rb"<[^?!]")


class ResponseRefused(Exception):
    """The response must not be read; the message says why (never the payload)."""


def hardened_parser(*, remove_comments: bool = True) -> etree.XMLParser:
    """No DTD, no entity resolution, no network, no huge trees; comments and processing instructions dropped
    (their text neighbours then read as one text, as zeep reads them)."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=remove_comments, remove_pis=remove_comments,
    )  # fmt: skip


def _may_hold_comments(content: bytes) -> bool:
    """True unless ``content`` is plainly an ASCII-compatible document without ``<!--`` or a ``<?`` after the
    XML declaration (a CDATA section holding either only costs the slower parser)."""
    if content[:1] != b"<" or content[1:2] == b"\x00":
        return True
    start = content.find(b"?>") + 2 if content.startswith(b"<?xml ") else 0
    return b"<!--" in content or content.find(b"<?", start) != -1


def plain(value):
    """zeep's answer as :meth:`SoapPartner.call` returns it: ``serialize_object`` then plain dicts/lists."""
    return _plain(serialize_object(value, dict))


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def has_doctype(content: bytes) -> bool:
    """A ``<!DOCTYPE`` before the root element: the response is refused before any parser sees it."""
    at = content.find(b"<!DOCTYPE")
    return at != -1 and _ELEMENT_START.search(content, 0, at) is None


def contract_schema(location: str, load: Callable[[str], bytes]) -> etree._ElementTree:
    """A schema document importing every schema of the WSDL at ``location`` (inline ones and imported XSDs),
    read through ``load`` (zeep's transport: the same files and URLs zeep read). ``etree.XMLSchema`` of it
    validates any global element of the contract."""
    inline: dict[str, bytes] = {}
    parser = hardened_parser()
    parser.resolvers.add(_Resolver(load, inline))
    wsdl = etree.fromstring(load(location), parser, base_url=location)
    if wsdl.getroottree().docinfo.doctype:
        raise ValueError(f"the WSDL {location} declares a DTD")
    master = etree.Element(f"{{{XSD}}}schema")
    for n, schema in enumerate(wsdl.iterfind(f"{{{WSDL}}}types/{{{XSD}}}schema")):
        imports = [child for child in schema if child.tag == f"{{{XSD}}}import"]
        if schema.get("targetNamespace") is None and len(imports) == len(schema):
            for item in imports:  # a wrapper of imports only: import the same documents
                attributes = {"namespace": item.get("namespace")} if item.get("namespace") else {}
                if item.get("schemaLocation"):
                    attributes["schemaLocation"] = absolute_location(item.get("schemaLocation"), location)
                etree.SubElement(master, f"{{{XSD}}}import", attributes)
            continue
        url = absolute_location(f"wsdl-inline-schema-{n}.xsd", location)
        inline[url] = etree.tostring(schema)
        attributes = {"schemaLocation": url}
        if schema.get("targetNamespace"):
            attributes["namespace"] = schema.get("targetNamespace")
        etree.SubElement(master, f"{{{XSD}}}import", attributes)
    document = etree.fromstring(etree.tostring(master), parser, base_url=location).getroottree()
    etree.XMLSchema(document)  # compile once here, so a schema lxml cannot take is known at start
    return document


class _Resolver(etree.Resolver):
    def __init__(self, load: Callable[[str], bytes], inline: dict[str, bytes]):
        super().__init__()
        self.load, self.inline = load, inline

    def resolve(self, url, pubid, context):
        content = self.inline.get(url)
        return self.resolve_string(content if content is not None else self.load(url), context, base_url=url)


@dataclass(frozen=True)
class _Plan:
    """What is compiled for one operation (None: that direction goes through zeep)."""

    operation: object  # zeep's SoapOperation
    headers: dict[str, str]  # SOAPAction and Content-Type, as zeep sets them
    envelope: tuple[str, str]  # the text before and after the body element
    encode: Callable | None  # arguments → the body element as text; raises Fallback
    response_tag: str | None  # the body element expected in a response
    decode: Callable | None  # (the body element) → the plain result; raises Fallback


class MessageCodec:
    """One partner's operations, compiled once; thread-safe (the parsers and the validator are per thread)."""

    def __init__(self, client, service, schema: etree._ElementTree | None):
        self.client, self.service, self.binding = client, service, service._binding
        self.address = service._binding_options["address"]
        self._schema_document = schema
        self._local = threading.local()
        self._plans = {name: self._compile(name) for name in self.service._operations}

    # -- requests ----------------------------------------------------------------------------------
    def build(self, operation: str, arguments: dict) -> tuple[bytes, dict[str, str]]:
        """The request's bytes and HTTP headers."""
        plan = self._plan(operation)
        client, options = self.client, self.service._binding_options
        payload = None
        if plan.encode is not None:
            try:
                payload = (plan.envelope[0] + plan.encode(arguments) + plan.envelope[1]).encode("utf-8")
            except (Fallback, ValueError, TypeError):  # ValueError: a lone surrogate
                payload = None
            if payload is not None and not xml_characters_only(payload):
                payload = None
        if payload is None:  # zeep renders it (or raises its own error for it)
            envelope, headers = self.binding._create(operation, (), arguments, client=client, options=options)
            return etree.tostring(envelope, xml_declaration=True, encoding="utf-8"), headers
        headers = dict(plan.headers)
        wsse = _wsse(client)
        if plan.operation.abstract.wsa_action or client.plugins or wsse:  # they work on the lxml envelope
            envelope = etree.fromstring(payload, self._parser())
            if plan.operation.abstract.wsa_action:
                envelope, headers = wsa.WsAddressingPlugin().egress(envelope, headers, plan.operation, options)
            envelope, headers = plugins.apply_egress(client, envelope, headers, plan.operation, options)
            for one in wsse:
                envelope, headers = one.apply(envelope, headers)
            payload = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        if client.settings.extra_http_headers:
            headers.update(client.settings.extra_http_headers)
        return payload, headers

    # -- responses ---------------------------------------------------------------------------------
    def read(self, operation: str, response) -> object:
        """The answer as plain dicts/lists; raises ResponseRefused, zeep's Fault or TransportError."""
        plan = self._plan(operation)
        status, content = response.status_code, response.content
        if status in (201, 202) and not content:
            return None
        if status != 200 and not content:
            raise TransportError(f"Server returned HTTP status {status} (no content available)", status_code=status)
        if get_media_type(response.headers.get("Content-Type", "text/xml")) == "multipart/related":
            return plain(self.binding.process_reply(self.client, plan.operation, response))  # MTOM/XOP
        document = self.parse(content)
        for wsse in _wsse(self.client):
            wsse.verify(document)
        document, _headers = plugins.apply_ingress(self.client, document, response.headers, plan.operation)
        soap_env = self.binding.nsmap["soap-env"]
        body = document.find(f"{{{soap_env}}}Body") if document.tag == f"{{{soap_env}}}Envelope" else None
        if body is None:
            got = f"HTTP {status} with" if status != 200 else "Unexpected element"
            raise ResponseRefused(f"{got} {document.tag!r}: not a SOAP envelope with a body")
        if status != 200 or body.find(f"{{{soap_env}}}Fault") is not None:
            self.binding.process_error(document, plan.operation)  # raises zeep's Fault
        if plan.response_tag is None:
            return plain(plan.operation.process_reply(document))
        if len(body) != 1:
            raise ResponseRefused(f"the SOAP body holds {len(body)} elements where one {plan.response_tag} is expected")
        element = body[0]
        if element.tag != plan.response_tag:
            raise ResponseRefused(f"Unexpected element {element.tag!r}, expected {plan.response_tag!r}")
        validator = self._validator()
        if validator is None:  # no lxml schema: zeep's strict parsing, as before
            return plain(plan.operation.process_reply(document))
        if not validator.validate(element):
            raise ResponseRefused(_contract_error(validator.error_log))
        if plan.decode is not None and XSI not in content and _ascii_compatible(document):
            try:
                return plan.decode(element)
            except Fallback:
                pass
        return plain(plan.operation.process_reply(document))

    def parse(self, content: bytes) -> etree._Element:
        """The response's root element, parsed hardened; a DTD is refused (before parsing when in the prolog)."""
        if has_doctype(content):
            raise ResponseRefused("DTDForbidden: the response declares a DTD; refused unparsed")
        try:
            root = etree.fromstring(content, self._parser(keep_comments=not _may_hold_comments(content)))
        except etree.XMLSyntaxError as exc:
            raise ResponseRefused(f"not well-formed XML: {exc.msg}") from None
        if root.getroottree().docinfo.doctype:
            raise ResponseRefused("DTDForbidden: the response declares a DTD")
        return root

    def _parser(self, keep_comments: bool = False) -> etree.XMLParser:
        """This thread's hardened parser; ``keep_comments``: one without the comment and PI filters (a third
        faster), for a document shown to hold none."""
        name = "plain_parser" if keep_comments else "parser"
        parser = getattr(self._local, name, None)
        if parser is None:
            parser = hardened_parser(remove_comments=not keep_comments)
            setattr(self._local, name, parser)
        return parser

    def _validator(self) -> etree.XMLSchema | None:
        if self._schema_document is None:
            return None
        validator = getattr(self._local, "validator", None)
        if validator is None:
            validator = self._local.validator = etree.XMLSchema(self._schema_document)
        return validator

    # -- compiling ---------------------------------------------------------------------------------
    def _plan(self, operation: str) -> _Plan:
        plan = self._plans.get(operation)
        if plan is None:
            raise AttributeError(f"Service has no operation {operation!r}")  # what zeep's proxy says
        return plan

    def _compile(self, name: str) -> _Plan:
        operation = self.binding.get(name)
        action = operation.soapaction
        headers = SerializedMessage(path=None, headers={"SOAPAction": f'"{action}"' if action else '""'}, content=None)
        self.binding._set_http_headers(headers, operation)
        soap_env = self.binding.nsmap["soap-env"]
        prefixes = {"soap-env": soap_env, **self.client.wsdl.types._prefix_map_custom}
        declarations = "".join(f' xmlns:{prefix}="{escape(ns)}"' for prefix, ns in prefixes.items())
        envelope = (
            f"<?xml version='1.0' encoding='utf-8'?>\n<soap-env:Envelope{declarations}><soap-env:Body>",
            "</soap-env:Body></soap-env:Envelope>",
        )
        encode = decode = response_tag = None
        try:
            body = document_body(operation.input)
            if body is not None:
                encoder = BodyEncoder(body, prefixes)
                encode = encoder if encoder.content is not None else None
            body = document_body(operation.output)
            if body is not None:
                response_tag = body.qname.text
                decode = body_decoder(body)
        except Exception:  # a WSDL construct this module has not met: zeep serves the operation as before
            log.warning("%s: not compiled, zeep serves it", name, exc_info=True)
            encode = decode = response_tag = None
        if encode is None or decode is None:
            log.info("%s: zeep alone encodes (%s) / decodes (%s) it", name, encode is None, decode is None)
        return _Plan(operation, headers.headers, envelope, encode, response_tag, decode)


def _ascii_compatible(document: etree._Element) -> bool:
    """The document's bytes show ASCII as ASCII (so a search for the xsi namespace in them is conclusive)."""
    encoding = (document.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    return not encoding.startswith(("UTF-16", "UTF-32", "UCS", "EBCDIC", "CP037", "IBM"))


def _wsse(client) -> list:
    return client.wsse if isinstance(client.wsse, list) else [client.wsse] if client.wsse else []


def _contract_error(error_log) -> str:
    error = next(iter(error_log), None)
    if error is None:
        return "does not match the contract"
    return f"does not match the contract at {error.path} (line {error.line}): {error.message}"
