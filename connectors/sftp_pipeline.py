"""Pipelined SFTP reads and writes on a paramiko SFTP channel, for large files.

Why not ``SFTPFile.readv``/``write``: paramiko sends at most 32 KiB per request, copies every response
through its ``Message`` class, keeps prefetched blocks in a dict searched linearly on every read, and its
channel buffer (an ``array``) is shifted by a ``del buffer[:n]`` for every 4-byte length it reads, so the
client spends its time in Python per block while OpenSSH's client moves the same bytes at wire speed.

Here each request asks for up to the server's own limit (``limits@openssh.com``; 255 KiB on OpenSSH,
32 KiB, which every SFTP v3 server accepts, when the server does not say), at most ``window`` bytes are in
flight (memory stays bounded whatever the file size), responses are taken from the channel in large
slices and parsed in place, and data goes to the file and the digest without further copies.

Request ids come from the SFTP client's own counter, so the link's other operations (stat, rename, close)
keep working on the same channel afterwards. A failure mid-stream leaves responses in flight: the caller
must close the link (``SftpLink`` does) rather than reuse it.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

import paramiko
from paramiko.sftp import CMD_DATA, CMD_EXTENDED, CMD_EXTENDED_REPLY, CMD_READ, CMD_STATUS, CMD_WRITE, SFTP_EOF

#: What every SFTP v3 server accepts; used when the server does not announce its limits.
SAFE_REQUEST = 32_768
#: Our own ceiling per request (OpenSSH's sftp-server allows 256 KiB messages: 255 KiB of data).
MAX_REQUEST = 255 * 1024
#: Bytes requested but not yet received (reads) or sent but not yet acknowledged (writes). 4 MiB covers
#: 200 MB/s at 20 ms round trip; more only makes the channel's buffer (copied on every take) larger.
DEFAULT_IN_FLIGHT = 4 * 1024 * 1024


class PipelineError(OSError):
    """The server answered a pipelined request with an error (or the stream broke); ``str`` says which."""


class Refused(PipelineError):
    """The server refused a request or the file ended early: the channel itself is fine, and every other
    answer in flight has been read, so the link can go on (e.g. to remove a partial upload)."""


@dataclass(frozen=True)
class Limits:
    """Request sizes for one server: from ``limits@openssh.com`` or the SFTP v3 safe default."""

    read: int = SAFE_REQUEST
    write: int = SAFE_REQUEST

    @classmethod
    def of(cls, sftp: paramiko.SFTPClient, ceiling: int = MAX_REQUEST) -> Limits:
        """Ask the server (one round trip); a server without the extension gets 32 KiB requests."""
        try:
            kind, msg = sftp._request(CMD_EXTENDED, "limits@openssh.com")
        except (OSError, paramiko.SSHException):
            return cls()
        if kind != CMD_EXTENDED_REPLY:
            return cls()
        _packet, read, write = msg.get_int64(), msg.get_int64(), msg.get_int64()
        return cls(
            read=min(ceiling, read) if read >= SAFE_REQUEST else SAFE_REQUEST,
            write=min(ceiling, write) if write >= SAFE_REQUEST else SAFE_REQUEST,
        )


class Pipeline:
    """Raw SFTP requests on ``sftp``'s channel with a bounded number of bytes in flight."""

    def __init__(self, sftp: paramiko.SFTPClient, limits: Limits, in_flight: int = DEFAULT_IN_FLIGHT):
        self.sftp = sftp
        self.channel = sftp.get_channel()
        self.limits = limits
        self.in_flight = max(in_flight, limits.read, limits.write)
        # Take everything the channel holds at once: paramiko moves the rest of its buffer on a partial take.
        self._recv_size = self.in_flight + 2 * MAX_REQUEST
        self._chunk = b""  # the last take from the channel, read through a view from self._pos on
        self._view = memoryview(self._chunk)
        self._pos = 0
        self.busy = False  # True while requests may be unanswered (after an error: do not reuse)

    # -- the wire ---------------------------------------------------------------------------------
    def _ids(self, count: int = 1) -> int:
        with self.sftp._lock:
            first = self.sftp.request_number
            self.sftp.request_number += count
        return first

    def _take(self, size: int) -> memoryview:
        """The next ``size`` bytes of the channel as a view: no copy, unless they straddle two takes from
        the channel (then only they are joined)."""
        start = self._pos
        if len(self._chunk) - start >= size:
            self._pos = start + size
            return self._view[start : start + size]
        pieces, have = [self._view[start:]], len(self._chunk) - start
        while True:
            chunk = self.channel.recv(self._recv_size)
            if not chunk:
                raise PipelineError("the server closed the SFTP channel")
            if have + len(chunk) >= size:
                self._chunk, self._view, self._pos = chunk, memoryview(chunk), size - have
                pieces.append(self._view[: self._pos])
                return memoryview(b"".join(pieces))
            pieces.append(chunk)
            have += len(chunk)

    def _response(self) -> tuple[int, int, memoryview]:
        """Wait for one response; return its type, its request id and its body (after the id)."""
        length, kind, rid = struct.unpack(">IBI", self._take(9))
        if length < 5 or length > MAX_REQUEST + 4096:
            raise PipelineError(f"malformed SFTP response (length {length})")
        return kind, rid, self._take(length - 5)

    @staticmethod
    def _status(body: memoryview) -> tuple[int, str]:
        code, size = struct.unpack_from(">II", body, 0)
        return code, bytes(body[8 : 8 + size]).decode("utf-8", "replace")

    # -- reading ----------------------------------------------------------------------------------
    def _send_read(self, handle: bytes, rid: int, offset: int, length: int) -> None:
        self.channel.sendall(
            struct.pack(f">IBII{len(handle)}sQI", 21 + len(handle), CMD_READ, rid, len(handle), handle, offset, length)
        )

    def read_into(
        self,
        handle: bytes,
        size: int,
        sink: Callable[[memoryview], None],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Read bytes 0…``size`` of the open remote file ``handle`` in order into ``sink``; return the count.

        Short answers (a server may return less than asked) are asked again for the rest; an early end of
        file or an error status raises :class:`PipelineError`."""
        step = self.limits.read
        depth = max(1, self.in_flight // step)
        pending: deque[tuple[int, int, int]] = deque()  # (id, offset, length) in file order
        early: dict[int, bytes | tuple[int, str]] = {}  # answers that came before the head's (rare)
        self.busy = True
        try:
            self._read_loop(handle, size, sink, progress, step, depth, pending, early)
        except Refused:
            self._settle({rid for rid, _offset, _length in pending} - set(early))
            raise
        self.busy = False
        return size

    def _read_loop(self, handle, size, sink, progress, step, depth, pending, early) -> None:
        next_offset = done = 0
        while done < size:
            while next_offset < size and len(pending) < depth:
                length = min(step, size - next_offset)
                rid = self._ids()
                self._send_read(handle, rid, next_offset, length)
                pending.append((rid, next_offset, length))
                next_offset += length
            rid, offset, length = pending[0]
            answer = early.pop(rid, None)
            if answer is None:
                kind, got, body = self._response()
                if got != rid:  # out of order: keep it for later (copied; servers seldom do this)
                    early[got] = self._copy_answer(kind, got, body)
                    continue
                if kind == CMD_DATA:
                    (count,) = struct.unpack_from(">I", body, 0)
                    if not 0 < count <= length or 4 + count > len(body):
                        raise PipelineError(f"bad read answer at offset {offset}: {count} bytes for {length}")
                    sink(body[4 : 4 + count])
                else:
                    answer = self._copy_answer(kind, got, body)
            if answer is not None:
                if isinstance(answer, tuple):
                    code, text = answer
                    pending.popleft()  # answered: not to be waited for when settling
                    if code == SFTP_EOF:
                        raise Refused(f"the file ended at {offset} bytes while being read")
                    raise Refused(f"read at offset {offset} refused: {text or 'status ' + str(code)}")
                count = len(answer)
                if not 0 < count <= length:
                    raise PipelineError(f"bad read answer at offset {offset}: {count} bytes for {length}")
                sink(memoryview(answer))
            pending.popleft()
            done += count
            if count < length:  # a short read: ask for the rest first
                rid = self._ids()
                self._send_read(handle, rid, offset + count, length - count)
                pending.appendleft((rid, offset + count, length - count))
            if progress:
                progress(done)

    def _copy_answer(self, kind: int, rid: int, body: memoryview) -> bytes | tuple[int, str]:
        if kind == CMD_STATUS:
            return self._status(body)
        if kind == CMD_DATA:
            (count,) = struct.unpack_from(">I", body, 0)
            return bytes(body[4 : 4 + count])
        raise PipelineError(f"unexpected SFTP response type {kind} to request {rid}")

    # -- writing ----------------------------------------------------------------------------------
    def write_from(
        self,
        handle: bytes,
        source: BinaryIO,
        on_block: Callable[[bytes], None],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Write ``source`` (read in blocks, each passed to ``on_block`` first) to the open remote file
        ``handle`` from offset 0; wait for every acknowledgement; return the byte count."""
        step = self.limits.write
        depth = max(1, self.in_flight // step)
        unacked: deque[tuple[int, int]] = deque()  # (id, offset)
        offset = 0
        head = struct.Struct(f">IBII{len(handle)}sQI")
        self.busy = True
        try:
            offset = self._write_loop(handle, source, on_block, progress, step, depth, unacked, head)
        except Refused:
            self._settle({rid for rid, _offset in unacked})
            raise
        self.busy = False
        return offset

    def _write_loop(self, handle, source, on_block, progress, step, depth, unacked, head) -> int:
        offset = 0
        while block := source.read(max(step, 1 << 20)):
            on_block(block)
            with memoryview(block) as view:
                for start in range(0, len(block), step):
                    piece = view[start : start + step]
                    while len(unacked) >= depth or (unacked and self.channel.recv_ready()):
                        self._ack(unacked)
                    rid = self._ids()
                    header = head.pack(21 + len(handle) + len(piece), CMD_WRITE, rid, len(handle), handle,
                                       offset + start, len(piece))  # fmt: skip
                    self.channel.sendall(header + piece)
                    unacked.append((rid, offset + start))
            offset += len(block)
            if progress:
                progress(offset)
        while unacked:
            self._ack(unacked)
        return offset

    def _settle(self, ids: set[int]) -> None:
        """Read and drop the answers still due after a refusal, so that the channel can be used again."""
        while ids:
            _kind, rid, _body = self._response()
            ids.discard(rid)
        self.busy = False

    def _ack(self, unacked: deque[tuple[int, int]]) -> None:
        kind, rid, body = self._response()
        expected = {r: o for r, o in unacked}
        if rid not in expected or kind != CMD_STATUS:
            raise PipelineError(f"unexpected SFTP response (type {kind}, id {rid}) to a write")
        code, text = self._status(body)
        unacked.remove((rid, expected[rid]))
        if code != 0:
            raise Refused(f"write at offset {expected[rid]} refused: {text or 'status ' + str(code)}")
