"""What the sandbox's answer desks share: the namespace, the seeded hash, the desk interface.

A desk answers one service of the contract (debtor locate, vehicles, exit orders): it names its Submit*
and Fetch* operations and the repeated elements, says how a submitted request is identified (a request
id; an order id and its version), decides what happens to it (found, not found, delayed; applied or
stale) and writes its result element. :mod:`.service` does the rest (HTTP, XSD, tickets, faults).
"""

from __future__ import annotations

import hashlib

from lxml import etree

NS = "urn:nx-hub:public-security:v1"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def h(seed: int, *parts: object) -> int:
    """A deterministic 64-bit number per seed and parts: every answer is a function of these."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def add(parent: etree._Element, tag: str, text: object) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    element.text = str(text)
    return element


class Desk:
    """One service of the contract; subclasses set the names and override what differs."""

    kind = ""
    submit_operation = ""
    fetch_operation = ""
    request_element = "request"
    result_element = "result"
    key_element = "requestId"

    def identity(self, request: dict) -> str:
        """What makes a submitted request the same request again (answered, not duplicated)."""
        return request[self.key_element]

    def key(self, identity: str) -> str:
        """The request key the answer and the duplicate list carry."""
        return identity

    def accept(self, service, identity: str, request: dict) -> None:
        """Called once per new request, in submission order (under the service's lock)."""

    def decide_again(self, service, identity: str, request: dict) -> bool:
        """Whether a request submitted before must be decided again rather than answered as a duplicate."""
        return False

    def outcome(self, service, identity: str) -> str:
        """FOUND, NOT_FOUND or DELAYED (ready after ``delay_fetches`` fetches of its ticket)."""
        bucket = h(service.seed, "outcome", self.kind, identity) % 10
        if bucket < service.not_found_share:
            return "NOT_FOUND"
        if bucket < service.not_found_share + service.delayed_share:
            return "DELAYED"
        return "FOUND"

    def result(self, service, identity: str, request: dict | None, fault: str | None) -> etree._Element:
        raise NotImplementedError
