"""The sandbox military court (军事法院): the contract in ``contracts/military_court/v1``, both directions.

Served by :mod:`sandbox.soap_server` (real HTTP(S), hardened parsing, XSD validation). Deterministic per
seed. It

* takes Ningxia's assistance requests (a request id it holds already is answered DUPLICATE, or UPDATED
  for a newer version, never held twice) and moves each forward over the hub's status fetches: ACCEPTED,
  IN_PROGRESS, DONE, or, for about one in five, REFUSED with a reason;
* has requests of its own waiting for Ningxia's courts, in a feed numbered by sequence: one per case it is
  given, two for case numbers Ningxia's courts do not have, and one request sent twice (a duplicate);
* takes the hub's status reports on its own requests (and Ningxia's withdrawals of Ningxia's requests)
  by the same rules as the hub: changes are numbered per request; a status never goes backwards; in a
  conflict (both sides changed a request since they last agreed) the handling side's change stands and
  the requesting side's withdrawal is dropped.

Test hooks: :meth:`MilitaryCourtService.withdraw` (the court withdraws one of its requests),
:meth:`MilitaryCourtService.advance` (move Ningxia's requests one step now), :meth:`push_change` (put any
change, even a bad one, into the feed), ``advancing`` (False: fetches do not move anything).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from lxml import etree

from sandbox.soap_server import ClientError, Endpoint, RunningServer, serve

CONTRACT_DIR = Path(__file__).resolve().parents[2] / "contracts" / "military_court" / "v1"
NS = "urn:nx-hub:military-court:v1"
PATH = "/military-court/v1"
BASE_TIME = datetime(2026, 11, 21, 8, 0, 0)
KINDS = ("SERVICE", "LOCATE", "ASSET", "CONTROL", "DISPOSAL")
#: How far along a status is; a change to a lower rank, or out of a terminal status, goes backwards.
RANK = {"ACCEPTED": 1, "IN_PROGRESS": 2, "DONE": 3, "REFUSED": 3, "WITHDRAWN": 3}
TERMINAL = ("DONE", "REFUSED", "WITHDRAWN")
REFUSALS = ("被执行人已退役，非本院管辖", "请求事项不属于军事法院协助范围", "所附法律文书不全，请补正后重新提交")
MILITARY_COURTS = ("西部战区军事法院", "兰州军事法院")
UNKNOWN_CASES = (("（2015）宁0104执99901号", "宁0104"), ("（2016）宁0205执99902号", "宁0205"))


def _h(seed: int, *parts: object) -> int:
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _text(element: etree._Element, name: str) -> str | None:
    return element.findtext(f"{{{NS}}}{name}")


@dataclass
class Held:
    """One request as the military court knows it: its status, the number of its last change, history."""

    request: dict
    version: int = 1
    status: str | None = None
    seq: int = 0
    history: dict[int, tuple[str, str]] = field(default_factory=dict)  # seq → (status, requested side's word)


@dataclass
class MilitaryCourtService:
    """State and answers of the sandbox (thread-safe); :func:`start` serves it."""

    seed: int = 7
    cases: list[dict] = field(default_factory=list)  # Ningxia cases it asks about: case_no, court_code, name, ...
    refused_share: int = 2  # of 10 of Ningxia's requests are refused
    advancing: bool = True  # each FetchStatusChanges moves every open Ningxia request one step
    path: str = PATH
    wsdl_file: Path = CONTRACT_DIR / "military_court.wsdl"
    xsd_file: Path = CONTRACT_DIR / "military_court.xsd"
    namespace: str = NS
    default_address: str = "http://127.0.0.1:8091/military-court/v1"
    ningxia: dict[str, Held] = field(default_factory=dict)  # Ningxia's requests, by request id
    own: dict[str, Held] = field(default_factory=dict)  # the court's requests to Ningxia, by request id
    incoming_feed: list[dict] = field(default_factory=list)
    status_feed: list[dict] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=lambda: {"submitted": 0, "duplicates": 0, "reports": 0})
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        for n, case in enumerate(self.cases):
            self.file_request(f"JF{self.seed}-{n + 1:04d}", case, n)
        for n, (case_no, court) in enumerate(UNKNOWN_CASES):
            subject = {"name": "王某某", "id_type": "RIC", "id_number": "640104198001010011", "kind": "PERSON"}
            self.file_request(
                f"JF{self.seed}-X{n + 1:03d}", {"case_no": case_no, "court_code": court, **subject}, 90 + n
            )
        if self.incoming_feed:  # the first request sent again (a resend after a timeout on their side)
            first = dict(self.incoming_feed[0])
            self.incoming_feed.append({**first, "sequence": len(self.incoming_feed) + 1})

    def file_request(self, request_id: str, case: dict, n: int = 0) -> None:
        """The court files a request to a Ningxia court (``case``: case_no or None, court_code, subject)."""
        h = _h(self.seed, "own", request_id)
        request = {
            "sequence": len(self.incoming_feed) + 1, "requestId": request_id, "kind": KINDS[h % len(KINDS)],
            "militaryCourt": MILITARY_COURTS[(h >> 8) % len(MILITARY_COURTS)], "caseNo": case.get("case_no"),
            "courtCode": case["court_code"],
            "subject": {"name": case["name"], "idType": case["id_type"], "idNumber": case["id_number"],
                        "kind": case["kind"]},
            "ask": f"请协助{('送达法律文书', '查找当事人下落', '调查财产', '布控', '处置财产')[h % 5]}（涉军案件）",
            "dueDate": date(2026, 12, 31) - timedelta(days=n), "issuedAt": BASE_TIME + timedelta(hours=n),
        }  # fmt: skip
        with self._lock:
            request["sequence"] = len(self.incoming_feed) + 1
            self.incoming_feed.append(request)
            self.own[request_id] = Held(request)

    # -- test hooks ------------------------------------------------------------------------------
    def outcome(self, request_id: str) -> str:
        """DONE or REFUSED: where Ningxia's request ends, deterministic per seed."""
        return "REFUSED" if _h(self.seed, "outcome", request_id) % 10 < self.refused_share else "DONE"

    def advance(self) -> int:
        """Move every open Ningxia request one step along its plan; return how many changed."""
        moved = 0
        with self._lock:
            for request_id, held in self.ningxia.items():
                step = self._next_step(request_id, held)
                if step is not None:
                    self._change(held, request_id, "NINGXIA", *step)
                    moved += 1
        return moved

    def _next_step(self, request_id: str, held: Held) -> tuple[str, str | None] | None:
        if held.status in TERMINAL:
            return None
        if self.outcome(request_id) == "REFUSED":
            return "REFUSED", REFUSALS[_h(self.seed, "why", request_id) % len(REFUSALS)]
        plan = {None: "ACCEPTED", "ACCEPTED": "IN_PROGRESS", "IN_PROGRESS": "DONE"}
        return plan[held.status], None

    def withdraw(self, request_id: str, reason: str = "当事人已自动履行，撤回协助请求") -> int:
        """The court withdraws one of its own requests; returns the change's seq."""
        with self._lock:
            held = self.own[request_id]
            return self._change(held, request_id, "MILITARY", "WITHDRAWN", reason)

    def push_change(
        self, request_id: str, status: str, *, requested_by: str = "NINGXIA", seq: int | None = None,
        reason: str | None = None,
    ) -> dict:  # fmt: skip
        """Put a change into the feed as it is, without checking it (for bad-input tests)."""
        with self._lock:
            book = self.ningxia if requested_by == "NINGXIA" else self.own
            held = book.get(request_id)
            number = seq if seq is not None else (held.seq + 1 if held else 1)
            entry = self._feed_entry(request_id, requested_by, status, number, reason)
            if held is not None:
                held.seq = max(held.seq, number)
            return entry

    def _change(self, held: Held, request_id: str, side: str, status: str, reason: str | None) -> int:
        held.seq += 1
        held.status = status
        held.history[held.seq] = (status, reason or "")
        self._feed_entry(request_id, side, status, held.seq, reason)
        return held.seq

    def _feed_entry(self, request_id: str, side: str, status: str, seq: int, reason: str | None) -> dict:
        sequence = len(self.status_feed) + 1
        entry = {"sequence": sequence, "requestId": request_id, "requestedBy": side, "status": status, "seq": seq,
                 "changedAt": BASE_TIME + timedelta(minutes=sequence), "reason": reason}  # fmt: skip
        self.status_feed.append(entry)
        return entry

    # -- the operations --------------------------------------------------------------------------
    def answer(self, operation: etree._Element) -> etree._Element:
        name = etree.QName(operation).localname
        with self._lock:
            if name == "SubmitAssistanceRequests":
                return self._submit(operation)
            if name == "FetchIncomingRequests":
                return self._page("FetchIncomingRequestsResponse", "request", self.incoming_feed, operation)
            if name == "FetchStatusChanges":
                if self.advancing:
                    self.advance()
                return self._page("FetchStatusChangesResponse", "change", self.status_feed, operation)
            if name == "ReportStatusChanges":
                return self._report(operation)
        raise ClientError(f"unknown operation {name}")  # pragma: no cover - the XSD refuses it first

    def _submit(self, operation: etree._Element) -> etree._Element:
        response = etree.Element(f"{{{NS}}}SubmitAssistanceRequestsResponse")
        for element in operation.iterfind(f"{{{NS}}}request"):
            request_id, version = _text(element, "requestId"), int(_text(element, "version"))
            held = self.ningxia.get(request_id)
            if held is None:
                self.ningxia[request_id] = Held(_plain(element), version)
                result = "NEW"
                self.stats["submitted"] += 1
            elif version > held.version:
                held.request, held.version, result = _plain(element), version, "UPDATED"
            else:
                result = "DUPLICATE"
                self.stats["duplicates"] += 1
            receipt = etree.SubElement(response, f"{{{NS}}}receipt")
            etree.SubElement(receipt, f"{{{NS}}}requestId").text = request_id
            etree.SubElement(receipt, f"{{{NS}}}result").text = result
        return response

    def _page(self, name: str, item: str, feed: list[dict], operation: etree._Element) -> etree._Element:
        after = int(_text(operation, "afterSequence"))
        limit = int(_text(operation, "maxCount") or 100)
        later = [entry for entry in feed if entry["sequence"] > after]
        page = later[:limit]
        response = etree.Element(f"{{{NS}}}{name}")
        for entry in page:
            _build(etree.SubElement(response, f"{{{NS}}}{item}"), entry)
        etree.SubElement(response, f"{{{NS}}}lastSequence").text = str(page[-1]["sequence"] if page else after)
        etree.SubElement(response, f"{{{NS}}}more").text = "true" if len(later) > limit else "false"
        return response

    def _report(self, operation: etree._Element) -> etree._Element:
        response = etree.Element(f"{{{NS}}}ReportStatusChangesResponse")
        for change in operation.iterfind(f"{{{NS}}}change"):
            request_id, side = _text(change, "requestId"), _text(change, "requestedBy")
            status, seq, reason = _text(change, "status"), int(_text(change, "seq")), _text(change, "reason")
            result, why = self._apply_report(request_id, side, status, seq, reason)
            self.stats["reports"] += 1
            receipt = etree.SubElement(response, f"{{{NS}}}receipt")
            for tag, text in (("requestId", request_id), ("requestedBy", side), ("seq", str(seq)), ("result", result)):
                etree.SubElement(receipt, f"{{{NS}}}{tag}").text = text
            if why:
                etree.SubElement(receipt, f"{{{NS}}}reason").text = why[:256]
        return response

    def _apply_report(self, request_id: str, side: str, status: str, seq: int, reason: str | None):
        """The court's side of the status rules (docs/military_court.md): (result, reason)."""
        book = self.own if side == "MILITARY" else self.ningxia
        held = book.get(request_id)
        if held is None:
            return "REFUSED", f"request {request_id} ({side}) is unknown here"
        hub_is_handler = side == "MILITARY"  # Ningxia handles the court's requests
        if not hub_is_handler and status != "WITHDRAWN":
            return "REFUSED", f"request {request_id}: the requesting side may only withdraw, not set {status}"
        if seq in held.history:
            mine = held.history[seq][0]
            if mine == status:
                return "ALREADY_APPLIED", None
            if hub_is_handler and mine == "WITHDRAWN":  # conflict: the handling side's change stands
                held.history[seq] = (status, reason or "")
                held.status = status if seq == held.seq else held.status
                return "APPLIED", f"conflict: our withdrawal at seq {seq} dropped, the handling side's {status} stands"
            return (
                "REFUSED",
                f"conflict: request {request_id} changed to {mine} at seq {seq}; the handling side's change stands",
            )
        if seq <= held.seq:
            return "REFUSED", f"request {request_id}: change {seq} comes after {held.seq} here: out of order"
        if held.status in TERMINAL or (held.status and RANK[status] < RANK[held.status]):
            return "REFUSED", f"request {request_id}: {held.status} → {status} goes backwards"
        held.seq, held.status = seq, status
        held.history[seq] = (status, reason or "")
        return "APPLIED", None


def _plain(element: etree._Element) -> dict:
    return {etree.QName(child).localname: (_plain(child) if len(child) else child.text) for child in element}


def _build(parent: etree._Element, entry: dict) -> None:
    for name, value in entry.items():
        if value is None:
            continue
        child = etree.SubElement(parent, f"{{{NS}}}{name}")
        if isinstance(value, dict):
            _build(child, value)
        elif isinstance(value, datetime | date):
            child.text = value.isoformat()
        else:
            child.text = str(value)


@dataclass
class RunningCourt:
    service: MilitaryCourtService
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def scheme(self) -> str:
        return self.server.scheme

    def stop(self) -> None:
        self.server.stop()


def start(
    service: MilitaryCourtService | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    client_ca: Path | None = None,
) -> RunningCourt:
    """Serve ``service`` in a background thread (HTTPS with ``certfile``, mutual TLS with ``client_ca``)."""
    service = service or MilitaryCourtService()
    server = serve(Endpoint(service, prefix="mc"), host=host, port=port, certfile=certfile, keyfile=keyfile,
                   client_ca=client_ca)  # fmt: skip
    return RunningCourt(service, server)
