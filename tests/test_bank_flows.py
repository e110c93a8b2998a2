"""Network inquiry and control (网络查控) and one-case-one-account statements, end to end against the real
OpenSSH sshd, MariaDB and the sandbox banks: requests out as sealed files in each bank's dialect, results
back into the case system exactly once, bad files refused whole with the file named, faults retried."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import pytest
from sqlalchemy import func, select

from connectors.sftp import Manifest
from hub import ledger
from hub.banks import tasks
from hub.banks.flows import FLOW_NAME
from hub.casesystem import parties
from hub.casesystem.banks import account_statement_lines, bank_control_requests, bank_control_results
from hub.db.models import QuarantinedRecord
from hub.sealing import Party
from sandbox.banks.world import count_requests
from tests.bank_support import BANKS, bank_results, bank_world_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.mariadb


@pytest.mark.parametrize("bank", BANKS)
def test_requests_go_out_sealed_and_results_come_back_exactly_once(bank_world, bank):
    world = bank_world
    sent = tasks.send_requests(bank)
    assert sent["status"] == "SUCCEEDED" and sent["delivered"] > 0 and len(sent["request_files"]) == 1
    assert sent["extracted"] == sent["delivered"] + sent["quarantined"] + sent["rejected"]
    (request_file,) = sent["request_files"]
    raw = (world.folder(bank, "to_bank") / request_file).read_bytes()
    with world.case.connect() as connection:
        id_number = connection.execute(
            select(parties.c.id_number).join(bank_control_requests, bank_control_requests.c.party_id == parties.c.id)
        ).first()[0]
    assert raw.startswith(b"NXSEAL01") and id_number.encode() not in raw  # sealed: no personal data in clear
    assert not tasks.responses_ready(bank)  # awaiting, no response yet

    assert world.sandbox.banks[bank].answer_pending() == 1
    assert tasks.responses_ready(bank)
    got = tasks.ingest_responses(bank)
    assert got["files_loaded"] == 1 and got["loaded"] == got["records"] > 0 and got["quarantined"] == 0
    assert bank_results(world, bank) == got["loaded"]
    assert world.pending(bank)[0]["status"] == "COMPLETE"
    assert any(k.startswith("ACCOUNT SUCCESS") for k in got["outcomes"])
    assert any(k.startswith("CONTROL") for k in got["outcomes"])
    with world.case.connect() as connection:
        prior = connection.execute(
            select(func.count()).where(bank_control_results.c.prior_freeze_authority.is_not(None))
        ).scalar_one()
        failed = connection.execute(
            select(func.count()).where(bank_control_results.c.failure_reason.is_not(None))
        ).scalar_one()
    assert prior > 0 and failed > 0  # frozen elsewhere; failures with the bank's reason
    archived = world.folder(bank, "archive")
    assert archived.is_dir() and len(list(archived.glob("*.sha256"))) == 1

    again = tasks.send_requests(bank)  # nothing new: no file
    assert again["extracted"] == 0 and again["request_files"] == []
    assert tasks.ingest_responses(bank)["files"] == 0
    assert ledger.verify(world.hub).ok


def test_a_changed_request_is_sent_again_with_its_new_version(bank_world):
    world = bank_world
    tasks.send_requests("bank_a")
    with world.case.begin() as connection:
        first = connection.execute(select(bank_control_requests.c.id).limit(1)).scalar_one()
        connection.execute(
            bank_control_requests.update()
            .where(bank_control_requests.c.id == first)
            .values(version=2, updated_at=func.now(6))
        )
    again = tasks.send_requests("bank_a")
    assert again["extracted"] == 1 and again["delivered"] == 1 and len(again["request_files"]) == 1


def _sign_with_wrong_key(world, bank: str) -> None:
    impostor = Party.generate()
    side = world.sandbox.banks[bank].side
    world.sandbox.banks[bank].side = type(side)(side.code, Party(impostor.sign_private, None, side.keys.box_private,
                                                                 side.keys.box_public), side.court)  # fmt: skip
    world.sandbox.banks[bank]._real_side = side


def test_a_response_signed_with_the_wrong_key_is_refused_and_the_resend_loads_once(bank_world):
    world = bank_world
    bank = "bank_b"
    tasks.send_requests(bank)
    sandbox = world.sandbox.banks[bank]
    real = sandbox.side
    _sign_with_wrong_key(world, bank)
    sandbox.answer_pending()
    got = tasks.ingest_responses(bank)
    assert got["files_rejected"] == 1 and got["loaded"] == 0
    (name, reason) = got["rejected"][0]
    assert name in reason and "signed by key" in reason
    assert bank_results(world, bank) == 0
    assert (world.folder(bank, "rejected") / name).exists()  # kept, not deleted
    entries = list(ledger.entries(world.hub, flow=FLOW_NAME, record_key=name))
    assert entries[-1]["outcome"] == "rejected" and name in entries[-1]["reason"]
    with world.hub.connect() as connection:
        held = connection.execute(
            select(QuarantinedRecord.__table__.c.record_key).where(QuarantinedRecord.__table__.c.partner == bank)
        ).all()
    assert (name,) in held
    assert world.pending(bank)[0]["status"] == "AWAITING"

    # The bank sends the answer again, correctly signed: it loads, exactly once.
    sandbox.side = real
    done = sandbox.root / "to_bank" / "done"
    for path in done.iterdir():
        os.replace(path, sandbox.root / "to_bank" / path.name)
    sandbox.answer_pending()
    retry = tasks.ingest_responses(bank)
    assert retry["files_loaded"] == 1 and retry["loaded"] > 0
    assert bank_results(world, bank) == retry["loaded"]
    assert world.pending(bank)[0]["status"] == "COMPLETE"
    assert ledger.verify(world.hub).ok


@pytest.mark.parametrize("damage", ["altered", "truncated_payload"])
def test_a_response_altered_after_signing_or_truncated_loads_nothing(bank_world, damage):
    world = bank_world
    bank = "bank_a"
    tasks.send_requests(bank)
    sandbox = world.sandbox.banks[bank]
    if damage == "truncated_payload":
        # the bank signs a file whose layout is cut short (no trailer): verified, opened, then refused whole
        layout = sandbox.layouts["response"]
        original = layout.writer

        def no_trailer(handle, *, name, header=None):
            writer = original(handle, name=name, header=header)
            writer.close = lambda: None
            return writer

        object.__setattr__(layout, "writer", no_trailer)
        sandbox.answer_pending()
        object.__setattr__(layout, "writer", original)
    else:
        sandbox.answer_pending()
        (path,) = [
            p for p in (sandbox.root / "from_bank").iterdir() if p.name.startswith("RESP_") and p.suffix == ".dat"
        ]
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x20
        path.write_bytes(bytes(data))
        # the manifest is redone too: the alteration must be caught by the seal, not only the checksum
        (path.parent / f"{path.name}.sha256").write_bytes(
            Manifest(path.name, len(data), hashlib.sha256(bytes(data)).hexdigest()).render()
        )
    got = tasks.ingest_responses(bank)
    assert got["files_rejected"] == 1 and got["loaded"] == 0 and bank_results(world, bank) == 0
    name, reason = got["rejected"][0]
    assert name in reason
    assert ("signature does not verify" in reason) if damage == "altered" else ("truncated" in reason)


def test_a_duplicate_response_file_loads_once(bank_world):
    world = bank_world
    bank = "bank_a"
    tasks.send_requests(bank)
    sandbox = world.sandbox.banks[bank]
    sandbox.answer_pending()
    outbox = sandbox.root / "from_bank"
    (name,) = [p.name for p in outbox.iterdir() if p.name.startswith("RESP_") and p.suffix == ".dat"]
    keep = {p.name: p.read_bytes() for p in outbox.iterdir() if p.is_file()}
    first = tasks.ingest_responses(bank)
    loaded = bank_results(world, bank)
    assert first["loaded"] == loaded > 0
    for file, data in keep.items():  # the bank uploads the very same file again
        (outbox / file).write_bytes(data)
    second = tasks.ingest_responses(bank)
    assert second["files_duplicate"] == 1 and second["loaded"] == 0 and bank_results(world, bank) == loaded
    # and the same content under a new name: the seal names the original file, so it is refused
    renamed = name.replace("RESP_", "RESP_X")
    (outbox / renamed).write_bytes(keep[name])
    digest = hashlib.sha256(keep[name]).hexdigest()
    (outbox / f"{renamed}.sha256").write_bytes(Manifest(renamed, len(keep[name]), digest).render())
    assert tasks.ingest_responses(bank)["files_rejected"] == 1  # sealed under another name: refused
    assert bank_results(world, bank) == loaded
    assert ledger.verify(world.hub).ok


def test_a_result_for_an_unknown_request_is_quarantined(bank_world):
    world = bank_world
    bank = "bank_b"
    tasks.send_requests(bank)
    sandbox = world.sandbox.banks[bank]
    import sandbox.banks.responder as responder

    real_answer = responder.answer

    def with_a_stranger(code, request):
        results = real_answer(code, request)
        return [*results, {**results[0], "partner_result_id": "STRANGER1", "request_id": "99999999"}]

    responder.answer = with_a_stranger
    try:
        sandbox.answer_pending()
    finally:
        responder.answer = real_answer
    got = tasks.ingest_responses(bank)
    assert got["files_loaded"] == 1 and got["quarantined"] >= 1
    assert world.count(bank_control_results, bank_control_results.c.partner_result_id == "STRANGER1") == 0
    rows = list(ledger.entries(world.hub, flow=FLOW_NAME, record_key="STRANGER1"))
    assert rows[-1]["outcome"] == "quarantined" and "unknown request" in rows[-1]["reason"]


def test_a_response_that_never_comes_is_escalated_as_overdue(bank_world, monkeypatch):
    world = bank_world
    bank = "bank_a"
    conn = os.environ["AIRFLOW_CONN_BANK_A_SFTP"]
    monkeypatch.setenv("AIRFLOW_CONN_BANK_A_SFTP", conn.replace('"remote_root"', '"response_hours": 0, "remote_root"'))
    tasks.send_requests(bank)
    assert tasks.responses_ready(bank)  # nothing awaited any more: escalated
    (row,) = world.pending(bank)
    assert row["status"] == "OVERDUE"
    entries = list(ledger.entries(world.hub, flow=FLOW_NAME))
    assert any(e["outcome"] == "overdue" and "operator" in e["reason"] for e in entries)
    # a late answer still completes it
    world.sandbox.banks[bank].answer_pending()
    assert tasks.ingest_responses(bank)["files_loaded"] == 1
    assert world.pending(bank)[0]["status"] == "COMPLETE"


def test_link_cut_mid_download_of_a_response_then_the_retry_loads_once(bank_world, monkeypatch):
    from tests.faultproxy import FaultProxy

    world = bank_world
    bank = "bank_a"
    tasks.send_requests(bank)
    world.sandbox.banks[bank].answer_pending()
    proxy = FaultProxy(world.sshd.host, world.sshd.port)
    conn = os.environ["AIRFLOW_CONN_BANK_A_SFTP"].replace(f'"port": {world.sshd.port}', f'"port": {proxy.port}')
    monkeypatch.setenv("AIRFLOW_CONN_BANK_A_SFTP", conn)
    import connectors.sftp as sftp

    real_download = sftp.SftpLink.download

    def cut_download(self, folder, name, target, progress=None):
        proxy.cut()
        return real_download(self, folder, name, target, progress=progress)

    monkeypatch.setattr(sftp.SftpLink, "download", cut_download)
    try:
        with pytest.raises(sftp.TransferError, match="RESP_"):
            tasks.ingest_responses(bank)
        assert bank_results(world, bank) == 0
        monkeypatch.setattr(sftp.SftpLink, "download", real_download)
        proxy.restore()
        got = tasks.ingest_responses(bank)
    finally:
        proxy.close()
    assert got["files_loaded"] == 1 and bank_results(world, bank) == got["loaded"] > 0
    assert ledger.verify(world.hub).ok


def test_statements_match_credits_by_sub_account_and_list_unmatched_with_age(bank_world):
    world = bank_world
    world.sandbox.write_statements(world.case, date(2026, 11, 20))
    for bank in BANKS:
        got = tasks.load_statements(bank)
        assert got["files_loaded"] == 1 and got["credits_matched"] > 0 and got["credits_unmatched"] == 3
        assert len(got["unmatched"]) == 3 and all(c["age_days"] >= 7 and c["past_deadline"] for c in got["unmatched"])
        again = tasks.load_statements(bank)
        assert again["files"] == 0 and again["unmatched"] == got["unmatched"]
    lines = world.count(account_statement_lines)
    assert lines == sum(1 for _ in range(lines))  # loaded once
    assert ledger.verify(world.hub).ok


def test_requests_seeded_for_every_bank(bank_world):
    assert count_requests(bank_world.case, "bank_a") > 0 and count_requests(bank_world.case, "bank_b") > 0


def test_link_cut_mid_upload_of_a_request_file_then_the_retry_sends_it_once(bank_world, monkeypatch):
    from connectors.sftp import TransferError
    from hub import watermarks
    from tests.faultproxy import FaultProxy

    world = bank_world
    bank = "bank_b"
    proxy = FaultProxy(world.sshd.host, world.sshd.port)
    direct = os.environ["AIRFLOW_CONN_BANK_B_SFTP"]
    conn = direct.replace(f'"port": {world.sshd.port}', f'"port": {proxy.port}')
    monkeypatch.setenv("AIRFLOW_CONN_BANK_B_SFTP", conn)
    import connectors.sftp as sftp

    real_upload = sftp.SftpLink.upload

    def cut_upload(self, source, folder, name, progress=None):
        proxy.cut_after(2_000)  # a few packets into the file
        return real_upload(self, source, folder, name, progress=progress)

    monkeypatch.setattr(sftp.SftpLink, "upload", cut_upload)
    try:
        with pytest.raises(TransferError, match="CKKZ_"):
            tasks.send_requests(bank)
        inbox = world.folder(bank, "to_bank")
        assert [p.name for p in inbox.iterdir() if p.is_file() and not p.name.startswith(".")] == []
        assert world.pending(bank) == []
        with world.hub.connect() as connection:
            assert watermarks.read(connection, FLOW_NAME, bank).time is None  # not moved
        monkeypatch.setattr(sftp.SftpLink, "upload", real_upload)
        proxy.restore()
        retry = tasks.send_requests(bank)
    finally:
        proxy.close()
    assert retry["status"] == "SUCCEEDED" and len(retry["request_files"]) == 1
    visible = sorted(p.name for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))
    assert visible == [retry["request_files"][0], retry["request_files"][0] + ".sha256"]
    assert len(world.pending(bank)) == 1
    monkeypatch.setenv("AIRFLOW_CONN_BANK_B_SFTP", direct)
    world.sandbox.banks[bank].answer_pending()
    assert tasks.ingest_responses(bank)["files_loaded"] == 1


def test_hostile_and_foreign_names_on_the_server_are_never_taken(bank_world):
    world = bank_world
    bank = "bank_a"
    tasks.send_requests(bank)
    outbox = world.folder(bank, "from_bank")
    for name in ("RESP_..evil.dat", "RESP_\x1b[31m.dat", "notes.txt", ".RESP_partial.dat.1234.part"):
        (outbox / name).write_bytes(b"x")
        (outbox / f"{name}.sha256").write_bytes(Manifest(name, 1, hashlib.sha256(b"x").hexdigest()).render())
    got = tasks.ingest_responses(bank)
    assert got["files"] == 0 and got["files_rejected"] == 0  # not even opened
    assert (outbox / "RESP_..evil.dat").exists()  # left alone, nothing deleted
    world.sandbox.banks[bank].answer_pending()
    assert tasks.ingest_responses(bank)["files_loaded"] == 1
