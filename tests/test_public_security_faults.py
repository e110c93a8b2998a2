"""Faults on the SOAP link to public security, each refused with a clear error; nothing lost or loaded twice.

Client level (connectors.soap against the HTTPS sandbox): SOAP fault (not retried), malformed XML, a
DTD, an external entity and an entity-expansion bomb (refused, not parsed), a wrong namespace, a server
that never answers (timeout), 503 then recovery (retried), expired and untrusted certificates (refused),
mutual TLS and WS-Security UsernameToken. Flow level: a fault while fetching leaves the ticket awaited, is
a ledger entry, and the next fetch loads everything exactly once."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from connectors.soap import SoapPartner, SoapSettings
from hub import ledger
from hub.casesystem import locate_results
from hub.db.models import PendingExchange, Watermark
from hub.errors import PartnerFault, PartnerResponseRefused, PartnerUnavailable
from hub.public_security import orchestration
from hub.public_security.flows import BINDING
from hub.public_security.transport import contract_wsdl
from sandbox.public_security import PublicSecurityService, start
from tests.ps_support import pki_fixture, ps_https_fixture, ps_world_fixture, soap_connection  # noqa: F401

REQUEST = {"requestId": "1", "name": "张三", "idType": "01", "idNumber": "640104199001011234",
           "caseNo": "（2019）宁0104执123号", "courtCode": "宁0104"}  # fmt: skip


def client(running, ca, **overrides) -> SoapPartner:
    values = {"partner": "public_security", "url": running.url, "wsdl": str(contract_wsdl()), "binding": BINDING,
              "ca_bundle": str(ca) if ca else None, "connect_timeout": 1, "read_timeout": 1, "retries": 2,
              "backoff": 0.05, **overrides}  # fmt: skip
    return SoapPartner(SoapSettings(**values))


@pytest.fixture
def ticket(ps_https, pki) -> tuple[SoapPartner, str]:
    partner = client(ps_https, pki.ca)
    answer = partner.call("SubmitLocateBatch", batchId="b1", request=[REQUEST])
    return partner, answer["ticketId"]


def test_a_soap_fault_is_a_business_answer_and_never_retried(ps_https, ticket):
    partner, ticket_id = ticket
    posts = ps_https.service.stats["posts"]
    ps_https.service.inject("soap_fault")
    with pytest.raises(PartnerFault, match=r"operation FetchLocateResults, requests T\w+: .*SOAP fault"):
        partner.call("FetchLocateResults", request_ids=[ticket_id], ticketId=ticket_id)
    assert ps_https.service.stats["posts"] == posts + 1


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        ("malformed", "not well-formed"),
        ("dtd", "DTDForbidden"),
        ("external_entity", "DTDForbidden"),
        ("entity_bomb", "entity|DTD"),
        ("wrong_namespace", "Unexpected element"),
    ],
)
def test_hostile_or_broken_responses_are_refused_unparsed(ps_https, ticket, fault, why):
    partner, ticket_id = ticket
    posts = ps_https.service.stats["posts"]
    ps_https.service.inject(fault)
    with pytest.raises(PartnerResponseRefused, match=why):
        partner.call("FetchLocateResults", ticketId=ticket_id)
    assert ps_https.service.stats["posts"] == posts + 1  # refused, not retried


def test_a_server_that_never_answers_times_out_after_the_retries(ps_https, ticket):
    partner, ticket_id = ticket
    ps_https.service.inject("hang", times=3)
    started = time.monotonic()
    with pytest.raises(PartnerUnavailable, match=r"gave up after 3 attempts; last: ReadTimeout"):
        partner.call("FetchLocateResults", ticketId=ticket_id)
    assert time.monotonic() - started < 10


def test_503_then_recovery_is_retried_with_backoff(ps_https, ticket):
    partner, ticket_id = ticket
    posts = ps_https.service.stats["posts"]
    ps_https.service.inject("http503", times=2)
    answer = partner.call("FetchLocateResults", ticketId=ticket_id)
    assert answer["ticketId"] == ticket_id and ps_https.service.stats["posts"] == posts + 3


@pytest.mark.parametrize("certificate", ["expired", "untrusted"])
def test_an_expired_or_untrusted_certificate_is_refused(pki, certificate):
    pair = getattr(pki, certificate)
    running = start(PublicSecurityService(), certfile=pair.cert, keyfile=pair.key)
    try:
        with pytest.raises(PartnerUnavailable, match=r"TLS refused.*CERTIFICATE_VERIFY_FAILED"):
            client(running, pki.ca).call("SubmitLocateBatch", batchId="b1", request=[REQUEST])
        assert running.service.stats["posts"] == 0
    finally:
        running.stop()


def test_mutual_tls_needs_the_client_certificate(pki):
    running = start(PublicSecurityService(), certfile=pki.server.cert, keyfile=pki.server.key, client_ca=pki.ca)
    try:
        with pytest.raises(PartnerUnavailable):
            client(running, pki.ca, retries=0).call("SubmitLocateBatch", batchId="b1", request=[REQUEST])
        with_cert = client(running, pki.ca, client_cert=str(pki.client.cert), client_key=str(pki.client.key))
        assert with_cert.call("SubmitLocateBatch", batchId="b1", request=[REQUEST])["accepted"] == 1
    finally:
        running.stop()


def test_ws_security_username_token(pki):
    service = PublicSecurityService(username="court-hub", password="s3cret")
    running = start(service, certfile=pki.server.cert, keyfile=pki.server.key)
    try:
        with pytest.raises(PartnerFault, match="authentication failed"):
            client(running, pki.ca, username="court-hub", password="wrong").call(
                "SubmitLocateBatch", batchId="b1", request=[REQUEST]
            )
        good = client(running, pki.ca, username="court-hub", password="s3cret")
        assert good.call("SubmitLocateBatch", batchId="b1", request=[REQUEST])["accepted"] == 1
    finally:
        running.stop()


def test_the_sandbox_refuses_a_request_with_a_dtd(ps_https):
    import requests

    body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "1">]><x>&e;</x>'
    response = requests.post(ps_https.url, data=body, verify=False, timeout=5)
    assert response.status_code == 500 and b"soap:Client" in response.content


FLOW_FAULTS = [
    ("soap_fault", 1, PartnerFault),
    ("malformed", 1, PartnerResponseRefused),
    ("dtd", 1, PartnerResponseRefused),
    ("external_entity", 1, PartnerResponseRefused),
    ("entity_bomb", 1, PartnerResponseRefused),
    ("wrong_namespace", 1, PartnerResponseRefused),
    ("hang", 3, PartnerUnavailable),
    ("http503", 3, PartnerUnavailable),
]


@pytest.mark.mariadb
@pytest.mark.parametrize(("fault", "times", "error"), FLOW_FAULTS, ids=[f[0] for f in FLOW_FAULTS])
def test_a_fault_while_fetching_loses_nothing_and_loads_nothing_twice(ps_world, monkeypatch, fault, times, error):
    monkeypatch.setenv("AIRFLOW_CONN_PUBLIC_SECURITY", soap_connection(ps_world.service, ps_world.ca, read_timeout=1))
    submitted = orchestration.submit("debtor_locate")
    ps_world.service.service.inject(fault, times=times)
    with pytest.raises(error):
        orchestration.collect_results("debtor_locate", wait_seconds=0)
    table = PendingExchange.__table__
    with ps_world.hub.connect() as connection:
        assert connection.execute(select(table.c.status)).scalars().all() == ["AWAITING"]
    (failure,) = [
        e for e in ledger.entries(ps_world.hub, flow="debtor_locate", limit=100_000) if e["outcome"] == "fetch_failed"
    ]
    assert error.__name__ not in failure["reason"] and "FetchLocateResults" in failure["reason"]
    with ps_world.case.connect() as connection:
        assert connection.execute(select(func.count()).select_from(locate_results)).scalar_one() == 0
    orchestration.collect_results("debtor_locate", wait_seconds=10)
    orchestration.collect_results("debtor_locate", wait_seconds=0)
    with ps_world.case.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(locate_results)).scalar_one() == submitted["delivered"]
        )
    assert ledger.verify(ps_world.hub).ok


@pytest.mark.mariadb
def test_an_untrusted_partner_certificate_stops_the_submit_before_anything_moves(ps_world, pki, monkeypatch):
    other = start(PublicSecurityService(), certfile=pki.untrusted.cert, keyfile=pki.untrusted.key)
    try:
        monkeypatch.setenv("AIRFLOW_CONN_PUBLIC_SECURITY", soap_connection(other, pki.ca))
        with pytest.raises(PartnerUnavailable, match="TLS refused"):
            orchestration.submit("debtor_locate")
    finally:
        other.stop()
    with ps_world.hub.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Watermark.__table__)).scalar_one() == 0
    assert [e["outcome"] for e in ledger.entries(ps_world.hub, flow="debtor_locate", limit=100_000)][-1] == "failed"
    assert other.service.stats["posts"] == 0


@pytest.mark.mariadb
def test_a_fault_among_tickets_fetched_at_once_loses_nothing_and_loads_nothing_twice(ps_world, monkeypatch):
    """Several tickets are fetched concurrently; one fetch fails: the answers before it are loaded, the
    tickets after it stay awaited, and the next collect loads the rest, each result once."""
    monkeypatch.setenv("AIRFLOW_CONN_PUBLIC_SECURITY", soap_connection(ps_world.service, ps_world.ca))
    monkeypatch.setenv("HUB_CHUNK_SIZE", "3")
    submitted = orchestration.submit("debtor_locate")
    assert len(submitted["tickets"]) >= 4
    ps_world.service.service.inject("soap_fault", times=1)
    with pytest.raises(PartnerFault):
        orchestration.collect_results("debtor_locate", wait_seconds=0)
    failures = [
        e for e in ledger.entries(ps_world.hub, flow="debtor_locate", limit=100_000) if e["outcome"] == "fetch_failed"
    ]
    assert len(failures) == 1
    orchestration.collect_results("debtor_locate", wait_seconds=10)
    with ps_world.case.connect() as connection:
        loaded = connection.execute(select(func.count()).select_from(locate_results)).scalar_one()
    assert loaded == submitted["delivered"]
    table = PendingExchange.__table__
    with ps_world.hub.connect() as connection:
        assert set(connection.execute(select(table.c.status)).scalars()) == {"COMPLETE"}
    assert ledger.verify(ps_world.hub).ok
