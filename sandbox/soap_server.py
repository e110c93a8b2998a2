"""A small SOAP 1.1 sandbox server any sandbox partner can serve its contract with.

What every SOAP sandbox needs and nothing partner-specific: a threaded ``http.server`` on 127.0.0.1
(HTTP/1.1 keep-alive, TLS by wrapping the accepted socket, mutual TLS with a client CA), the WSDL at
``?wsdl`` with its ``soap:address`` pointed at the running server, the XSD beside it, and the request body
parsed with a hardened lxml parser (no DTD, no entities, no network, no huge trees) and validated against
the XSD before the partner's code sees it. An invalid request is answered with a ``soap:Client`` fault.

A partner implements :class:`SoapApplication` (``answer(operation) -> response element``); the military
court's sandbox uses it. An endpoint with its own dispatch (the public-security sandbox, which also injects
faults) only needs ``handle`` and ``stopping`` (:class:`HttpEndpoint`).
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol

from lxml import etree

log = logging.getLogger(__name__)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class ClientError(Exception):
    """The request breaks the contract: answered with a soap:Client fault."""


class SoapApplication(Protocol):
    """What a sandbox partner provides: its contract files, its path, and an answer per operation."""

    path: str  # e.g. /military-court/v1
    wsdl_file: Path
    xsd_file: Path
    namespace: str
    default_address: str  # the soap:address in the WSDL file, replaced by the server's own URL

    def answer(self, operation: etree._Element) -> etree._Element: ...


def hardened_parser() -> etree.XMLParser:
    """No DTD, no entity resolution, no network, no huge trees: what a hostile body gets."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )  # fmt: skip


def envelope(payload: etree._Element, prefix: str, namespace: str) -> bytes:
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, prefix: namespace})
    etree.SubElement(root, f"{{{SOAP_ENV}}}Body").append(payload)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def fault(code: str, message: str) -> bytes:
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    element = etree.SubElement(etree.SubElement(root, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultstring").text = message
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class Endpoint:
    """HTTP in, SOAP out: serves the contract files and hands each valid operation to the application."""

    def __init__(self, application: SoapApplication, prefix: str = "ns"):
        self.application, self.prefix = application, prefix
        self.schema = etree.XMLSchema(etree.parse(str(application.xsd_file), hardened_parser()))
        self.stopping = threading.Event()

    def handle(self, method: str, path: str, query: str, body: bytes, base_url: str) -> tuple[int, str, bytes]:
        app = self.application
        if method == "GET":
            if path.endswith(app.xsd_file.name):
                return 200, "text/xml; charset=utf-8", app.xsd_file.read_bytes()
            if path == app.path and query.lower() == "wsdl":
                wsdl = app.wsdl_file.read_text(encoding="utf-8").replace(app.default_address, base_url + app.path)
                return 200, "text/xml; charset=utf-8", wsdl.encode()
            return 404, "text/plain", b"not found"
        if method != "POST" or path != app.path:
            return 404, "text/plain", b"not found"
        try:
            response = app.answer(self.parse(body))
        except ClientError as error:
            return 500, "text/xml; charset=utf-8", fault("soap:Client", str(error))
        return 200, "text/xml; charset=utf-8", envelope(response, self.prefix, app.namespace)

    def parse(self, body: bytes) -> etree._Element:
        """The one operation element of a SOAP 1.1 request, validated against the XSD."""
        return parse_request(body, self.schema)


def parse_request(
    body: bytes, schema: etree.XMLSchema, authenticate: Callable[[etree._Element], None] | None = None
) -> etree._Element:
    """The one operation element of a SOAP 1.1 request, checked as a partner's gateway checks it.

    ``authenticate`` (given the envelope, raising :class:`ClientError`) runs before the body is looked at,
    so an unauthenticated caller learns nothing about the contract.
    """
    try:
        root = etree.fromstring(body, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise ClientError(f"request is not well-formed XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise ClientError("a DTD is not allowed in a request")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ClientError("not a SOAP 1.1 envelope")
    if authenticate is not None:
        authenticate(root)
    body_element = root.find(f"{{{SOAP_ENV}}}Body")
    if body_element is None or len(body_element) != 1:
        raise ClientError("the SOAP body must hold exactly one operation element")
    operation = body_element[0]
    if not schema.validate(operation):
        error = schema.error_log.last_error
        raise ClientError(f"request does not match the contract: {error.message if error else 'invalid'}")
    return operation


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:
        log.debug("sandbox soap: " + format, *args)

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 50 * 1024 * 1024:
            self.send_error(413)
            return
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        status, content_type, payload = self.server.endpoint.handle(method, path, query, body, self.server.base_url)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    endpoint: Endpoint | HttpEndpoint
    base_url: str
    ssl_context: ssl.SSLContext | None = None

    def get_request(self):
        sock, address = self.socket.accept()
        if self.ssl_context is not None:  # the handshake happens in the handler's thread, on first read
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address) -> None:
        log.debug("sandbox soap: connection from %s dropped", client_address, exc_info=True)


@dataclass
class RunningServer:
    endpoint: Endpoint | HttpEndpoint
    url: str  # the endpoint, e.g. https://127.0.0.1:PORT/military-court/v1
    base_url: str
    host: str
    port: int
    scheme: str
    _server: _Server
    _thread: threading.Thread

    @property
    def wsdl_url(self) -> str:
        return self.url + "?wsdl"

    def stop(self) -> None:
        self.endpoint.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class HttpEndpoint(Protocol):
    """What the server needs of an endpoint: one answer per HTTP request, and an event set on stop (so that a
    deliberately hanging answer ends)."""

    stopping: threading.Event

    def handle(self, method: str, path: str, query: str, body: bytes, base_url: str) -> tuple[int, str, bytes]: ...


def serve(
    endpoint: Endpoint | HttpEndpoint,
    *,
    path: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    client_ca: Path | None = None,
) -> RunningServer:
    """Serve ``endpoint`` in a background thread (HTTPS when ``certfile`` is given; mutual TLS when
    ``client_ca`` is given); return where it listens. Port 0 picks a free port. ``path`` is the service's
    path (default: the application's)."""
    server = _Server((host, port), _Handler)
    server.endpoint = endpoint
    scheme = "http"
    if certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(certfile), str(keyfile) if keyfile else None)
        if client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(str(client_ca))
        server.ssl_context = context
        scheme = "https"
    bound_port = server.server_address[1]
    server.base_url = f"{scheme}://{host}:{bound_port}"
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    url = server.base_url + (path if path is not None else endpoint.application.path)
    return RunningServer(endpoint, url, server.base_url, host, bound_port, scheme, server, thread)
