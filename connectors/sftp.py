"""SFTP file exchange (paramiko): how request files reach a bank and response files come back.

Properties every exchange relies on:

- **Key authentication** only, with the key from the Airflow connection (``private_key`` in extra, or a
  ``key_file`` it names); never a password, never a key in the code.
- **Pinned host keys**: the server's key must equal the connection's ``host_key`` (``"ssh-ed25519 AAAA…"``)
  or the entry for the host in the ``known_hosts`` file it names. An unknown or changed key is refused
  before authenticating (:class:`HostKeyError`), never auto-accepted.
- **Timeouts**: on connecting and on every SFTP operation (the channel's timeout).
- **Atomic upload**: data goes to ``.<name>.part`` and is renamed when complete, then a manifest sidecar
  ``<name>.sha256`` (``sha256=<hex> size=<bytes> name=<name>``) is written the same way, last. A receiver
  takes a file only once its sidecar exists, so it never sees a partial file and can verify what it got.
- **Verified download**: size and SHA-256 checked against the sidecar while streaming to a local temporary
  file, renamed only when both match.
- **Archive after commit**: :meth:`SftpLink.archive` moves a processed file and its sidecar to the archive
  folder; callers call it only after their load committed, and nothing is ever deleted.
- **Listing** returns only complete files (with a sidecar) matching the caller's pattern; partial (``.*``),
  foreign and unsafe names are ignored (and logged).
- **Hostile names**: remote names are checked (:func:`check_remote_name`): no ``..``, no path separators,
  no absolute paths, no control characters.
- **One connection per task**, tuned: a large SSH window and packets, AES-GCM, and transfers pipelined by
  :mod:`connectors.sftp_pipeline` (requests as large as the server allows, a bounded number of bytes in
  flight: memory flat in file size); bench/sftp_transfer.py compares it with OpenSSH's own client.
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import hashlib
import io
import logging
import os
import re
import socket
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import paramiko

from connectors.sftp_pipeline import DEFAULT_IN_FLIGHT, MAX_REQUEST, Limits, Pipeline
from hub.errors import ConfigurationError, HubError

log = logging.getLogger(__name__)

MANIFEST_SUFFIX = ".sha256"
PART_PREFIX = "."
PART_SUFFIX = ".part"
#: Channel tuning: a large window and large packets (fewer Python-level steps per byte in paramiko).
WINDOW_SIZE = 64 * 1024 * 1024
MAX_PACKET = 256 * 1024
#: AEAD first (one pass per packet instead of a cipher and a separate MAC); paramiko has no chacha20.
FAST_CIPHERS = ("aes128-gcm@openssh.com", "aes256-gcm@openssh.com")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TransferError(HubError):
    """An SFTP exchange failed (link dropped, timeout, checksum or size mismatch); the file is named."""


class HostKeyError(TransferError):
    """The server's host key is unknown or differs from the pinned one: the connection was refused."""


class UnsafeRemoteName(TransferError):
    """A remote file name could escape its folder or carries control characters; it was not touched."""


def check_remote_name(name: str) -> str:
    """Return ``name`` if it is a plain file name; raise UnsafeRemoteName otherwise.

    >>> check_remote_name("REQ_20261127_0001.dat")
    'REQ_20261127_0001.dat'
    >>> check_remote_name("../etc/passwd")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    UnsafeRemoteName: remote file name '../etc/passwd' refused: path separators are not allowed
    """
    if not isinstance(name, str) or not name:
        raise UnsafeRemoteName(f"remote file name {name!r} refused: empty")
    if _CONTROL.search(name):
        raise UnsafeRemoteName(f"remote file name {name!r} refused: control characters")
    if "/" in name or "\\" in name:
        raise UnsafeRemoteName(f"remote file name {name!r} refused: path separators are not allowed")
    if name in (".", "..") or ".." in name:
        raise UnsafeRemoteName(f"remote file name {name!r} refused: '..' is not allowed")
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        raise UnsafeRemoteName(f"remote file name {name[:40]!r}… refused: longer than 255 bytes")
    return name


def check_remote_dir(path: str) -> str:
    """A configured remote folder: relative or absolute, but every part a plain name."""
    parts = [p for p in PurePosixPath(path).parts if p != "/"]
    for part in parts:
        check_remote_name(part)
    return path


def _fingerprint(key: paramiko.PKey) -> str:
    return key.fingerprint  # "SHA256:…"


def parse_host_key(line: str) -> paramiko.PKey:
    """A pinned key written as in known_hosts/authorized_keys: ``ssh-ed25519 AAAA… [comment]``."""
    parts = line.strip().split()
    if len(parts) < 2:
        raise ConfigurationError(f"host_key {line[:30]!r}… is not '<type> <base64>'")
    try:
        return paramiko.PKey.from_type_string(parts[0], base64.b64decode(parts[1]))
    except Exception as exc:
        raise ConfigurationError(f"host_key of type {parts[0]} cannot be read: {exc}") from exc


@dataclass(frozen=True)
class SftpSettings:
    """Where a bank's SFTP server is and how to trust it: built from an Airflow connection."""

    host: str
    port: int = 22
    username: str = ""
    key_file: str | None = None
    private_key: str | None = None  # PEM/OpenSSH text (e.g. from the connection's extra)
    host_key: str | None = None  # pinned "ssh-ed25519 AAAA…"
    known_hosts: str | None = None  # or a known_hosts file naming the host
    connect_timeout: float = 15.0
    operation_timeout: float = 60.0
    remote_root: str = ""  # folders below are relative to it
    max_request: int = MAX_REQUEST  # bytes per SFTP read/write request (capped by the server's own limits)
    in_flight: int = DEFAULT_IN_FLIGHT  # bytes requested or sent but not yet answered (memory bound)

    @classmethod
    def from_connection(cls, conn) -> SftpSettings:
        """From an Airflow connection: host, port, login; extra: key_file|private_key, host_key|known_hosts,
        connect_timeout, operation_timeout, remote_root; tuning: max_request_kb, in_flight_mb."""
        extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
        if not (extra.get("key_file") or extra.get("private_key")):
            raise ConfigurationError(f"SFTP connection {conn.conn_id!r}: set key_file or private_key in extra")
        if not (extra.get("host_key") or extra.get("known_hosts")):
            raise ConfigurationError(
                f"SFTP connection {conn.conn_id!r}: pin the server with host_key or known_hosts in extra "
                "(host keys are never accepted on first use)"
            )
        return cls(
            host=conn.host,
            port=int(conn.port or 22),
            username=conn.login or "",
            key_file=extra.get("key_file"),
            private_key=extra.get("private_key"),
            host_key=extra.get("host_key"),
            known_hosts=extra.get("known_hosts"),
            connect_timeout=float(extra.get("connect_timeout", 15)),
            operation_timeout=float(extra.get("operation_timeout", 60)),
            remote_root=extra.get("remote_root", ""),
            max_request=int(extra.get("max_request_kb", MAX_REQUEST // 1024)) * 1024,
            in_flight=int(float(extra.get("in_flight_mb", DEFAULT_IN_FLIGHT / 2**20)) * 2**20),
        )

    def pinned_keys(self) -> list[paramiko.PKey]:
        if self.host_key:
            return [parse_host_key(self.host_key)]
        if self.known_hosts:
            known = paramiko.HostKeys()
            try:
                known.load(self.known_hosts)
            except OSError as exc:
                raise ConfigurationError(f"known_hosts file {self.known_hosts} cannot be read: {exc}") from exc
            name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
            entry = known.lookup(name) or {}
            return list(entry.values())
        return []

    def client_key(self) -> paramiko.PKey:
        try:
            if self.private_key:
                return _load_private_key(io.StringIO(self.private_key))
            if self.key_file:
                with open(self.key_file) as handle:
                    return _load_private_key(handle)
        except (OSError, paramiko.SSHException) as exc:
            raise ConfigurationError(f"SFTP client key for {self.host}:{self.port} cannot be read: {exc}") from exc
        raise ConfigurationError(f"SFTP {self.host}:{self.port}: no client key (key_file or private_key)")


def _load_private_key(handle) -> paramiko.PKey:
    text = handle.read()
    errors = []
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError) as exc:
            errors.append(f"{kind.__name__}: {exc}")
    raise paramiko.SSHException("; ".join(errors))


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    mtime: int


@dataclass(frozen=True)
class Manifest:
    name: str
    size: int
    sha256: str

    def render(self) -> bytes:
        return f"sha256={self.sha256} size={self.size} name={self.name}\n".encode()

    @classmethod
    def parse(cls, text: bytes, expected_name: str) -> Manifest:
        try:
            fields = dict(part.split("=", 1) for part in text.decode("ascii").split())
            manifest = cls(fields["name"], int(fields["size"]), fields["sha256"].lower())
        except (UnicodeDecodeError, ValueError, KeyError) as exc:
            raise TransferError(f"{expected_name}{MANIFEST_SUFFIX}: not a manifest ({exc})") from exc
        if manifest.name != expected_name or not re.fullmatch(r"[0-9a-f]{64}", manifest.sha256):
            raise TransferError(f"{expected_name}{MANIFEST_SUFFIX}: manifest names {manifest.name!r} or is malformed")
        return manifest


class SftpLink:
    """One SSH connection (per task) to one server; use as a context manager."""

    def __init__(self, settings: SftpSettings, *, name: str = "sftp"):
        self.settings = settings
        self.name = name
        self._transport: paramiko.Transport | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._pipeline: Pipeline | None = None

    # -- connection ------------------------------------------------------------------------------
    def __enter__(self) -> SftpLink:
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def connect(self) -> SftpLink:
        if self._sftp is not None:
            return self
        s = self.settings
        pinned = s.pinned_keys()
        if not pinned:
            raise HostKeyError(
                f"{self.name} ({self.where}): no pinned host key (connection extra host_key or known_hosts): "
                "refusing to connect; host keys are never accepted on first use"
            )
        try:
            sock = socket.create_connection((s.host, s.port), timeout=s.connect_timeout)
        except OSError as exc:
            raise TransferError(f"{self.name} ({self.where}): cannot connect: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock, default_window_size=WINDOW_SIZE, default_max_packet_size=MAX_PACKET)
        transport.banner_timeout = transport.handshake_timeout = transport.auth_timeout = s.connect_timeout
        options = transport.get_security_options()
        options.ciphers = tuple(
            dict.fromkeys([c for c in FAST_CIPHERS if c in options.ciphers] + list(options.ciphers))
        )
        # Offer the pinned key types first, so the server shows the key we can compare.
        transport.get_security_options().key_types = tuple(
            dict.fromkeys([k.get_name() for k in pinned] + list(transport.get_security_options().key_types))
        )
        try:
            transport.start_client(timeout=s.connect_timeout)
            offered = transport.get_remote_server_key()
            if not any(offered == key for key in pinned):
                expected = ", ".join(_fingerprint(k) for k in pinned)
                raise HostKeyError(
                    f"{self.name} ({self.where}): HOST KEY MISMATCH: the server offered {offered.get_name()} "
                    f"{_fingerprint(offered)}, the pinned key is {expected}. Connection refused; if the bank "
                    "really changed its key, confirm the new fingerprint with the bank and update the "
                    "connection's host_key"
                )
            transport.auth_publickey(s.username, s.client_key())
            sftp = paramiko.SFTPClient.from_transport(transport, window_size=WINDOW_SIZE, max_packet_size=MAX_PACKET)
            sftp.get_channel().settimeout(s.operation_timeout)
        except HostKeyError:
            transport.close()
            raise
        except (paramiko.SSHException, OSError, EOFError) as exc:
            transport.close()
            raise TransferError(f"{self.name} ({self.where}): SSH session failed: {exc}") from exc
        if s.remote_root:
            sftp.chdir(s.remote_root)
        self._transport, self._sftp = transport, sftp
        return self

    def close(self) -> None:
        if self._sftp is not None:
            with contextlib.suppress(Exception):
                self._sftp.close()
        if self._transport is not None:
            with contextlib.suppress(Exception):
                self._transport.close()
        self._sftp = self._transport = self._pipeline = None

    @property
    def sftp(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            self.connect()
        assert self._sftp is not None
        return self._sftp

    @property
    def pipeline(self) -> Pipeline:
        """Pipelined transfers on this link's channel; the server's request limits are asked once."""
        if self._pipeline is None:
            limits = Limits.of(self.sftp, ceiling=max(self.settings.max_request, 32_768))
            self._pipeline = Pipeline(self.sftp, limits, self.settings.in_flight)
        return self._pipeline

    # -- operations --------------------------------------------------------------------------------
    def _path(self, folder: str, name: str) -> str:
        check_remote_name(name)
        return f"{check_remote_dir(folder).rstrip('/')}/{name}" if folder else name

    def ensure_dir(self, folder: str) -> None:
        path = PurePosixPath()
        for part in PurePosixPath(check_remote_dir(folder)).parts:
            path = path / part
            try:
                self.sftp.stat(str(path))
            except FileNotFoundError:
                self.sftp.mkdir(str(path))

    def upload(
        self,
        source: BinaryIO | Path | str,
        folder: str,
        name: str,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Manifest:
        """Stream ``source`` to ``folder/name`` via a temporary name, then write the manifest last."""
        final = self._path(folder, name)
        part = self._path(folder, f"{PART_PREFIX}{name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")
        digest = hashlib.sha256()
        opened = open(source, "rb") if isinstance(source, (str, Path)) else contextlib.nullcontext(source)  # noqa: SIM115
        try:
            with opened as handle, self.sftp.open(part, "wb") as remote:
                size = self.pipeline.write_from(remote.handle, handle, digest.update, progress)
            manifest = Manifest(name, size, digest.hexdigest())
            self._replace(part, final)
            self._write_small(folder, f"{name}{MANIFEST_SUFFIX}", manifest.render())
        except TransferError:
            raise
        except (OSError, paramiko.SSHException, EOFError) as exc:
            self._drop_if_broken()
            self._forget_partial(part)
            raise TransferError(f"{self.name}: upload of {name} to {self.where} failed: {exc}") from exc
        log.info("%s: uploaded %s (%d bytes, sha256 %s)", self.name, final, size, manifest.sha256[:12])
        return manifest

    def _write_small(self, folder: str, name: str, data: bytes) -> None:
        part = self._path(folder, f"{PART_PREFIX}{name}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}")
        with self.sftp.open(part, "wb") as remote:
            remote.write(data)
        self._replace(part, self._path(folder, name))

    def _replace(self, source: str, target: str) -> None:
        try:
            self.sftp.posix_rename(source, target)
        except OSError:  # server without posix-rename@openssh.com: rename refuses an existing target
            with contextlib.suppress(FileNotFoundError):
                self.sftp.remove(target)
            self.sftp.rename(source, target)

    def _drop_if_broken(self) -> None:
        """A transfer stopped with answers still in flight (link lost, timeout, local error): the channel
        cannot be reused, so the link is closed and the next operation reconnects. After a refusal by the
        server the pipeline has read every answer due, and the link stays."""
        if self._pipeline is not None and self._pipeline.busy:
            self.close()

    def _forget_partial(self, part: str) -> None:
        """Remove our own temporary upload if the link still allows; the listing ignores it anyway."""
        with contextlib.suppress(Exception):
            if self._transport is not None and self._transport.is_active():
                self.sftp.remove(part)

    def list_ready(self, folder: str, pattern: str = "*") -> list[RemoteFile]:
        """Complete files (manifest present) in ``folder`` whose names match ``pattern``, oldest first."""
        try:
            entries = self.sftp.listdir_attr(check_remote_dir(folder) or ".")
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise TransferError(f"{self.name}: cannot list {folder} on {self.where}: {exc}") from exc
        names = {entry.filename for entry in entries}
        ready = []
        for entry in entries:
            name = entry.filename
            if name.startswith(PART_PREFIX) or name.endswith(MANIFEST_SUFFIX) or not stat.S_ISREG(entry.st_mode or 0):
                continue
            try:
                check_remote_name(name)
            except UnsafeRemoteName as exc:
                log.warning("%s: ignoring %s in %s: %s", self.name, ascii(name), folder, exc)
                continue
            if not fnmatch.fnmatchcase(name, pattern):
                continue  # foreign file: not ours to take
            if f"{name}{MANIFEST_SUFFIX}" not in names:
                continue  # not complete yet (or not from a well-behaved sender)
            ready.append(RemoteFile(name, int(entry.st_size or 0), int(entry.st_mtime or 0)))
        return sorted(ready, key=lambda f: (f.mtime, f.name))

    def read_manifest(self, folder: str, name: str) -> Manifest:
        path = self._path(folder, f"{name}{MANIFEST_SUFFIX}")
        try:
            with self.sftp.open(path, "rb") as remote:
                data = remote.read(4096)
        except FileNotFoundError as exc:
            raise TransferError(f"{name}: no manifest {name}{MANIFEST_SUFFIX} in {folder}: not complete") from exc
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise TransferError(f"{self.name}: cannot read the manifest of {name} on {self.where}: {exc}") from exc
        return Manifest.parse(data, name)

    def download(
        self,
        folder: str,
        name: str,
        target: Path,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> Manifest:
        """Stream ``folder/name`` to ``target``; size and SHA-256 must match the manifest, or nothing is kept."""
        path = self._path(folder, name)
        manifest = self.read_manifest(folder, name)
        target = Path(target)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        digest = hashlib.sha256()
        try:
            with self.sftp.open(path, "rb") as remote, open(partial, "wb", buffering=0) as local:

                def sink(block: memoryview) -> None:
                    digest.update(block)
                    local.write(block)

                actual = remote.stat().st_size
                if actual != manifest.size:
                    raise TransferError(
                        f"{name}: the server holds {actual} bytes but the manifest says {manifest.size}"
                    )
                size = self.pipeline.read_into(remote.handle, manifest.size, sink, progress)
            if size != manifest.size:
                raise TransferError(f"{name}: downloaded {size} bytes but the manifest says {manifest.size}")
            if digest.hexdigest() != manifest.sha256:
                raise TransferError(f"{name}: SHA-256 {digest.hexdigest()[:16]}… does not match the manifest")
            os.replace(partial, target)
        except TransferError:
            partial.unlink(missing_ok=True)
            self._drop_if_broken()
            raise
        except (OSError, paramiko.SSHException, EOFError) as exc:
            partial.unlink(missing_ok=True)
            self._drop_if_broken()
            raise TransferError(f"{self.name}: download of {name} from {self.where} failed: {exc}") from exc
        return manifest

    def archive(self, folder: str, name: str, archive_folder: str) -> str:
        """Move a processed file and its manifest to ``archive_folder`` (call only after the load committed).

        An archived file of the same name is kept: the newcomer gets a time suffix. Returns the archived name.
        """
        self.ensure_dir(archive_folder)
        archived = name
        try:
            self.sftp.stat(self._path(archive_folder, archived))
            archived = f"{name}.{time.strftime('%Y%m%dT%H%M%S')}.{uuid.uuid4().hex[:4]}"
        except FileNotFoundError:
            pass
        try:
            self.sftp.rename(self._path(folder, name), self._path(archive_folder, archived))
            with contextlib.suppress(FileNotFoundError):
                self.sftp.rename(
                    self._path(folder, f"{name}{MANIFEST_SUFFIX}"),
                    self._path(archive_folder, f"{archived}{MANIFEST_SUFFIX}"),
                )
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise TransferError(f"{self.name}: cannot archive {name} on {self.where}: {exc}") from exc
        return archived

    def exists(self, folder: str, name: str) -> bool:
        try:
            self.sftp.stat(self._path(folder, name))
            return True
        except FileNotFoundError:
            return False
