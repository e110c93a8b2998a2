"""A real OpenSSH sshd for the SFTP tests: its own config, ed25519 host key and authorized client key in a
temporary directory, listening on a free loopback port, as the current user, stopped afterwards.

`make test` installs Debian's openssh-server when absent (scripts/ensure-sshd.sh, which never starts the
system sshd). The server runs ``internal-sftp`` only, started in ``<root>/files`` (no chroot: simple).
A test that needs it fails, rather than skips, when sshd is missing, so a broken machine cannot pass.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SSHD = Path("/usr/sbin/sshd")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_ed25519_key(path: Path) -> str:
    """Write a new ed25519 private key (OpenSSH format, mode 600) to ``path``; return its public line."""
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    )
    path.chmod(0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    line = public.decode()
    Path(f"{path}.pub").write_text(line + "\n")
    return line


@dataclass
class Sshd:
    """One running sshd: where it listens, its host key line, the client key that may log in, its files."""

    host: str
    port: int
    user: str
    host_key_line: str  # "ssh-ed25519 AAAA…": what a client pins
    client_key_path: Path
    files: Path  # the SFTP session's start directory (remote paths are relative to it)
    process: subprocess.Popen

    def settings(self, **overrides):
        from connectors.sftp import SftpSettings

        values = {
            "host": self.host,
            "port": self.port,
            "username": self.user,
            "key_file": str(self.client_key_path),
            "host_key": self.host_key_line,
            "connect_timeout": 10.0,
            "operation_timeout": 20.0,
        }
        values.update(overrides)
        return SftpSettings(**values)

    def connection_json(self, **extra) -> str:
        """The Airflow connection (JSON form of AIRFLOW_CONN_<ID>) a bank's SFTP link would be defined by."""
        import json

        return json.dumps(
            {
                "conn_type": "sftp",
                "host": self.host,
                "port": self.port,
                "login": self.user,
                "extra": {"key_file": str(self.client_key_path), "host_key": self.host_key_line, **extra},
            }
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextlib.contextmanager
def running_sshd(directory: Path, *, client_key_path: Path | None = None) -> Iterator[Sshd]:
    """Start sshd with its own config in ``directory``; yield it; stop it."""
    if not SSHD.exists():
        pytest.fail("OpenSSH sshd is not installed; run scripts/ensure-sshd.sh (make test does)")
    directory.mkdir(parents=True, exist_ok=True)
    host_key = directory / "ssh_host_ed25519_key"
    host_key_line = write_ed25519_key(host_key)
    if client_key_path is None:
        client_key_path = directory / "client_ed25519"
        client_line = write_ed25519_key(client_key_path)
    else:
        client_line = Path(f"{client_key_path}.pub").read_text().strip()
    (directory / "authorized_keys").write_text(client_line + "\n")
    files = directory / "files"
    files.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege-separation directory
    port = _free_port()
    config = directory / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"ListenAddress 127.0.0.1:{port}",
                f"HostKey {host_key}",
                f"PidFile {directory / 'sshd.pid'}",
                f"AuthorizedKeysFile {directory / 'authorized_keys'}",
                "StrictModes no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "MaxStartups 50",
                "Subsystem sftp internal-sftp",
                f"ForceCommand internal-sftp -d {files}",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    log = open(directory / "sshd.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=log)
    server = Sshd("127.0.0.1", port, getpass.getuser(), host_key_line, client_key_path, files, process)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                pytest.fail(f"sshd exited at start: {(directory / 'sshd.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                pytest.fail("sshd did not listen within 10 s")
            time.sleep(0.05)
        yield server
    finally:
        server.stop()
        log.close()


@pytest.fixture(scope="session")
def sshd() -> Iterator[Sshd]:
    """One OpenSSH sshd for the whole session (tests use their own sub-folders of ``sshd.files``)."""
    directory = Path(tempfile.mkdtemp(prefix="hub-sshd-"))
    try:
        with running_sshd(directory) as server:
            yield server
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def sftp_dir(sshd, request) -> str:
    """A fresh remote folder (relative to the SFTP start directory) for one test."""
    import uuid

    name = f"t_{request.node.name[:40]}_{uuid.uuid4().hex[:6]}".replace("[", "_").replace("]", "_")
    (sshd.files / name).mkdir()
    return name
