"""The SFTP transport against the real OpenSSH sshd: pinned host keys, atomic upload with a manifest,
verified download, archive, listing, hostile names, and links cut mid-transfer (tests/faultproxy.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from connectors.sftp import (
    HostKeyError,
    Manifest,
    SftpLink,
    SftpSettings,
    TransferError,
    UnsafeRemoteName,
    check_remote_name,
)
from tests.faultproxy import FaultProxy
from tests.sftp_fixtures import running_sshd, write_ed25519_key


def _payload(size: int) -> bytes:
    return (hashlib.sha256(b"seed").digest() * (size // 32 + 1))[:size]


def test_upload_goes_through_a_temporary_name_and_the_manifest_comes_last(sshd, sftp_dir, tmp_path):
    data = _payload(300_000)
    source = tmp_path / "REQ_1.dat"
    source.write_bytes(data)
    with SftpLink(sshd.settings()) as link:
        manifest = link.upload(source, sftp_dir, "REQ_1.dat")
    folder = sshd.files / sftp_dir
    assert (folder / "REQ_1.dat").read_bytes() == data
    assert Manifest.parse((folder / "REQ_1.dat.sha256").read_bytes(), "REQ_1.dat") == manifest
    assert manifest.sha256 == hashlib.sha256(data).hexdigest() and manifest.size == len(data)
    assert sorted(os.listdir(folder)) == ["REQ_1.dat", "REQ_1.dat.sha256"]  # no .part left


def test_download_checks_size_and_checksum_and_keeps_nothing_on_mismatch(sshd, sftp_dir, tmp_path):
    folder = sshd.files / sftp_dir
    data = _payload(100_000)
    with SftpLink(sshd.settings()) as link:
        link.upload(_write(tmp_path / "a", data), sftp_dir, "RESP_1.dat")
        target = tmp_path / "got.dat"
        assert link.download(sftp_dir, "RESP_1.dat", target).size == len(data)
        assert target.read_bytes() == data
        # altered on the server after its manifest was written
        (folder / "RESP_1.dat").write_bytes(data[:-1] + b"X")
        with pytest.raises(TransferError, match=r"RESP_1\.dat: SHA-256"):
            link.download(sftp_dir, "RESP_1.dat", tmp_path / "bad.dat")
        (folder / "RESP_1.dat").write_bytes(data[:-10])
        with pytest.raises(TransferError, match=r"RESP_1\.dat: the server holds 99990 bytes"):
            link.download(sftp_dir, "RESP_1.dat", tmp_path / "bad.dat")
    assert not (tmp_path / "bad.dat").exists()
    assert [p for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_listing_ignores_partial_foreign_unfinished_and_unsafe_files(sshd, sftp_dir, tmp_path):
    folder = sshd.files / sftp_dir
    with SftpLink(sshd.settings()) as link:
        link.upload(_write(tmp_path / "a", b"x"), sftp_dir, "RESP_A.dat")
        link.upload(_write(tmp_path / "b", b"y"), sftp_dir, "notes.txt")  # foreign to the pattern
        (folder / ".RESP_B.dat.1234.part").write_bytes(b"partial")
        (folder / "RESP_C.dat").write_bytes(b"no manifest yet")
        (folder / "RESP_\nD.dat").write_bytes(b"hostile")
        (folder / "RESP_\nD.dat.sha256").write_bytes(b"x")
        (folder / "RESP_dir.dat").mkdir()
        assert [f.name for f in link.list_ready(sftp_dir, "RESP_*.dat")] == ["RESP_A.dat"]


@pytest.mark.parametrize("name", ["../x.dat", "/etc/passwd", "a/../../b", "..", "a\x00b", "a\nb", "", "a\\b"])
def test_hostile_remote_names_are_refused_before_touching_the_server(sshd, sftp_dir, tmp_path, name):
    with pytest.raises(UnsafeRemoteName):
        check_remote_name(name)
    with SftpLink(sshd.settings()) as link, pytest.raises(UnsafeRemoteName):
        link.download(sftp_dir, name, tmp_path / "x")


def test_archive_moves_file_and_manifest_and_never_overwrites(sshd, sftp_dir, tmp_path):
    folder = sshd.files / sftp_dir
    with SftpLink(sshd.settings()) as link:
        link.upload(_write(tmp_path / "a", b"one"), sftp_dir, "RESP_1.dat")
        assert link.archive(sftp_dir, "RESP_1.dat", f"{sftp_dir}/archive") == "RESP_1.dat"
        link.upload(_write(tmp_path / "a", b"two"), sftp_dir, "RESP_1.dat")
        second = link.archive(sftp_dir, "RESP_1.dat", f"{sftp_dir}/archive")
    assert second != "RESP_1.dat"
    archived = folder / "archive"
    assert (archived / "RESP_1.dat").read_bytes() == b"one" and (archived / second).read_bytes() == b"two"
    assert (archived / f"{second}.sha256").exists() and not (folder / "RESP_1.dat").exists()


def test_an_unknown_host_key_is_refused(sshd):
    with pytest.raises(HostKeyError, match="no pinned host key"):
        SftpLink(sshd.settings(host_key=None)).connect()


def test_a_changed_host_key_is_refused_with_both_fingerprints(sshd, tmp_path):
    # Same client key, same address pattern, but a server with a new host key.
    with running_sshd(tmp_path / "other", client_key_path=sshd.client_key_path) as other:
        settings = other.settings(host_key=sshd.host_key_line)  # pinned: the old key
        with pytest.raises(HostKeyError, match="HOST KEY MISMATCH") as caught:
            SftpLink(settings).connect()
        assert "SHA256:" in str(caught.value)
        with SftpLink(other.settings()) as link:  # pinned correctly: accepted
            assert link.list_ready(".") == []


def test_known_hosts_file_pins_the_key(sshd, tmp_path):
    known = tmp_path / "known_hosts"
    known.write_text(f"[{sshd.host}]:{sshd.port} {sshd.host_key_line}\n")
    with SftpLink(sshd.settings(host_key=None, known_hosts=str(known))) as link:
        link.list_ready(".")
    known.write_text(f"[{sshd.host}]:{sshd.port + 1} {sshd.host_key_line}\n")  # other host only
    with pytest.raises(HostKeyError, match="no pinned host key"):
        SftpLink(sshd.settings(host_key=None, known_hosts=str(known))).connect()


def test_a_wrong_client_key_is_refused(sshd, tmp_path):
    write_ed25519_key(tmp_path / "stranger")
    with pytest.raises(TransferError, match="SSH session failed"):
        SftpLink(sshd.settings(key_file=str(tmp_path / "stranger"))).connect()


def test_link_cut_mid_upload_leaves_no_visible_file_and_a_retry_completes_once(sshd, sftp_dir, tmp_path):
    data = _payload(3_000_000)
    source = _write(tmp_path / "REQ.dat", data)
    proxy = FaultProxy(sshd.host, sshd.port)
    try:
        settings = sshd.settings(port=proxy.port, operation_timeout=5)
        link = SftpLink(settings).connect()
        proxy.cut_after(1_000_000)  # about a third of the file, after the handshake
        with pytest.raises(TransferError, match=r"upload of REQ_7\.dat"):
            link.upload(source, sftp_dir, "REQ_7.dat")
        link.close()
        proxy.restore()
        with SftpLink(settings) as fresh:
            assert fresh.list_ready(sftp_dir) == []  # the bank sees nothing
        with SftpLink(settings) as retry:
            retry.upload(source, sftp_dir, "REQ_7.dat")
            assert [f.name for f in retry.list_ready(sftp_dir)] == ["REQ_7.dat"]
    finally:
        proxy.close()
    assert (sshd.files / sftp_dir / "REQ_7.dat").read_bytes() == data


def test_link_cut_mid_download_keeps_nothing_and_a_retry_completes(sshd, sftp_dir, tmp_path):
    # Far more than the client's bounded prefetch, and cut early: the rest cannot already be in flight.
    data = _payload(24_000_000)
    with SftpLink(sshd.settings()) as direct:
        direct.upload(_write(tmp_path / "src", data), sftp_dir, "RESP_9.dat")
    proxy = FaultProxy(sshd.host, sshd.port)
    target = tmp_path / "RESP_9.dat"
    try:
        settings = sshd.settings(port=proxy.port, operation_timeout=5)

        def cut_once(received: int) -> None:
            if received >= 256_000:
                proxy.cut()

        with pytest.raises(TransferError, match=r"RESP_9\.dat"):
            SftpLink(settings).connect().download(sftp_dir, "RESP_9.dat", target, progress=cut_once)
        assert not target.exists()
        proxy.restore()
        with SftpLink(settings) as retry:
            retry.download(sftp_dir, "RESP_9.dat", target)
    finally:
        proxy.close()
    assert target.read_bytes() == data
    assert (sshd.files / sftp_dir / "RESP_9.dat").exists()  # never deleted by a download


def test_requests_take_the_size_the_server_announces_and_odd_sized_files_arrive_intact(sshd, sftp_dir, tmp_path):
    # OpenSSH announces its limits (limits@openssh.com): 255 KiB requests instead of paramiko's 32 KiB.
    data = _payload(3 * 261_120 + 12_345)  # not a multiple of any request size
    with SftpLink(sshd.settings()) as link:
        assert (link.pipeline.limits.read, link.pipeline.limits.write) == (261_120, 261_120)
        manifest = link.upload(_write(tmp_path / "src", data), sftp_dir, "RESP_L.dat")
        link.download(sftp_dir, "RESP_L.dat", tmp_path / "got")
        link.download(sftp_dir, "RESP_L.dat", tmp_path / "again")  # the channel is reusable afterwards
    assert (tmp_path / "got").read_bytes() == data == (sshd.files / sftp_dir / "RESP_L.dat").read_bytes()
    assert (tmp_path / "again").read_bytes() == data and manifest.sha256 == hashlib.sha256(data).hexdigest()


def test_max_request_kb_and_in_flight_mb_from_the_connection_cap_the_requests(sshd, sftp_dir, tmp_path):
    from types import SimpleNamespace

    extra = {"key_file": "k", "host_key": sshd.host_key_line, "max_request_kb": "64", "in_flight_mb": "0.5"}
    conn = SimpleNamespace(conn_id="bank_x", host=sshd.host, port=sshd.port, login=sshd.user, extra_dejson=extra)
    assert SftpSettings.from_connection(conn).max_request == 65_536
    data = _payload(1_000_003)
    with SftpLink(sshd.settings(max_request=65_536, in_flight=512 * 1024)) as link:
        assert link.pipeline.limits.read == 65_536 and link.pipeline.in_flight == 512 * 1024
        link.upload(_write(tmp_path / "src", data), sftp_dir, "REQ_C.dat")
        link.download(sftp_dir, "REQ_C.dat", tmp_path / "got")
    assert (tmp_path / "got").read_bytes() == data


def test_a_server_without_announced_limits_gets_32k_requests_and_files_arrive_intact(tmp_path):
    # paramiko's own SFTP server (the demo's sandbox) does not answer limits@openssh.com.
    from sandbox.banks.sftp_server import InProcessSftpServer

    key_line = write_ed25519_key(tmp_path / "client")
    server = InProcessSftpServer(tmp_path / "served", key_line).start()
    try:
        settings = SftpSettings(
            host=server.host, port=server.port, username="demo", key_file=str(tmp_path / "client"),
            host_key=server.host_key_line, connect_timeout=10, operation_timeout=20,
        )  # fmt: skip
        data = _payload(700_001)
        with SftpLink(settings) as link:
            assert (link.pipeline.limits.read, link.pipeline.limits.write) == (32_768, 32_768)
            link.upload(_write(tmp_path / "src", data), ".", "RESP_P.dat")
            link.download(".", "RESP_P.dat", tmp_path / "got")
    finally:
        server.stop()
    assert (tmp_path / "got").read_bytes() == data == (tmp_path / "served" / "RESP_P.dat").read_bytes()


def test_a_refused_pipelined_read_or_write_leaves_the_link_usable(sshd, sftp_dir, tmp_path):
    import io

    from connectors.sftp_pipeline import Refused

    data = _payload(1_000_000)
    with SftpLink(sshd.settings()) as link:
        link.upload(_write(tmp_path / "src", data), sftp_dir, "RESP_R.dat")
        got = bytearray()
        with link.sftp.open(f"{sftp_dir}/RESP_R.dat", "rb") as remote, pytest.raises(Refused, match="ended at"):
            link.pipeline.read_into(remote.handle, 3_000_000, got.extend)  # more than the file holds
        assert bytes(got) == data and not link.pipeline.busy
        with link.sftp.open(f"{sftp_dir}/RESP_R.dat", "rb") as remote, pytest.raises(Refused, match="refused"):
            link.pipeline.write_from(remote.handle, io.BytesIO(_payload(3_000_000)), lambda block: None)
        assert not link.pipeline.busy  # every answer in flight was read: the same channel goes on
        link.download(sftp_dir, "RESP_R.dat", tmp_path / "got")
    assert (tmp_path / "got").read_bytes() == data


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
