"""The report partners and their configuration: the banks' configuration (hub.banks.config) reused.

A report partner is configured like a bank, never by code:

- ``mappings/<partner>.yaml`` with ``targets.public_servant_report`` and ``layouts.report``;
- the Airflow connection ``<partner>_sftp`` (conn_type ``sftp``): host, port, login, ``key_file`` and
  ``host_key`` as for a bank; ``report_dir`` (default ``inbox``), the folder the partner collects from; the
  seal keys ``court_sign_key`` (the court's private signing key, shared with the banks) and
  ``partner_box_key`` (the partner's public X25519 key), each PEM text or ``…_file``.

The partners only receive: they send nothing back, so neither the court's box key nor a partner signing
key is needed (their slots in :class:`~hub.banks.config.SealKeys` stay empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from hub.banks.config import BankConfig, SealKeys
from hub.errors import ConfigurationError
from hub.settings import get_settings

#: The partners, in the order the DAG lists them: 纪委监委 and 组织人事部门 (domain.md, partners table).
REPORT_PARTNERS = ("discipline_commission", "personnel_department")
RECORD_TYPE = "public_servant_report"
LAYOUT = "report"
FOLDERS = {"report_dir": "inbox"}


@dataclass(frozen=True)
class ReportPartner(BankConfig):
    """A one-way sealed-file partner: a bank's configuration with a report folder and two keys."""

    def folder(self, name: str) -> str:
        return self.extra.get(name, FOLDERS[name])

    @cached_property
    def keys(self) -> SealKeys:
        return SealKeys(
            court_sign=self._key("court_sign_key", Ed25519PrivateKey),
            court_box=None,  # nothing comes back from these partners
            bank_verify=None,
            bank_box=self._key("partner_box_key", X25519PublicKey),
        )


def report_partner(code: str) -> ReportPartner:
    """The configuration of report partner ``code`` (its mapping must exist)."""
    if code not in REPORT_PARTNERS:
        raise ConfigurationError(f"{code!r} is not a report partner; known: {', '.join(REPORT_PARTNERS)}")
    path = get_settings().mappings_dir / f"{code}.yaml"
    if not path.exists():
        raise ConfigurationError(f"no mapping for report partner {code!r}: expected {path}")
    return ReportPartner(code, path)
