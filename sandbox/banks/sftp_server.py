"""An in-process SFTP server (paramiko) for ``make demo``: no sshd needed on the demo machine.

It serves one directory over SFTP on a loopback port, with its own ed25519 host key, and lets in only the
one client key it was given (public-key authentication, no passwords). Paths are confined to the served
directory. Tests use the real OpenSSH sshd instead (tests/sftp_fixtures.py); the hub's client is the same.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import os
import socket
import threading
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)


def new_ed25519(path: Path | None = None) -> tuple[paramiko.Ed25519Key, str]:
    """A new ed25519 key as paramiko holds it, and its public line; written (mode 600) to ``path`` if given."""
    key = Ed25519PrivateKey.generate()
    text = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    if path is not None:
        path.write_text(text)
        path.chmod(0o600)
    pkey = paramiko.Ed25519Key.from_private_key(io.StringIO(text))
    return pkey, f"{pkey.get_name()} {pkey.get_base64()}"


class _Server(paramiko.ServerInterface):
    def __init__(self, authorized: paramiko.PKey):
        self.authorized = authorized

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL if key == self.authorized else paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel, name):
        return super().check_channel_subsystem_request(channel, name) if name == "sftp" else False


class _Handle(paramiko.SFTPHandle):
    def stat(self):
        try:
            return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def chattr(self, attr):
        return paramiko.SFTP_OK


class _Folder(paramiko.SFTPServerInterface):
    def __init__(self, server, root: Path, *args, **kwargs):
        super().__init__(server, *args, **kwargs)
        self.root = Path(root).resolve()

    def _real(self, path: str) -> str:
        virtual = os.path.normpath("/" + path).lstrip("/")
        real = (self.root / virtual).resolve()
        if real != self.root and self.root not in real.parents:
            raise PermissionError(path)
        return str(real)

    def _call(self, function, *args):
        try:
            return function(*args)
        except PermissionError:
            return paramiko.SFTP_PERMISSION_DENIED
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def canonicalize(self, path):
        return os.path.normpath("/" + path)

    def list_folder(self, path):
        def listing():
            real = self._real(path)
            out = []
            for name in os.listdir(real):
                attr = paramiko.SFTPAttributes.from_stat(os.lstat(os.path.join(real, name)))
                attr.filename = name
                out.append(attr)
            return out

        return self._call(listing)

    def stat(self, path):
        return self._call(lambda: paramiko.SFTPAttributes.from_stat(os.stat(self._real(path))))

    def lstat(self, path):
        return self._call(lambda: paramiko.SFTPAttributes.from_stat(os.lstat(self._real(path))))

    def open(self, path, flags, attr):
        def opening():
            real = self._real(path)
            fd = os.open(real, flags | getattr(os, "O_BINARY", 0), 0o640)
            if flags & os.O_WRONLY:
                mode = "ab" if flags & os.O_APPEND else "wb"
            elif flags & os.O_RDWR:
                mode = "a+b" if flags & os.O_APPEND else "r+b"
            else:
                mode = "rb"
            handle = _Handle(flags)
            handle.filename = real
            handle.readfile = handle.writefile = os.fdopen(fd, mode)
            return handle

        return self._call(opening)

    def remove(self, path):
        return self._call(lambda: (os.remove(self._real(path)), paramiko.SFTP_OK)[1])

    def rename(self, oldpath, newpath):
        def renaming():
            target = self._real(newpath)
            if os.path.exists(target):
                return paramiko.SFTP_FAILURE
            os.rename(self._real(oldpath), target)
            return paramiko.SFTP_OK

        return self._call(renaming)

    def posix_rename(self, oldpath, newpath):
        return self._call(lambda: (os.replace(self._real(oldpath), self._real(newpath)), paramiko.SFTP_OK)[1])

    def mkdir(self, path, attr):
        return self._call(lambda: (os.mkdir(self._real(path)), paramiko.SFTP_OK)[1])

    def rmdir(self, path):
        return self._call(lambda: (os.rmdir(self._real(path)), paramiko.SFTP_OK)[1])

    def chattr(self, path, attr):
        return paramiko.SFTP_OK


class InProcessSftpServer:
    """Serve ``root`` over SFTP on 127.0.0.1 until :meth:`stop`; one thread per connection."""

    def __init__(self, root: Path, client_key_line: str, *, host_key: paramiko.PKey | None = None):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        kind, data = client_key_line.split()[:2]
        self.authorized = paramiko.PKey.from_type_string(kind, base64.b64decode(data))
        if host_key is None:
            host_key, _line = new_ed25519()
        self.host_key, self.host_key_line = host_key, f"{host_key.get_name()} {host_key.get_base64()}"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._listener.getsockname()[:2]
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._thread = threading.Thread(target=self._accept, name="sandbox-sftp", daemon=True)

    def start(self) -> InProcessSftpServer:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(sock)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Folder, self.root)
            try:
                transport.start_server(server=_Server(self.authorized))
            except (paramiko.SSHException, EOFError, OSError):
                log.warning("sandbox SFTP: a client failed the handshake")
                continue
            self._transports.append(transport)

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        for transport in self._transports:
            with contextlib.suppress(Exception):
                transport.close()
        self._thread.join(timeout=5)
