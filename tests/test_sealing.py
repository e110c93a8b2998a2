"""Sealed exchange files: sign then encrypt, verify then open; wrong keys and any alteration are refused."""

from __future__ import annotations

import os

import pytest

from hub.sealing import Party, SealError, open_sealed, seal, verify


@pytest.fixture(scope="module")
def court():
    return Party.generate()


@pytest.fixture(scope="module")
def bank():
    return Party.generate()


def _seal(tmp_path, court, bank, data: bytes, name="REQ_1.dat", frame_size=1 << 20):
    target = tmp_path / f"{name}.sealed"
    blocks = (data[i : i + 70_000] for i in range(0, len(data), 70_000))
    seal(blocks, target, file_name=name, sender=court.sign_private, recipient=bank.box_public, frame_size=frame_size)
    return target


def _open(path, court, bank, name="REQ_1.dat") -> bytes:
    return b"".join(
        open_sealed(path, sender_public=court.verify_public, recipient_private=bank.box_private, expected_name=name)
    )


@pytest.mark.parametrize("size", [0, 1, 4096, 4096 * 3, 1_000_003])
def test_round_trip_across_frame_boundaries(tmp_path, court, bank, size):
    data = os.urandom(size)
    path = _seal(tmp_path, court, bank, data, frame_size=4096)
    assert _open(path, court, bank) == data
    assert data[:64] not in path.read_bytes() or size < 64  # encrypted at rest


def test_signed_by_the_wrong_key_is_refused_before_decrypting(tmp_path, court, bank):
    impostor = Party.generate()
    path = _seal(tmp_path, impostor, bank, b"hello")
    with pytest.raises(SealError, match=r"REQ_1\.dat\.sealed: signed by key"):
        _open(path, court, bank)
    # an impostor who claims the court's key id still fails the signature
    data = bytearray(path.read_bytes())
    data = data.replace(verify(path, impostor.verify_public).sender.encode(), _court_id(court).encode())
    path.write_bytes(bytes(data))
    with pytest.raises(SealError, match="signature does not verify"):
        _open(path, court, bank)


def _court_id(court) -> str:
    from hub.sealing import key_id

    return key_id(court.verify_public)


@pytest.mark.parametrize("where", [20, 200, -70, -1])
def test_any_byte_altered_after_signing_is_refused(tmp_path, court, bank, where):
    path = _seal(tmp_path, court, bank, os.urandom(10_000))
    data = bytearray(path.read_bytes())
    data[where] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SealError, match=r"REQ_1\.dat\.sealed"):
        _open(path, court, bank)


def test_truncated_and_renamed_files_are_refused(tmp_path, court, bank):
    path = _seal(tmp_path, court, bank, os.urandom(50_000), frame_size=4096)
    (tmp_path / "short").write_bytes(path.read_bytes()[:-5000])
    with pytest.raises(SealError, match="short"):
        _open(tmp_path / "short", court, bank)
    with pytest.raises(SealError, match="renamed"):
        _open(path, court, bank, name="REQ_2.dat")


def test_only_the_recipient_can_open(tmp_path, court, bank):
    path = _seal(tmp_path, court, bank, b"secret")
    other = Party.generate()
    with pytest.raises(SealError, match="sealed for key"):
        b"".join(open_sealed(path, sender_public=court.verify_public, recipient_private=other.box_private))


def test_not_a_sealed_file(tmp_path, court, bank):
    path = tmp_path / "plain.dat"
    path.write_bytes(b"H" * 200)
    with pytest.raises(SealError, match=r"plain\.dat: not a sealed file"):
        _open(path, court, bank)
