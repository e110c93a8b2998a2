"""The sandbox report partners (纪委监委, 组织人事部门): one SFTP folder each on the sandbox SFTP server, their
keys, the Airflow connections that name them, and the partner's side of reading what arrived.

The keys are made by the banks' sandbox (:func:`sandbox.banks.responder.write_keys`): the court's key set
and one key set per partner, as PEM files; a partner's connection gets the court's signing key and the
partner's public box key (``partner_box_key_file``). Reading a file is what the partner does: verify the
court's signature over the whole file, open it with the partner's private box key, parse it with the
partner's layout (``mappings/<partner>.yaml``, ``layouts.report``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from connectors.sftp import MANIFEST_SUFFIX
from hub.filelayout import load_layouts
from hub.reports.config import LAYOUT, REPORT_PARTNERS
from hub.sealing import Party, open_sealed
from hub.settings import get_settings
from sandbox.banks.responder import write_keys
from sandbox.banks.world import connection_env, sftp_connections

INBOX = "inbox"


@dataclass
class ReportFile:
    name: str
    header: dict
    records: list[dict]


@dataclass
class ReportDesk:
    """One partner's side: its folder on the SFTP server (server-side path), its keys, the court's public keys."""

    code: str
    root: Path
    keys: Party
    court: Party

    @property
    def inbox(self) -> Path:
        return self.root / INBOX

    def received(self) -> list[str]:
        """The complete files in the inbox (their manifest present), oldest name first."""
        if not self.inbox.is_dir():
            return []
        return sorted(
            p.name for p in self.inbox.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(MANIFEST_SUFFIX)
            and (self.inbox / f"{p.name}{MANIFEST_SUFFIX}").exists()
        )  # fmt: skip

    def read(self, name: str, *, keys: Party | None = None) -> ReportFile:
        """Verify, open and parse one received file as the partner does (``keys`` replaces the partner's)."""
        keys = keys or self.keys
        layout = load_layouts(get_settings().mappings_dir / f"{self.code}.yaml")[LAYOUT]
        blocks = open_sealed(
            self.inbox / name, sender_public=self.court.verify_public, recipient_private=keys.box_private,
            expected_name=name,
        )  # fmt: skip
        reader = layout.read_blocks(blocks, name)
        records = list(reader)
        return ReportFile(name, dict(reader.header), records)

    def records(self) -> list[dict]:
        """Every record of every received file, in file order."""
        return [record for name in self.received() for record in self.read(name).records]


@dataclass
class ReportDesks:
    root: Path
    desks: dict[str, ReportDesk]
    extras: dict[str, dict]
    connections: dict[str, str] = field(default_factory=dict)

    def connect(self, host: str, port: int, user: str, key_file: str, host_key: str, remote_roots: dict) -> None:
        """The AIRFLOW_CONN_<PARTNER>_SFTP values (JSON) for an SFTP server that serves ``remote_roots``."""
        self.connections.update(sftp_connections(self.extras, host, port, user, key_file, host_key, remote_roots))

    def env(self) -> dict[str, str]:
        return connection_env(self.connections)


def make_report_desks(root: Path, partners: Iterable[str] = REPORT_PARTNERS) -> ReportDesks:
    """Keys under ``root/keys`` and one server folder per partner under ``root/<partner>``."""
    partners = list(partners)
    court, keys, bank_extras = write_keys(root / "keys", partners)
    extras = {
        code: {"court_sign_key_file": bank_extras[code]["court_sign_key_file"],
               "partner_box_key_file": bank_extras[code]["bank_box_key_file"]}
        for code in partners
    }  # fmt: skip
    desks = {}
    for code in partners:
        (root / code / INBOX).mkdir(parents=True, exist_ok=True)
        desks[code] = ReportDesk(code, root / code, keys[code], court.public())
    return ReportDesks(root, desks, extras)


def start_demo_desks(server, client_key: Path, env: dict[str, str]) -> ReportDesks:
    """For ``make demo``: the report partners as folders ``/reports/<partner>`` on the banks' in-process SFTP
    server (``server``, which lets in ``client_key``); their connections are set in ``os.environ`` and in
    ``env`` (the Airflow environment, already prepared)."""
    import os
    import shutil

    root = Path(server.root) / "reports"
    shutil.rmtree(root, ignore_errors=True)
    desks = make_report_desks(root)
    desks.connect(
        server.host, server.port, "hub", str(client_key), server.host_key_line,
        {code: f"/reports/{code}" for code in desks.desks},
    )  # fmt: skip
    os.environ.update(desks.env())
    env.update(desks.env())
    return desks
