"""Which banks the hub exchanges files with, and everything about one bank: its dialect and its connection.

A bank is configured by two things, never by code:

- ``mappings/<bank>.yaml`` with ``targets.control_request``, ``inbound.control_result`` (and
  ``inbound.statement_line`` for statements) and ``layouts`` (``request``, ``response``, ``statement``);
- the Airflow connection ``<bank>_sftp`` (conn_type ``sftp``): host, port, login and in ``extra``:
  ``key_file`` or ``private_key``; ``host_key`` or ``known_hosts``; the folders ``request_dir``,
  ``response_dir``, ``statement_dir``, ``archive_dir``, ``rejected_dir``; the seal keys
  ``court_sign_key``, ``court_box_key`` (the court's private keys), ``bank_verify_key``, ``bank_box_key``
  (the bank's public keys), each a PEM text or, with the suffix ``_file``, a file holding it;
  optionally ``response_hours`` (how long the bank has to answer, default
  :data:`DEFAULT_RESPONSE_HOURS`).

Every ``mappings/*.yaml`` whose ``layouts`` has ``request`` and ``response`` is a bank (``HUB_BANKS``, a
comma-separated list, narrows it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from connectors.sftp import SftpSettings
from hub.errors import ConfigurationError
from hub.filelayout import Layout, load_layouts
from hub.mapping import PartnerMapping, load_mapping
from hub.sealing import load_key
from hub.settings import get_settings

#: How long a bank has to answer a request file before it is escalated as overdue (hours).
DEFAULT_RESPONSE_HOURS = 24.0
REQUEST_TYPE = "control_request"
RESULT_TYPE = "control_result"
STATEMENT_TYPE = "statement_line"
FOLDERS = {
    "request_dir": "to_bank",
    "response_dir": "from_bank",
    "statement_dir": "statements",
    "archive_dir": "archive",
    "rejected_dir": "rejected",
}


def configured_banks() -> list[str]:
    """The banks the hub talks to: every mapping with request and response layouts (HUB_BANKS narrows)."""
    wanted = [b.strip() for b in os.environ.get("HUB_BANKS", "").split(",") if b.strip()]
    found = []
    for path in sorted(get_settings().mappings_dir.glob("*.yaml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        layouts = document.get("layouts") or {}
        if "request" in layouts and "response" in layouts:
            found.append(document.get("partner", path.stem))
    if wanted:
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise ConfigurationError(f"HUB_BANKS names {missing}, which have no bank mapping in mappings/")
        return [b for b in found if b in wanted]
    return found


@dataclass(frozen=True)
class SealKeys:
    court_sign: Ed25519PrivateKey
    court_box: X25519PrivateKey
    bank_verify: Ed25519PublicKey
    bank_box: X25519PublicKey


@dataclass(frozen=True)
class BankConfig:
    code: str
    mapping_path: Path

    @property
    def conn_id(self) -> str:
        return f"{self.code}_sftp"

    @cached_property
    def mapping(self) -> PartnerMapping:
        return load_mapping(self.mapping_path)

    @cached_property
    def layouts(self) -> dict[str, Layout]:
        return load_layouts(self.mapping_path)

    def layout(self, kind: str) -> Layout:
        try:
            return self.layouts[kind]
        except KeyError:
            raise ConfigurationError(f"{self.mapping_path}: no layouts.{kind} for bank {self.code}") from None

    @cached_property
    def connection(self):
        from hub.connections import get_connection

        return get_connection(self.conn_id)

    @property
    def extra(self) -> dict:
        return self.connection.extra_dejson

    def sftp_settings(self) -> SftpSettings:
        return SftpSettings.from_connection(self.connection)

    def folder(self, name: str) -> str:
        return self.extra.get(name, FOLDERS[name])

    @property
    def response_hours(self) -> float:
        return float(self.extra.get("response_hours", DEFAULT_RESPONSE_HOURS))

    def _key(self, name: str, kind: type):
        extra = self.extra
        if extra.get(name):
            return load_key(extra[name], kind)
        if extra.get(f"{name}_file"):
            try:
                return load_key(Path(extra[f"{name}_file"]).read_bytes(), kind)
            except OSError as exc:
                raise ConfigurationError(f"connection {self.conn_id}: {name}_file cannot be read: {exc}") from exc
        raise ConfigurationError(f"connection {self.conn_id}: set {name} (PEM) or {name}_file in extra")

    @cached_property
    def keys(self) -> SealKeys:
        return SealKeys(
            court_sign=self._key("court_sign_key", Ed25519PrivateKey),
            court_box=self._key("court_box_key", X25519PrivateKey),
            bank_verify=self._key("bank_verify_key", Ed25519PublicKey),
            bank_box=self._key("bank_box_key", X25519PublicKey),
        )


def bank(code: str) -> BankConfig:
    path = get_settings().mappings_dir / f"{code}.yaml"
    if not path.exists():
        raise ConfigurationError(f"no mapping for bank {code!r}: expected {path}")
    return BankConfig(code, path)
