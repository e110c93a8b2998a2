"""The military-court contract as the sandbox serves and enforces it (HTTPS, test CA): the WSDL points at
the running service, a request that breaks the XSD or carries a DTD is refused with a SOAP Client fault
(the hub's client raises PartnerFault naming the operation and the requests), and a resubmitted request
is answered DUPLICATE, a newer version UPDATED, never held twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from connectors.soap import SoapPartner, SoapSettings
from hub.errors import PartnerFault
from hub.military.flows import BINDING
from hub.military.transport import contract_wsdl
from sandbox.military_court import MilitaryCourtService, RunningCourt, start
from tests.ps_support import pki_fixture  # noqa: F401  (fixtures)

REQUEST = {
    "requestId": "41", "version": 1, "kind": "LOCATE", "caseNo": "（2020）宁0104执1号", "courtCode": "宁0104",
    "subject": {"name": "张三", "idType": "RIC", "idNumber": "640104199001011234", "kind": "PERSON"},
    "ask": "请协助查找被执行人下落", "dueDate": "2026-12-31",
}  # fmt: skip


@pytest.fixture(name="court")
def court_fixture(pki) -> Iterator[tuple[RunningCourt, SoapPartner]]:
    running = start(MilitaryCourtService(seed=7), certfile=pki.server.cert, keyfile=pki.server.key)
    settings = SoapSettings(partner="military_court", url=running.url, wsdl=str(contract_wsdl()), binding=BINDING,
                            ca_bundle=str(pki.ca), connect_timeout=2, read_timeout=5, retries=0)  # fmt: skip
    client = SoapPartner(settings)
    yield running, client
    client.close()
    running.stop()


def test_the_sandbox_serves_the_contract_with_its_own_address(court, pki):
    running, _ = court
    wsdl = requests.get(running.url + "?wsdl", verify=str(pki.ca), timeout=5).text
    assert f'location="{running.url}"' in wsdl and "MilitaryCourtBinding" in wsdl
    xsd = requests.get(running.server.base_url + "/military-court/military_court.xsd", verify=str(pki.ca), timeout=5)
    assert xsd.status_code == 200 and b"urn:nx-hub:military-court:v1" in xsd.content


def test_a_request_that_breaks_the_contract_is_refused_with_a_client_fault(court):
    _, client = court
    with pytest.raises(PartnerFault, match=r"operation SubmitAssistanceRequests, requests 41: .*soap:Client.*contract"):
        client.call("SubmitAssistanceRequests", request_ids=["41"], request=[{**REQUEST, "kind": "ARREST"}])
    assert court[0].service.ningxia == {}  # nothing held


def test_a_request_body_with_a_dtd_is_refused_unparsed(court, pki):
    running, _ = court
    body = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&x;</soap:Body>'
            "</soap:Envelope>")  # fmt: skip
    answer = requests.post(running.url, data=body.encode(), verify=str(pki.ca), timeout=5,
                           headers={"Content-Type": "text/xml; charset=utf-8"})  # fmt: skip
    assert answer.status_code == 500 and b"soap:Client" in answer.content and b"root:" not in answer.content


def test_a_resubmitted_request_is_answered_not_held_twice(court):
    running, client = court
    assert client.call("SubmitAssistanceRequests", request=[REQUEST]) == [{"requestId": "41", "result": "NEW"}]
    again = client.call("SubmitAssistanceRequests", request=[REQUEST])
    assert again == [{"requestId": "41", "result": "DUPLICATE"}]
    newer = client.call("SubmitAssistanceRequests", request=[{**REQUEST, "version": 2, "ask": "请协助送达"}])
    assert newer == [{"requestId": "41", "result": "UPDATED"}]
    assert list(running.service.ningxia) == ["41"] and running.service.ningxia["41"].version == 2
    assert running.service.stats["submitted"] == 1
