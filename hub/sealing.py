"""Sealing of exchange files: sign with the sender's Ed25519 key, encrypt for the recipient's X25519 key.

Format ``NXSEAL01`` (docs/seal_format.md gives it byte by byte, so that a bank can implement it):

    magic  "NXSEAL01"                                    8 bytes
    hlen   header length, unsigned big-endian            4 bytes
    header UTF-8 JSON (sorted keys): v, alg, file, sender, recipient, eph, wrap_nonce, wrapped_key,
           nonce_prefix, frame_size
    frames repeated: clen (4 bytes, big-endian, high bit set on the last frame) + AES-256-GCM ciphertext
           of at most frame_size plaintext bytes; nonce = nonce_prefix (8 bytes) ‖ frame index (4 bytes
           big-endian); associated data = SHA-256(magic ‖ hlen ‖ header) ‖ last-frame flag (1 byte)
    sig    Ed25519 signature (64 bytes) by the sender over
           "NXSEAL01-SIG" ‖ SHA-256(every byte before the signature)

The content key (32 random bytes) is wrapped with AES-256-GCM under a key-encryption key derived by
HKDF-SHA256 from X25519(ephemeral private, recipient public); salt = eph public ‖ recipient public,
info = "NXSEAL01 key wrap". Frames bound to their index and the last-frame flag make truncation,
reordering and splicing fail. :func:`open_sealed` verifies the signature over the whole file first and
only then decrypts (verify, then open, then parse); both passes stream, memory is one frame.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.errors import ConfigurationError, HubError

MAGIC = b"NXSEAL01"
ALGORITHM = "Ed25519+X25519-HKDF-SHA256+AES-256-GCM"
SIGNATURE_CONTEXT = b"NXSEAL01-SIG"
WRAP_INFO = b"NXSEAL01 key wrap"
FRAME_SIZE = 1 << 20
LAST_FLAG = 0x8000_0000
SIGNATURE_SIZE = 64
MAX_HEADER = 16_384


class SealError(HubError):
    """A sealed file cannot be trusted or opened (wrong key, altered, truncated); the file is named."""


def key_id(public_key: Ed25519PublicKey | X25519PublicKey) -> str:
    """A short, stable name of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _raw(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_key(text: str | bytes, kind: type):
    """Load a PEM key (private or public) of the expected class; raise ConfigurationError otherwise."""
    data = text.encode() if isinstance(text, str) else text
    try:
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ConfigurationError(f"key is not a PEM {kind.__name__}: {exc}") from exc
    if not isinstance(key, kind):
        raise ConfigurationError(f"key is a {type(key).__name__}, expected {kind.__name__}")
    return key


def pem(key) -> str:
    """PEM text of a key (PKCS8 for private, SubjectPublicKeyInfo for public)."""
    if hasattr(key, "private_bytes"):
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    else:
        data = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return data.decode()


@dataclass(frozen=True)
class Party:
    """One side's keys as another side knows them (public) or as it holds them (private)."""

    sign_private: Ed25519PrivateKey | None = None
    verify_public: Ed25519PublicKey | None = None
    box_private: X25519PrivateKey | None = None
    box_public: X25519PublicKey | None = None

    @classmethod
    def generate(cls) -> Party:
        """A new key set (sandbox and tests; production keys come from Airflow connections)."""
        sign, box = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
        return cls(sign, sign.public_key(), box, box.public_key())

    def public(self) -> Party:
        return Party(verify_public=self.verify_public, box_public=self.box_public)


def _header_digest(header_bytes: bytes) -> bytes:
    return hashlib.sha256(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes).digest()


def seal(
    plaintext: Iterable[bytes],
    target: Path,
    *,
    file_name: str,
    sender: Ed25519PrivateKey,
    recipient: X25519PublicKey,
    frame_size: int = FRAME_SIZE,
) -> int:
    """Write ``plaintext`` (an iterable of byte blocks) sealed to ``target``; return the sealed size."""
    content_key = AESGCM.generate_key(256)
    ephemeral = X25519PrivateKey.generate()
    kek = _kek(ephemeral.exchange(recipient), _raw(ephemeral.public_key()), _raw(recipient))
    wrap_nonce, nonce_prefix = os.urandom(12), os.urandom(8)
    header = {
        "v": 1,
        "alg": ALGORITHM,
        "file": file_name,
        "sender": key_id(sender.public_key()),
        "recipient": key_id(recipient),
        "eph": base64.b64encode(_raw(ephemeral.public_key())).decode(),
        "wrap_nonce": base64.b64encode(wrap_nonce).decode(),
        "wrapped_key": base64.b64encode(AESGCM(kek).encrypt(wrap_nonce, content_key, WRAP_INFO)).decode(),
        "nonce_prefix": base64.b64encode(nonce_prefix).decode(),
        "frame_size": frame_size,
    }
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    digest_of_header = _header_digest(header_bytes)
    aead = AESGCM(content_key)
    transcript = hashlib.sha256()
    size = 0
    with open(target, "wb") as out:

        def emit(data: bytes) -> None:
            nonlocal size
            transcript.update(data)
            out.write(data)
            size += len(data)

        emit(MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes)
        index = 0
        frame: bytes | None = None
        for block in _reframe(plaintext, frame_size):
            if frame is not None:
                _emit_frame(emit, aead, nonce_prefix, index, frame, digest_of_header, last=False)
                index += 1
            frame = block
        _emit_frame(emit, aead, nonce_prefix, index, frame or b"", digest_of_header, last=True)
        signature = sender.sign(SIGNATURE_CONTEXT + transcript.digest())
        out.write(signature)
        size += len(signature)
    return size


def _emit_frame(emit, aead: AESGCM, prefix: bytes, index: int, frame: bytes, header_digest: bytes, last: bool):
    nonce = prefix + struct.pack(">I", index)
    ciphertext = aead.encrypt(nonce, frame, header_digest + (b"\x01" if last else b"\x00"))
    emit(struct.pack(">I", len(ciphertext) | (LAST_FLAG if last else 0)) + ciphertext)


def _reframe(blocks: Iterable[bytes], size: int) -> Iterator[bytes]:
    buffer = bytearray()
    for block in blocks:
        buffer += block
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def _kek(shared: bytes, eph_raw: bytes, recipient_raw: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_raw + recipient_raw, info=WRAP_INFO).derive(shared)


@dataclass(frozen=True)
class SealedHeader:
    file: str
    sender: str
    recipient: str
    header: dict
    header_bytes: bytes


def _read_header(handle, path: Path) -> SealedHeader:
    magic = handle.read(8)
    if magic != MAGIC:
        raise SealError(f"{path.name}: not a sealed file (magic {magic[:8]!r})")
    (length,) = struct.unpack(">I", handle.read(4) or b"\0\0\0\0")
    if not 0 < length <= MAX_HEADER:
        raise SealError(f"{path.name}: seal header length {length} is out of range")
    header_bytes = handle.read(length)
    try:
        header = json.loads(header_bytes)
        return SealedHeader(header["file"], header["sender"], header["recipient"], header, header_bytes)
    except (ValueError, KeyError, TypeError) as exc:
        raise SealError(f"{path.name}: seal header unreadable ({exc})") from exc


def verify(path: Path, sender_public: Ed25519PublicKey) -> SealedHeader:
    """Check the signature over the whole file (streamed); return the header. Raise SealError otherwise."""
    path = Path(path)
    size = path.stat().st_size
    if size < 8 + 4 + SIGNATURE_SIZE:
        raise SealError(f"{path.name}: too short to be a sealed file ({size} bytes)")
    transcript = hashlib.sha256()
    with open(path, "rb") as handle:
        header = _read_header(handle, path)
        if header.sender != key_id(sender_public):
            raise SealError(
                f"{path.name}: signed by key {header.sender}, expected the partner's key {key_id(sender_public)}"
            )
        handle.seek(0)
        remaining = size - SIGNATURE_SIZE
        while remaining:
            block = handle.read(min(remaining, 1 << 20))
            if not block:
                raise SealError(f"{path.name}: truncated")
            transcript.update(block)
            remaining -= len(block)
        signature = handle.read(SIGNATURE_SIZE)
    try:
        sender_public.verify(signature, SIGNATURE_CONTEXT + transcript.digest())
    except InvalidSignature:
        raise SealError(
            f"{path.name}: signature does not verify: altered after signing or not signed by the partner"
        ) from None
    return header


def open_sealed(
    path: Path,
    *,
    sender_public: Ed25519PublicKey,
    recipient_private: X25519PrivateKey,
    expected_name: str | None = None,
) -> Iterator[bytes]:
    """Verify ``path`` completely, then yield its plaintext frame by frame.

    Nothing is yielded unless the signature verified; a frame that fails its AEAD tag raises SealError.
    """
    path = Path(path)
    header = verify(path, sender_public)  # raises before any plaintext exists
    if header.recipient != key_id(recipient_private.public_key()):
        raise SealError(f"{path.name}: sealed for key {header.recipient}, not for this side's key")
    if expected_name is not None and header.file != expected_name:
        raise SealError(f"{path.name}: sealed as {header.file!r}; a renamed file is refused")
    return _decrypt_frames(path, header, recipient_private)


def _decrypt_frames(path: Path, header: SealedHeader, recipient_private: X25519PrivateKey) -> Iterator[bytes]:
    h = header.header
    try:
        eph = X25519PublicKey.from_public_bytes(base64.b64decode(h["eph"]))
        kek = _kek(recipient_private.exchange(eph), _raw(eph), _raw(recipient_private.public_key()))
        content_key = AESGCM(kek).decrypt(
            base64.b64decode(h["wrap_nonce"]), base64.b64decode(h["wrapped_key"]), WRAP_INFO
        )
        prefix = base64.b64decode(h["nonce_prefix"])
    except (InvalidTag, ValueError, KeyError) as exc:
        raise SealError(f"{path.name}: the content key cannot be unwrapped with this side's key") from exc
    aead = AESGCM(content_key)
    header_digest = _header_digest(header.header_bytes)
    end = path.stat().st_size - SIGNATURE_SIZE
    with open(path, "rb") as handle:
        handle.seek(8 + 4 + len(header.header_bytes))
        index = 0
        while True:
            if handle.tell() + 4 > end:
                raise SealError(f"{path.name}: truncated (no last frame)")
            (word,) = struct.unpack(">I", handle.read(4))
            last, length = bool(word & LAST_FLAG), word & ~LAST_FLAG
            if handle.tell() + length > end:
                raise SealError(f"{path.name}: frame {index} runs past the end")
            ciphertext = handle.read(length)
            try:
                yield aead.decrypt(prefix + struct.pack(">I", index), ciphertext, header_digest + bytes([last]))
            except InvalidTag:
                raise SealError(f"{path.name}: frame {index} fails authentication") from None
            index += 1
            if last:
                if handle.tell() != end:
                    raise SealError(f"{path.name}: data after the last frame")
                return
