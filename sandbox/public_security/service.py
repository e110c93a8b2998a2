"""The sandbox public-security (公安) service: SOAP 1.1 over HTTP(S), the contract in ``contracts/``.

A real server (threaded ``http.server`` on 127.0.0.1, HTTP/1.1 keep-alive, TLS by wrapping the socket)
serving the WSDL at ``?wsdl`` and the XSD beside it. Every request body is parsed with a hardened lxml
parser (no DTD, no entities, no network, no huge trees) and validated against the XSD; an invalid one is
answered with a SOAP Client fault. Each service of the contract is a desk (:mod:`.locate`, :mod:`.vehicles`,
:mod:`.exits`) that this module dispatches to by operation. Answers are deterministic per seed and request:
most are found (addresses, hotel stays…; vehicles, controls and some interceptions; exit orders applied
or stale), some are not found, some are delayed (their ticket stays incomplete for a few fetches). A
request submitted again (same id; for orders, same id and version) is answered under the new ticket with
the same result, never duplicated; a batch id submitted again gets its first ticket back.

Tests inject faults with :meth:`PublicSecurityService.inject` (each consumed by the next POST): a SOAP
fault, malformed XML, a DTD, an external entity, an entity-expansion bomb, a wrong namespace, a result
for an unknown request, a hang, HTTP 503.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path

from lxml import etree

from sandbox.public_security.common import NS, SOAP_ENV, Desk, h
from sandbox.public_security.exits import ExitDesk
from sandbox.public_security.locate import LocateDesk
from sandbox.public_security.vehicles import VehicleDesk
from sandbox.soap_server import ClientError, RunningServer, envelope, hardened_parser, parse_request, serve
from sandbox.soap_server import fault as soap_fault

log = logging.getLogger(__name__)

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "contracts" / "public_security" / "v1"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PATH = "/public-security/v1"
FAULTS = ("soap_fault", "malformed", "dtd", "external_entity", "entity_bomb", "wrong_namespace",
          "unknown_request", "hang", "http503", "bad_plate")  # fmt: skip

DESKS: tuple[Desk, ...] = (LocateDesk(), VehicleDesk(), ExitDesk())
#: operation → (desk, "submit" or "fetch")
OPERATIONS = {
    **{desk.submit_operation: (desk, "submit") for desk in DESKS},
    **{desk.fetch_operation: (desk, "fetch") for desk in DESKS},
}
BAD_PLATE = "宁A12"  # too short: what the hub's plate check must catch


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CONTRACT_DIR / "public_security.xsd"), hardened_parser()))


@dataclass
class Ticket:
    ticket_id: str
    request_ids: list[str]  # the desk's identities (request id; order id and version)
    fetches: int = 0
    kind: str = "locate"


@dataclass
class PublicSecurityService:
    """State and answers of the sandbox (thread-safe); :func:`start` serves it."""

    seed: int = 7
    delay_fetches: int = 2  # a delayed request is ready from this fetch of its ticket on
    not_found_share: int = 2  # of 10
    delayed_share: int = 1  # of 10
    username: str | None = None  # when set, a WS-Security UsernameToken with these credentials is required
    password: str | None = None
    hang_seconds: float = 30.0
    requests: dict[tuple[str, str], dict] = field(default_factory=dict)  # (desk, identity) → request received
    exit_orders: dict[str, dict] = field(default_factory=dict)  # order id → the version (and action) held
    exit_decisions: dict[str, dict] = field(default_factory=dict)  # order id:version → applied or stale
    tickets: dict[str, Ticket] = field(default_factory=dict)
    batches: dict[str, str] = field(default_factory=dict)  # batch id → ticket id
    stats: dict[str, int] = field(default_factory=lambda: {"posts": 0, "submitted": 0, "duplicates": 0})
    _faults: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _schema: etree.XMLSchema = field(default_factory=_schema)
    stopping: threading.Event = field(default_factory=threading.Event)

    # -- test hooks ------------------------------------------------------------------------------
    def inject(self, fault: str, times: int = 1) -> None:
        """The next ``times`` POSTs get ``fault`` (one of FAULTS) instead of a normal answer."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {FAULTS}")
        with self._lock:
            self._faults.extend([fault] * times)

    def outcome(self, request_id: str, kind: str = "locate") -> str:
        """FOUND, NOT_FOUND or DELAYED (found after ``delay_fetches`` fetches): deterministic per seed.
        ``kind`` names the desk (locate, vehicle, exit); for exit orders ``request_id`` is ``id:version``."""
        return _desk(kind).outcome(self, request_id)

    # -- HTTP ------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: str, body: bytes, base_url: str) -> tuple[int, str, bytes]:
        if method == "GET":
            if path.endswith("public_security.xsd"):
                return 200, "text/xml; charset=utf-8", (CONTRACT_DIR / "public_security.xsd").read_bytes()
            if path == PATH and query.lower() == "wsdl":
                wsdl = (CONTRACT_DIR / "public_security.wsdl").read_text(encoding="utf-8")
                wsdl = wsdl.replace("http://127.0.0.1:8090/public-security/v1", base_url + PATH)
                return 200, "text/xml; charset=utf-8", wsdl.encode()
            return 404, "text/plain", b"not found"
        if method != "POST" or path != PATH:
            return 404, "text/plain", b"not found"
        with self._lock:
            self.stats["posts"] += 1
            fault = self._faults.popleft() if self._faults else None
        if fault == "hang":
            self.stopping.wait(self.hang_seconds)
            return 504, "text/plain", b"gave up"
        if fault == "http503":
            return 503, "text/html", b"<html><body>Service Unavailable</body></html>"
        if fault in ("malformed", "dtd", "external_entity", "entity_bomb"):
            return 200, "text/xml; charset=utf-8", _hostile(fault)
        if fault == "soap_fault":
            return 500, "text/xml; charset=utf-8", soap_fault("soap:Server", "服务内部错误 (injected)")
        try:
            operation = self._parse(body)
        except ClientError as error:
            return 500, "text/xml; charset=utf-8", soap_fault("soap:Client", str(error))
        answer = self._answer(operation, fault=fault)
        namespace = "urn:wrong:namespace" if fault == "wrong_namespace" else NS
        return 200, "text/xml; charset=utf-8", _envelope(answer, namespace)

    def _parse(self, body: bytes) -> etree._Element:
        return parse_request(body, self._schema, self._authenticate if self.username else None)

    def _authenticate(self, root: etree._Element) -> None:
        user = root.find(f".//{{{WSSE}}}UsernameToken/{{{WSSE}}}Username")
        password = root.find(f".//{{{WSSE}}}UsernameToken/{{{WSSE}}}Password")
        if user is None or password is None or (user.text, password.text) != (self.username, self.password):
            raise ClientError("authentication failed: a valid WS-Security UsernameToken is required")

    def _answer(self, operation: etree._Element, *, fault: str | None) -> etree._Element:
        name = etree.QName(operation).localname
        if name not in OPERATIONS:  # pragma: no cover - the XSD refuses it first
            raise ClientError(f"unknown operation {name}")
        desk, step = OPERATIONS[name]
        if step == "submit":
            return self._submit(desk, operation)
        return self._fetch(desk, operation.findtext(f"{{{NS}}}ticketId"), fault)

    def _submit(self, desk: Desk, operation: etree._Element) -> etree._Element:
        batch_id = operation.findtext(f"{{{NS}}}batchId")
        received = [
            {child.tag.split("}")[1]: child.text for child in request}
            for request in operation.iterfind(f"{{{NS}}}{desk.request_element}")
        ]
        duplicates: list[str] = []
        with self._lock:
            ticket_id = self.batches.get(batch_id)
            if ticket_id is None:
                ticket_id = f"T{h(self.seed, 'ticket', batch_id):016x}"[:17]
                self.batches[batch_id] = ticket_id
                ids: list[str] = []
                for request in received:
                    identity = desk.identity(request)
                    if (desk.kind, identity) in self.requests and not desk.decide_again(self, identity, request):
                        duplicates.append(desk.key(identity))
                        self.stats["duplicates"] += 1
                    else:
                        self.requests[(desk.kind, identity)] = request
                        desk.accept(self, identity, request)
                        self.stats["submitted"] += 1
                    if identity not in ids:
                        ids.append(identity)
                self.tickets[ticket_id] = Ticket(ticket_id, ids, kind=desk.kind)
            else:  # the same batch again (a client retry): the same ticket, nothing new
                duplicates = [desk.key(desk.identity(r)) for r in received]
                self.stats["duplicates"] += len(duplicates)
        response = etree.Element(f"{{{NS}}}{desk.submit_operation}Response")
        etree.SubElement(response, f"{{{NS}}}ticketId").text = ticket_id
        etree.SubElement(response, f"{{{NS}}}accepted").text = str(len(received) - len(duplicates))
        for key in duplicates:
            etree.SubElement(response, f"{{{NS}}}duplicate").text = key
        return response

    def _fetch(self, desk: Desk, ticket_id: str, fault: str | None) -> etree._Element:
        with self._lock:
            ticket = self.tickets.get(ticket_id)
            if ticket is None or ticket.kind != desk.kind:
                raise ClientError(f"unknown ticket {ticket_id} for {desk.fetch_operation}")
            ticket.fetches += 1
            ready = [
                r for r in ticket.request_ids
                if desk.outcome(self, r) != "DELAYED" or ticket.fetches > self.delay_fetches
            ]  # fmt: skip
            pending = len(ticket.request_ids) - len(ready)
            answers = [desk.result(self, r, self.requests.get((desk.kind, r)), fault) for r in ready]
            if fault == "unknown_request":
                answers.append(desk.result(self, desk.identity({desk.key_element: "999999999", "version": "1"}),
                                           None, None))  # fmt: skip
        response = etree.Element(f"{{{NS}}}{desk.fetch_operation}Response")
        etree.SubElement(response, f"{{{NS}}}ticketId").text = ticket_id
        etree.SubElement(response, f"{{{NS}}}complete").text = "true" if pending == 0 else "false"
        etree.SubElement(response, f"{{{NS}}}pending").text = str(pending)
        for answer in answers:
            response.append(answer)
        if fault == "bad_plate":
            plate = response.find(f".//{{{NS}}}vehicle/{{{NS}}}plate")
            if plate is not None:
                plate.text = BAD_PLATE
        return response


def _desk(kind: str) -> Desk:
    for desk in DESKS:
        if desk.kind == kind:
            return desk
    raise ValueError(f"unknown desk {kind!r}; known: {[desk.kind for desk in DESKS]}")


def _envelope(payload: etree._Element, namespace: str) -> bytes:
    if namespace != NS:
        payload = etree.fromstring(etree.tostring(payload).replace(NS.encode(), namespace.encode()))
    return envelope(payload, "ps", namespace)


def _hostile(kind: str) -> bytes:
    """Responses a client must refuse, not parse."""
    body = (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><ps:FetchLocateResultsResponse xmlns:ps="{NS}">'
        "<ps:ticketId>&x;</ps:ticketId><ps:complete>true</ps:complete><ps:pending>0</ps:pending>"
        "</ps:FetchLocateResultsResponse></soap:Body></soap:Envelope>"
    )
    if kind == "malformed":
        return f'<?xml version="1.0"?><soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body><unclosed>'.encode()
    if kind == "dtd":
        return ('<?xml version="1.0"?><!DOCTYPE soap:Envelope [<!ENTITY x "T1">]>' + body).encode()
    if kind == "external_entity":
        return ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + body).encode()
    lol = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    return ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY l0 "lol">' + lol + '<!ENTITY x "&l9;">]>' + body).encode()


class RunningService(RunningServer):
    """The running sandbox: its URL and the service (state, answers, fault injection) it serves."""

    @property
    def service(self) -> PublicSecurityService:
        return self.endpoint


def start(
    service: PublicSecurityService | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    client_ca: Path | None = None,
) -> RunningService:
    """Serve ``service`` in a background thread (HTTPS when ``certfile`` is given; mutual TLS when
    ``client_ca`` is given) on the shared sandbox server (:mod:`sandbox.soap_server`); return where it listens.
    Port 0 picks a free port."""
    running = serve(
        service or PublicSecurityService(), path=PATH, host=host, port=port, certfile=certfile, keyfile=keyfile,
        client_ca=client_ca,
    )  # fmt: skip
    return RunningService(**{f.name: getattr(running, f.name) for f in fields(running)})


def serve_forever(host: str = "127.0.0.1", port: int = 8090) -> None:  # pragma: no cover - manual use
    running = start(host=host, port=port)
    log.warning("sandbox public security at %s", running.url)
    while True:
        time.sleep(3600)
