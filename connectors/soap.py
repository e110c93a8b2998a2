"""SOAP transport on zeep: one client per partner, reused across calls, hardened, retried only when safe.

:class:`SoapPartner` owns one :class:`zeep.Client` (WSDL parsed once and cached in memory) over one
``requests.Session`` (keep-alive connections, TLS verified against a configured CA bundle, optional client
certificate for mutual TLS). zeep reads the contract: operations, SOAPAction and address, the XSD types,
WS-Security UsernameToken when the partner needs it, SOAP faults. The per-element work is compiled from
zeep's types once per operation (:mod:`connectors.soap_codec`): request bodies are written as text,
responses are parsed hardened (a DTD refused before parsing, no entity expansion, no external references,
no huge trees), validated against the contract's XSD with lxml, and converted to the plain dicts/lists zeep
would give; shapes the compiler does not take go through zeep unchanged.
:meth:`SoapPartner.call` retries with exponential backoff on connection errors, timeouts and HTTP 5xx
only; a SOAP Fault is a business answer and is never retried. Every failure is a :mod:`hub.errors`
class whose message names the partner, the operation and the request ids, never the payload.

Importable without Airflow; :func:`settings_from_connection` reads an Airflow connection's fields.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlunsplit

import requests
from lxml import etree
from requests.adapters import HTTPAdapter
from zeep import Client, Settings
from zeep import exceptions as zeep_errors
from zeep.cache import InMemoryCache
from zeep.transports import Transport

from connectors.soap_codec import MessageCodec, ResponseRefused, contract_schema
from hub.errors import ConfigurationError, PartnerFault, PartnerResponseRefused, PartnerUnavailable

log = logging.getLogger(__name__)

#: The XML hardening of every zeep parse in the hub (set explicitly, not left to defaults); the compiled
#: path's own parser is :func:`connectors.soap_codec.hardened_parser` (the same rules).
HARDENED = Settings(
    strict=True,
    xml_huge_tree=False,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
    raw_response=False,
)

_REFUSED = (
    zeep_errors.DTDForbidden,
    zeep_errors.EntitiesForbidden,
    zeep_errors.ExternalReferenceForbidden,
    zeep_errors.XMLSyntaxError,
    zeep_errors.XMLParseError,
    zeep_errors.UnexpectedElementError,
    zeep_errors.ValidationError,
    zeep_errors.NamespaceError,
    zeep_errors.LookupError,
)


@dataclass(frozen=True)
class SoapSettings:
    """How to reach one SOAP partner (from its Airflow connection)."""

    partner: str
    url: str  # the service endpoint (soap:address is overridden with it)
    wsdl: str  # a local path or URL of the WSDL (default: the contract kept in this project)
    binding: str  # the WSDL binding's qualified name, e.g. {urn:...}PublicSecurityBinding
    ca_bundle: str | None = None  # PEM file of trusted CAs; None = the system's
    client_cert: str | None = None  # PEM client certificate (mutual TLS)
    client_key: str | None = None
    username: str | None = None  # WS-Security UsernameToken, when the partner needs it
    password: str | None = field(default=None, repr=False)
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5  # seconds; doubled per attempt
    pool_size: int = 4  # keep-alive connections (the partner's Airflow pool bounds tasks)


def settings_from_connection(conn, *, partner: str, default_wsdl: Path, binding: str) -> SoapSettings:
    """SoapSettings from an Airflow connection: host, port, schema (the path), login/password
    (UsernameToken), extra ``{"protocol", "wsdl", "ca_bundle", "client_cert", "client_key", "timeout",
    "read_timeout", "retries", "backoff"}``."""
    extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
    if not conn.host:
        raise ConfigurationError(f"connection {conn.conn_id!r} for {partner}: host is missing")
    scheme = extra.get("protocol") or ("https" if extra.get("ca_bundle") or extra.get("client_cert") else "http")
    netloc = f"{conn.host}:{conn.port}" if conn.port else conn.host
    path = "/" + (conn.schema or "").lstrip("/")
    timeout = float(extra.get("timeout", 5.0))
    return SoapSettings(
        partner=partner,
        url=urlunsplit((scheme, netloc, path, "", "")),
        wsdl=str(extra.get("wsdl") or default_wsdl),
        binding=binding,
        ca_bundle=extra.get("ca_bundle"),
        client_cert=extra.get("client_cert"),
        client_key=extra.get("client_key"),
        username=conn.login or None,
        password=conn.password or None,
        connect_timeout=timeout,
        read_timeout=float(extra.get("read_timeout", max(timeout, 30.0))),
        retries=int(extra.get("retries", 3)),
        backoff=float(extra.get("backoff", 0.5)),
    )


class SoapPartner:
    """One partner's SOAP client: build once, call many times (thread-safe for concurrent calls)."""

    def __init__(self, settings: SoapSettings):
        self.settings = settings
        self.name = settings.partner
        self._lock = threading.Lock()
        self._client: Client | None = None
        self._service = None
        self._codec: MessageCodec | None = None
        self.session = self._session()

    def _session(self) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.settings.pool_size, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # The environment (REQUESTS_CA_BUNDLE, *_PROXY, .netrc) must not override the partner's settings.
        session.trust_env = False
        session.verify = self.settings.ca_bundle or True  # never False: certificates are always checked
        session.hooks["response"].append(_raise_for_server_error)
        if self.settings.client_cert:
            session.cert = (
                (self.settings.client_cert, self.settings.client_key)
                if self.settings.client_key
                else self.settings.client_cert
            )
        return session

    @property
    def service(self):
        """The bound service proxy; the WSDL is loaded (and cached) on first use."""
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = self._build()
        return self._service

    def _build(self):
        settings = self.settings
        transport = Transport(
            session=self.session,
            cache=InMemoryCache(timeout=3600),
            timeout=settings.read_timeout,
            operation_timeout=(settings.connect_timeout, settings.read_timeout),
        )
        wsse = None
        if settings.username:
            from zeep.wsse.username import UsernameToken

            wsse = UsernameToken(settings.username, settings.password or "")
        try:
            client = Client(settings.wsdl, transport=transport, settings=HARDENED, wsse=wsse)
        except (requests.RequestException, zeep_errors.Error, OSError) as exc:
            raise ConfigurationError(f"{self.name}: cannot load the WSDL {settings.wsdl}: {exc}") from exc
        self._client = client
        service = client.create_service(settings.binding, settings.url)
        try:
            schema = contract_schema(client.wsdl.location, transport.load)
        except (etree.LxmlError, requests.RequestException, OSError, ValueError) as exc:
            log.warning("%s: lxml cannot compile the WSDL's schema (%s); zeep reads every response", self.name, exc)
            schema = None
        self._codec = MessageCodec(client, service, schema)
        return service

    @property
    def codec(self) -> MessageCodec:
        """The operations compiled from the WSDL (built with the service)."""
        self.service  # noqa: B018
        return self._codec

    def _exchange(self, operation: str, arguments: dict):
        codec = self.codec
        payload, headers = codec.build(operation, arguments)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        return codec.read(operation, self.session.post(codec.address, data=payload, headers=headers, timeout=timeout))

    def call(self, operation: str, *, request_ids: Sequence[str] = (), **arguments) -> dict:
        """Call ``operation`` and return its response as plain dicts/lists.

        Retries (with backoff) connection errors, timeouts and HTTP 5xx; raises PartnerFault on a SOAP
        Fault, PartnerResponseRefused on a response that must not be read, PartnerUnavailable when the
        retries are spent."""
        what = _describe(self.name, operation, request_ids)
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._exchange(operation, arguments)
            except zeep_errors.Fault as fault:
                code = getattr(fault, "code", None) or "Fault"
                raise PartnerFault(
                    f"{what}: the partner answered with a SOAP fault ({code}): {fault.message}"
                ) from None
            except ResponseRefused as exc:
                raise PartnerResponseRefused(f"{what}: response refused: {exc}") from None
            except _REFUSED as exc:
                raise PartnerResponseRefused(f"{what}: response refused: {_short(exc)}") from None
            except zeep_errors.TransportError as exc:
                status = exc.status_code or 0
                if status < 500 and not _is_xml_error(exc):
                    raise PartnerResponseRefused(f"{what}: HTTP {status}: {_short(exc)}") from None
                if _is_xml_error(exc) and status < 500:
                    raise PartnerResponseRefused(
                        f"{what}: response refused, not well-formed XML: {_short(exc)}"
                    ) from None
                problem = f"HTTP {status}"
            except _ServerError as exc:
                problem = f"HTTP {exc.status}"
            except requests.exceptions.SSLError as exc:
                # A certificate that is expired, untrusted or for another host is never retried.
                raise PartnerUnavailable(f"{what}: TLS refused: {_short(exc)}") from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {_short(exc)}"
            if attempt == attempts:
                raise PartnerUnavailable(f"{what}: gave up after {attempts} attempts; last: {problem}")
            delay = self.settings.backoff * 2 ** (attempt - 1)
            log.warning("%s: attempt %d/%d failed (%s); retrying in %.1fs", what, attempt, attempts, problem, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.session.close()


class _ServerError(Exception):
    """HTTP 5xx without a SOAP Fault (a proxy's 502/503/504, an overloaded server): worth a retry."""

    def __init__(self, status: int):
        super().__init__(f"HTTP {status}")
        self.status = status


def _raise_for_server_error(response: requests.Response, *args, **kwargs) -> None:
    """Session hook: a 5xx is a transport fault unless it is a 500 carrying a SOAP Fault (a business answer)."""
    status = response.status_code
    if status >= 500 and not (status == 500 and b"Fault>" in response.content[:65536]):
        raise _ServerError(status)


def _describe(partner: str, operation: str, request_ids: Sequence[str]) -> str:
    ids = list(request_ids)
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f"partner {partner}, operation {operation}" + (f", requests {shown}" if ids else "")


def _is_xml_error(exc: zeep_errors.TransportError) -> bool:
    return "invalid XML" in (exc.message or "")


def _short(exc: BaseException) -> str:
    """The first line of an error, without the response body zeep sometimes appends."""
    text = str(getattr(exc, "message", None) or exc)
    text = text.split("\n", 1)[0]
    if text.startswith("Server returned response"):  # zeep's: keep lxml's reason, drop the body
        text = text.split("invalid XML: ", 1)[-1].rstrip(".")
    return text[:300]


_partners: dict[tuple, SoapPartner] = {}
_partners_lock = threading.Lock()


def shared_partner(settings: SoapSettings) -> SoapPartner:
    """The process's one client for these settings (one zeep Client per partner, reused across calls)."""
    key = (settings.partner, settings.url, settings.wsdl, settings.ca_bundle, settings.client_cert, settings.username)
    with _partners_lock:
        partner = _partners.get(key)
        if partner is None:
            partner = _partners[key] = SoapPartner(settings)
        return partner
