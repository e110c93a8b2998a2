"""The SOAP transport's compiled path (connectors.soap_codec, connectors.soap_xsd) checked against zeep itself.

Answers: the compiled converter gives exactly what zeep gives for the same bytes (values, Python types,
key order, absent optional → None, repeated → list, zeep's unwrapping of single-child answers), on the
public-security contract served by the sandbox and on a test contract with ints, longs, booleans, decimals,
doubles, dates and date-times in several lexical forms, enumerations, nested and empty elements; shapes it
does not compile (attributes, xsi:nil) are read by zeep. Requests: the same XML zeep writes, the same
headers, and zeep's own errors for bad arguments. A response that breaks the XSD is refused naming the
partner, the operation and where; hostile XML is refused (a DTD before parsing, undeclared entities, a
huge tree, a DTD in UTF-16)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from lxml import etree
from zeep.exceptions import ValidationError

from connectors.soap import SoapPartner, SoapSettings
from connectors.soap_codec import ResponseRefused, has_doctype, plain
from hub.errors import PartnerResponseRefused
from hub.public_security.flows import BINDING
from hub.public_security.transport import contract_wsdl
from sandbox.public_security import PublicSecurityService, start

REQUEST = {"requestId": "1", "name": "张三 & <李四>", "idType": "01", "idNumber": "640104199001011234",
           "caseNo": "（2019）宁0104执123号", "courtCode": "宁0104"}  # fmt: skip
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "urn:test:codec"
XSD_TYPES = f"""
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:t="{TNS}" targetNamespace="{TNS}"
           elementFormDefault="qualified">
  <xs:simpleType name="Colour"><xs:restriction base="xs:string">
    <xs:enumeration value="RED"/><xs:enumeration value="GREEN"/></xs:restriction></xs:simpleType>
  <xs:complexType name="Point"><xs:sequence>
    <xs:element name="x" type="xs:int"/><xs:element name="y" type="xs:decimal" minOccurs="0"/>
  </xs:sequence></xs:complexType>
  <xs:complexType name="Note"><xs:sequence>
    <xs:element name="text" type="xs:string" minOccurs="0"/><xs:element name="lang" type="xs:string" minOccurs="0"/>
  </xs:sequence></xs:complexType>
  <xs:complexType name="Item"><xs:sequence>
    <xs:element name="id" type="xs:string"/>
    <xs:element name="count" type="xs:int"/>
    <xs:element name="big" type="xs:long" minOccurs="0"/>
    <xs:element name="ok" type="xs:boolean"/>
    <xs:element name="at" type="xs:dateTime" minOccurs="0"/>
    <xs:element name="on" type="xs:date" minOccurs="0"/>
    <xs:element name="price" type="xs:decimal" minOccurs="0" nillable="true"/>
    <xs:element name="ratio" type="xs:double" minOccurs="0"/>
    <xs:element name="colour" type="t:Colour" minOccurs="0"/>
    <xs:element name="tag" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
    <xs:element name="point" type="t:Point" minOccurs="0" maxOccurs="unbounded"/>
    <xs:element name="note" type="t:Note" minOccurs="0"/>
  </xs:sequence></xs:complexType>
  <xs:complexType name="Wrapper"><xs:sequence><xs:element name="value" type="xs:int"/></xs:sequence></xs:complexType>
  <xs:complexType name="Flagged"><xs:sequence><xs:element name="v" type="xs:string"/></xs:sequence>
    <xs:attribute name="flag" type="xs:string"/></xs:complexType>
  <xs:element name="Put"><xs:complexType><xs:sequence>
    <xs:element name="batch" type="xs:string"/><xs:element name="item" type="t:Item" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="PutResponse"><xs:complexType><xs:sequence>
    <xs:element name="item" type="t:Item" minOccurs="0" maxOccurs="unbounded"/><xs:element name="total" type="xs:int"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="Ping" type="t:Wrapper"/>
  <xs:element name="PingResponse"><xs:complexType><xs:sequence><xs:element name="echo" type="t:Point"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="Count" type="t:Wrapper"/>
  <xs:element name="CountResponse"><xs:complexType><xs:sequence><xs:element name="wrapped" type="t:Wrapper"/>
  </xs:sequence></xs:complexType></xs:element>
  <xs:element name="Flag" type="t:Wrapper"/>
  <xs:element name="FlagResponse"><xs:complexType><xs:sequence><xs:element name="f" type="t:Flagged"/>
    <xs:element name="n" type="xs:int"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>"""
OPERATIONS = ("Put", "Ping", "Count", "Flag")


def _test_wsdl() -> str:
    messages = "".join(
        f'<wsdl:message name="{op}{d}"><wsdl:part name="body" element="t:{op}{s}"/></wsdl:message>'
        for op in OPERATIONS for d, s in (("In", ""), ("Out", "Response"))
    )  # fmt: skip
    port = "".join(
        f'<wsdl:operation name="{op}"><wsdl:input message="t:{op}In"/><wsdl:output message="t:{op}Out"/>'
        "</wsdl:operation>" for op in OPERATIONS
    )  # fmt: skip
    binding = "".join(
        f'<wsdl:operation name="{op}"><soap:operation soapAction="{TNS}#{op}"/><wsdl:input><soap:body use="literal"/>'
        '</wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>' for op in OPERATIONS
    )  # fmt: skip
    return (
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"'
        f' xmlns:t="{TNS}" targetNamespace="{TNS}"><wsdl:types>{XSD_TYPES}</wsdl:types>{messages}'
        f'<wsdl:portType name="P">{port}</wsdl:portType><wsdl:binding name="B" type="t:P">'
        f'<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>{binding}</wsdl:binding>'
        '<wsdl:service name="S"><wsdl:port name="P" binding="t:B"><soap:address location="http://127.0.0.1:9/x"/>'
        "</wsdl:port></wsdl:service></wsdl:definitions>"
    )


@pytest.fixture(scope="module")
def test_partner(tmp_path_factory) -> SoapPartner:
    path = tmp_path_factory.mktemp("contract") / "codec.wsdl"
    path.write_text(_test_wsdl(), encoding="utf-8")
    return SoapPartner(SoapSettings("test_partner", "http://127.0.0.1:9/x", str(path), f"{{{TNS}}}B"))


@pytest.fixture
def ps_http():
    running = start(PublicSecurityService(seed=7, delay_fetches=1))
    yield running
    running.stop()


def ps_partner(url: str, **overrides) -> SoapPartner:
    return SoapPartner(SoapSettings("public_security", url, str(contract_wsdl()), BINDING, **overrides))


def response(content: bytes, status: int = 200) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer._content = status, content
    answer.headers["Content-Type"] = "text/xml; charset=utf-8"
    return answer


def envelope(body: str, *, declarations: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{ENV}" xmlns:t="{TNS}"{declarations}>'
            f"<soap:Body>{body}</soap:Body></soap:Envelope>").encode()  # fmt: skip


def shape(value):
    """Values with their exact Python types and dict key order, for comparisons that see both."""
    if isinstance(value, dict):
        return ("dict", [(key, shape(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [shape(item) for item in value])
    return (type(value), value, getattr(value, "tzinfo", None).__class__)


def zeep_reads(partner: SoapPartner, operation: str, content: bytes):
    codec = partner.codec
    return plain(codec.binding.process_reply(codec.client, codec._plans[operation].operation, response(content)))


def compiled_reads(partner: SoapPartner, operation: str, content: bytes, monkeypatch):
    """The codec's answer, with zeep's parser of the operation disabled (so the compiled path is what ran)."""
    operation_obj = partner.codec._plans[operation].operation
    with monkeypatch.context() as patch:
        patch.setattr(operation_obj, "process_reply", lambda *a: pytest.fail("zeep parsed the response"))
        return partner.codec.read(operation, response(content))


ITEMS = [
    "<t:item><t:id>a&amp;b</t:id><t:count>3</t:count><t:big>9007199254740993</t:big><t:ok>true</t:ok>"
    "<t:at>2026-02-21T06:17:00</t:at><t:on>2026-03-01</t:on><t:price>12.50</t:price><t:ratio>1e3</t:ratio>"
    "<t:colour>RED</t:colour><t:tag>x</t:tag><t:tag><![CDATA[<y>]]></t:tag><t:point><t:x>1</t:x><t:y>2.5</t:y>"
    "</t:point><t:point><t:x>-4</t:x></t:point><t:note><t:text>备注</t:text></t:note></t:item>",
    "<t:item><t:id></t:id><t:count>0</t:count><t:ok>1</t:ok><t:at>2026-02-21T06:17:00.123456Z</t:at><t:note/></t:item>",
    "<t:item><t:id>c</t:id><t:count>7</t:count><t:ok>false</t:ok><t:at>2026-02-21T06:17:00+08:00</t:at>"
    "<t:on>2026-12-31</t:on><t:tag/></t:item>",
    "<t:item><t:id>d</t:id><t:count>1</t:count><t:ok>0</t:ok><t:at>2026-02-21T06:17:00.5-03:30</t:at>"
    "<t:note><t:lang>zh</t:lang></t:note></t:item>",
]
ANSWERS = [
    ("Put", f"<t:PutResponse>{''.join(ITEMS)}<t:total>4</t:total></t:PutResponse>"),
    ("Put", "<t:PutResponse><t:total>0</t:total></t:PutResponse>"),
    ("Ping", "<t:PingResponse><t:echo><t:x>5</t:x><t:y>0.1</t:y></t:echo></t:PingResponse>"),
    ("Count", "<t:CountResponse><t:wrapped><t:value>42</t:value></t:wrapped></t:CountResponse>"),
    (
        "Put",
        "<t:PutResponse><!-- c --><t:item><t:id>a<!-- c -->b</t:id><t:count>1</t:count><t:ok>true</t:ok>"
        "</t:item><t:total>1</t:total></t:PutResponse>",
    ),
]


@pytest.mark.parametrize(
    ("operation", "body"), ANSWERS, ids=["items", "no items", "unwrapped once", "unwrapped twice", "comments"]
)
def test_compiled_answers_equal_zeeps_in_values_types_and_order(test_partner, monkeypatch, operation, body):
    content = envelope(body)
    expected = zeep_reads(test_partner, operation, content)
    assert shape(compiled_reads(test_partner, operation, content, monkeypatch)) == shape(expected)


def test_the_single_child_answers_are_unwrapped_as_zeep_does(test_partner, monkeypatch):
    assert compiled_reads(test_partner, "Ping", envelope(ANSWERS[2][1]), monkeypatch) == {"x": 5, "y": Decimal("0.1")}
    assert compiled_reads(test_partner, "Count", envelope(ANSWERS[3][1]), monkeypatch) == 42


def test_types_zeep_is_needed_for_are_read_by_zeep(test_partner):
    flagged = envelope('<t:FlagResponse><t:f flag="on"><t:v>x</t:v></t:f><t:n>2</t:n></t:FlagResponse>')
    assert test_partner.codec._plans["Flag"].decode is None  # an attribute: not compiled
    assert test_partner.codec.read("Flag", response(flagged)) == {"f": {"v": "x", "flag": "on"}, "n": 2}
    nil = envelope(
        "<t:PutResponse><t:item><t:id>n</t:id><t:count>1</t:count><t:ok>true</t:ok><t:price xsi:nil='true'/>"
        "</t:item><t:total>1</t:total></t:PutResponse>",
        declarations=' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
    )
    assert shape(test_partner.codec.read("Put", response(nil))) == shape(zeep_reads(test_partner, "Put", nil))


def test_public_security_answers_equal_zeeps_on_the_sandbox(ps_http, monkeypatch):
    partner = ps_partner(ps_http.url)
    session, codec = partner.session, partner.codec
    requests_ = [{**REQUEST, "requestId": str(n)} for n in range(1, 41)]
    answers = []
    for operation, arguments in [
        ("SubmitLocateBatch", {"batchId": "b1", "request": requests_}),
        ("SubmitLocateBatch", {"batchId": "b2", "request": requests_[:3]}),  # duplicates come back
    ]:
        payload, headers = codec.build(operation, arguments)
        answers.append((operation, session.post(codec.address, data=payload, headers=headers).content))
    ticket = partner.codec.read("SubmitLocateBatch", response(answers[0][1]))["ticketId"]
    for _ in range(2):  # incomplete (delayed requests pending), then complete
        payload, headers = codec.build("FetchLocateResults", {"ticketId": ticket})
        answers.append(("FetchLocateResults", session.post(codec.address, data=payload, headers=headers).content))
    for operation, content in answers:
        assert shape(compiled_reads(partner, operation, content, monkeypatch)) == shape(
            zeep_reads(partner, operation, content)
        )
    final = compiled_reads(partner, "FetchLocateResults", answers[-1][1], monkeypatch)
    assert final["complete"] is True and len(final["result"]) == 40
    found = [r for r in final["result"] if r["event"]]
    assert found and isinstance(found[0]["event"][0]["time"], datetime) and isinstance(found[0]["phone"], list)
    assert any(r["registeredAddress"] is None and r["phone"] == [] for r in final["result"])  # NOT_FOUND


def test_requests_are_the_xml_zeep_writes_with_zeeps_headers(test_partner, monkeypatch):
    codec = test_partner.codec
    item = {"id": "a & <b>\r", "count": 3, "big": 2**53 + 1, "ok": False, "at": datetime(2026, 2, 21, 6, 17, 30),
            "on": date(2026, 3, 1), "price": Decimal("12.50"), "ratio": 0.25, "colour": "GREEN", "tag": ["x", "y"],
            "point": [{"x": 1, "y": Decimal("2.5")}, {"x": 2}], "note": {"text": "备注", "lang": None}}  # fmt: skip
    arguments = {"batch": "b1", "item": [item, {"id": "2", "count": 0, "ok": True}]}
    zeep_envelope, zeep_headers = codec.binding._create("Put", (), arguments, client=codec.client)
    with monkeypatch.context() as patch:
        patch.setattr(codec.binding, "_create", lambda *a, **k: pytest.fail("zeep serialised the request"))
        payload, headers = codec.build("Put", arguments)
    canonical = lambda xml: etree.tostring(xml, method="c14n")  # noqa: E731
    assert canonical(etree.fromstring(payload)) == canonical(zeep_envelope)
    assert headers == zeep_headers == {"SOAPAction": f'"{TNS}#Put"', "Content-Type": "text/xml; charset=utf-8"}


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"batch": "b", "item": [{"id": "1", "ok": True}]}, ValidationError, "Missing element count"),
        ({"batch": "b", "item": [{"id": "1", "count": 1, "ok": True, "colour2": "RED"}]}, TypeError, "colour2"),
        ({"batch": "b\x01", "item": [{"id": "1", "count": 1, "ok": True}]}, ValueError, "XML compatible"),
        ({"batch": "b", "item": []}, ValidationError, "minOccurs"),
    ],
    ids=["missing required", "unknown key", "control character", "too few items"],
)
def test_bad_arguments_get_zeeps_own_errors(test_partner, arguments, error, message):
    with pytest.raises(error, match=message):
        test_partner.codec.build("Put", arguments)


class _Canned(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""
    posts = 0

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).posts += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)


@pytest.fixture
def canned():
    """A real HTTP server answering every POST with ``handler.body``."""
    handler = type("Handler", (_Canned,), {"body": b"", "posts": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}/public-security/v1"
    server.shutdown()
    server.server_close()


PS = "urn:nx-hub:public-security:v1"


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ("<ps:ticketId>T1</ps:ticketId><ps:complete>true</ps:complete><ps:pending>many</ps:pending>", "pending"),
        ("<ps:ticketId>T1</ps:ticketId><ps:complete>true</ps:complete><ps:pending>0</ps:pending><ps:result>"
         "<ps:requestId>1</ps:requestId><ps:resultId>R1</ps:resultId><ps:status>MAYBE</ps:status></ps:result>",
         "result/ps:status"),
        ("<ps:complete>true</ps:complete><ps:pending>0</ps:pending>", "complete"),
        ("<ps:ticketId>T1</ps:ticketId><ps:complete>true</ps:complete><ps:pending>0</ps:pending><ps:extra/>", "extra"),
    ],
    ids=["not an int", "not in the enumeration", "required element missing", "unknown element"],
)  # fmt: skip
def test_a_response_breaking_the_xsd_is_refused_naming_partner_operation_and_place(canned, answer, where):
    handler, url = canned
    handler.body = (f'<soap:Envelope xmlns:soap="{ENV}" xmlns:ps="{PS}"><soap:Body><ps:FetchLocateResultsResponse>'
                    f"{answer}</ps:FetchLocateResultsResponse></soap:Body></soap:Envelope>").encode()  # fmt: skip
    with pytest.raises(PartnerResponseRefused) as refused:
        ps_partner(url, retries=2, backoff=0.01).call("FetchLocateResults", request_ids=["T1"], ticketId="T1")
    message = str(refused.value)
    assert message.startswith("partner public_security, operation FetchLocateResults, requests T1: response refused")
    assert "does not match the contract at" in message and where in message
    assert handler.posts == 1  # a broken answer is not retried


BOMB = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY l0 "lol">'
        + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
        + f']><soap:Envelope xmlns:soap="{ENV}"><soap:Body>&l9;</soap:Body></soap:Envelope>').encode()  # fmt: skip


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (BOMB, "DTDForbidden"),
        (b'<?xml version="1.0"?><!-- c --><?pi x?>\n<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>',
         "DTDForbidden"),
        ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "1">]><x>&e;</x>'.encode("utf-16"),
         "DTDForbidden"),
        (envelope("<t:PutResponse><t:total>&xxe;</t:total></t:PutResponse>"), "not well-formed.*xxe"),
        (b"<a>" * 300 + b"</a>" * 300, "not well-formed.*depth"),
        (b'<?xml version="1.0"?><soap:Envelope', "not well-formed"),
    ],
    ids=["entity bomb", "external DTD after comment and PI", "DTD in UTF-16", "undeclared entity", "huge tree",
         "truncated"],
)  # fmt: skip
def test_hostile_xml_is_refused(test_partner, content, why):
    with pytest.raises(ResponseRefused, match=why):
        test_partner.codec.read("Put", response(content))


def test_a_dtd_is_refused_before_parsing_and_doctype_text_in_data_is_not_a_dtd(test_partner):
    assert has_doctype(BOMB)
    text = envelope("<t:PutResponse><t:total>1</t:total></t:PutResponse>").replace(
        b"<soap:Body>", b"<soap:Body><![CDATA[<!DOCTYPE x>]]>"
    )
    assert not has_doctype(text)
    assert test_partner.codec.parse(text).find(f"{{{ENV}}}Body").text == "<!DOCTYPE x>"


def test_concurrent_calls_on_one_partner_each_get_their_own_answer(ps_http):
    partner = ps_partner(ps_http.url, pool_size=4)

    def submit(n: int) -> tuple[int, dict]:
        batch = [{**REQUEST, "requestId": str(n * 100 + k)} for k in range(25)]
        return n, partner.call("SubmitLocateBatch", batchId=f"c{n}", request=batch)

    with ThreadPoolExecutor(4) as pool:
        tickets = dict(pool.map(submit, range(12)))
    assert all(answer["accepted"] == 25 and answer["duplicate"] == [] for answer in tickets.values())
    assert len({answer["ticketId"] for answer in tickets.values()}) == 12
    with ThreadPoolExecutor(4) as pool:
        fetched = list(pool.map(lambda n: partner.call("FetchLocateResults", ticketId=tickets[n]["ticketId"]), tickets))
    for n, answer in zip(tickets, fetched, strict=True):
        assert answer["ticketId"] == tickets[n]["ticketId"]
        assert {r["requestId"] for r in answer["result"]} <= {str(n * 100 + k) for k in range(25)}
