"""A sandbox bank: watches its SFTP inbox, answers every request file deterministically, writes statements.

It runs on the bank's side of the SFTP server (it reads and writes the server's folders directly) and
knows nothing of a particular dialect: it reads requests and writes responses through the bank's own
mapping file (``mappings/<bank>.yaml``), using the mappings in reverse. So a third bank added as a
mapping file gets a sandbox too.

Answers depend only on the debtor's ID number (and the request), so every run gives the same results:
about 30% of debtors have no account, 40% one normal account, 20% two accounts of which one is already
frozen by another authority (prior freeze), 10% one closed account (controls fail). Freezes are partial
when the available balance is below the limit; deductions take what is available.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from connectors.sftp import MANIFEST_SUFFIX, Manifest
from hub.banks.config import RESULT_TYPE, STATEMENT_TYPE
from hub.filelayout import Layout, load_layouts
from hub.mapping import load_mapping
from hub.sealing import Party, open_sealed, pem, seal
from hub.settings import get_settings

log = logging.getLogger(__name__)
FOLDERS = ("to_bank", "from_bank", "statements", "archive", "rejected", "to_bank/done", "to_bank/refused")
OTHER_AUTHORITIES = ("银川市公安局经侦支队", "宁夏回族自治区税务局", "石嘴山市中级人民法院")


@dataclass
class BankSide:
    """What the sandbox bank holds: its private keys and the court's public keys."""

    code: str
    keys: Party  # the bank's own key set (private)
    court: Party  # the court's public keys


def write_keys(directory: Path, banks: Iterable[str]) -> tuple[Party, dict[str, Party], dict[str, dict]]:
    """Generate the court's and each bank's key sets as PEM files; return them and the connection extras."""
    directory.mkdir(parents=True, exist_ok=True)
    court = Party.generate()
    files = {
        "court_sign_key_file": ("court_sign.pem", court.sign_private),
        "court_box_key_file": ("court_box.pem", court.box_private),
    }
    parties, extras = {}, {}
    for name, key in files.values():
        _write(directory / name, pem(key))
    for bank in banks:
        party = parties[bank] = Party.generate()
        _write(directory / f"{bank}_verify.pub.pem", pem(party.verify_public))
        _write(directory / f"{bank}_box.pub.pem", pem(party.box_public))
        extras[bank] = {
            **{k: str(directory / v[0]) for k, v in files.items()},
            "bank_verify_key_file": str(directory / f"{bank}_verify.pub.pem"),
            "bank_box_key_file": str(directory / f"{bank}_box.pub.pem"),
        }
    return court, parties, extras


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def _reverse_codes(table: dict) -> dict:
    return {str(v): str(k) for k, v in table.items()}


class SandboxBank:
    """One sandbox bank over one server folder (``root``)."""

    def __init__(self, code: str, root: Path, side: BankSide, *, mapping_path: Path | None = None):
        self.code, self.root, self.side = code, Path(root), side
        path = mapping_path or get_settings().mappings_dir / f"{code}.yaml"
        self.mapping = load_mapping(path)
        self.layouts: dict[str, Layout] = load_layouts(path)
        for folder in FOLDERS:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.answered: list[str] = []
        self.refused: list[tuple[str, str]] = []

    # -- requests → canonical ------------------------------------------------------------------------
    def _request_to_canonical(self, record: dict) -> dict:
        target = self.mapping.target("control_request")
        out = {}
        for rule in target.columns:
            value = record.get(rule.name)
            if rule.codes and value not in (None, ""):
                value = _reverse_codes(target.code_tables[rule.codes]).get(str(value), value)
            out[rule.source] = value
        return out

    def _to_partner(self, record_type: str, canonical: dict) -> dict:
        target = self.mapping.inbound_target(record_type)
        out = {}
        for rule in target.columns:
            value = canonical.get(rule.name)
            if rule.codes and value is not None:
                value = _reverse_codes(target.code_tables[rule.codes])[str(value)]
            out[rule.source] = value
        return out

    # -- answering -----------------------------------------------------------------------------------
    def answer_pending(self) -> int:
        """Answer every complete request file in the inbox; return how many were answered."""
        inbox = self.root / "to_bank"
        layout = self.layouts["request"]
        pattern = _template_regex(layout.name_template)
        done = 0
        for manifest_path in sorted(inbox.glob(f"*{MANIFEST_SUFFIX}")):
            name = manifest_path.name[: -len(MANIFEST_SUFFIX)]
            path = inbox / name
            match = pattern.fullmatch(name)
            if not match or not path.exists():
                continue
            try:
                manifest = Manifest.parse(manifest_path.read_bytes(), name)
                data_ok = hashlib.sha256(path.read_bytes()).hexdigest() == manifest.sha256
                if not data_ok:
                    raise ValueError("checksum does not match the manifest")
                self._answer(path, name, match.group("stem"))
                target_folder = "done"
            except Exception as exc:  # a sandbox bank refuses the file and says why, like a real one would
                log.warning("sandbox %s: request file %s refused: %s", self.code, name, exc)
                self.refused.append((name, str(exc)))
                target_folder = "refused"
            os.replace(path, inbox / target_folder / name)
            os.replace(manifest_path, inbox / target_folder / manifest_path.name)
            done += 1
        return done

    def _answer(self, path: Path, name: str, stem: str) -> None:
        blocks = open_sealed(
            path, sender_public=self.side.court.verify_public, recipient_private=self.side.keys.box_private,
            expected_name=name,
        )  # fmt: skip
        requests = self.layouts["request"].read_blocks(blocks, name)
        response_name = self.layouts["response"].name_template.format(bank=self.code, stem=stem)
        results = (
            self._to_partner(RESULT_TYPE, result)
            for record in requests
            for result in answer(self.code, self._request_to_canonical(record))
        )
        header = {"WJM": response_name, "QQWJM": name, "SCSJ": time.strftime("%Y%m%d%H%M%S", time.gmtime())}
        self.publish("response", response_name, header, results, "from_bank")
        self.answered.append(name)

    def publish(self, kind: str, name: str, header: dict, records: Iterable[dict], folder: str) -> Path:
        """Write a sealed file of ``kind`` to ``folder`` the way the hub does: temp name, rename, manifest last."""
        directory = self.root / folder
        tag = uuid.uuid4().hex[:8]
        plain, sealed = directory / f".{name}.{tag}.plain", directory / f".{name}.{tag}.part"
        try:
            with open(plain, "wb") as handle, self.layouts[kind].writer(handle, name=name, header=header) as writer:
                for record in records:
                    writer.write(record)
            seal(
                _read_blocks(plain), sealed, file_name=name, sender=self.side.keys.sign_private,
                recipient=self.side.court.box_public,
            )  # fmt: skip
            digest = hashlib.sha256(sealed.read_bytes()).hexdigest()
            size = sealed.stat().st_size
            os.replace(sealed, directory / name)
            manifest_tmp = directory / f".{name}.{tag}.sha256.part"
            manifest_tmp.write_bytes(Manifest(name, size, digest).render())
            os.replace(manifest_tmp, directory / f"{name}{MANIFEST_SUFFIX}")
        finally:
            plain.unlink(missing_ok=True)
            sealed.unlink(missing_ok=True)
        return directory / name

    # -- statements ----------------------------------------------------------------------------------
    def write_statement(self, day: date, virtual_accounts: list[str], *, unknown: int = 3) -> Path:
        """The daily statement of the court's enforcement-money account at this bank (一案一账号)."""
        stem = f"{self.code}_{day:%Y%m%d}"
        name = self.layouts["statement"].name_template.format(bank=self.code, stem=stem)
        lines = statement_lines(self.code, day, virtual_accounts, unknown=unknown)
        header = {"WJM": name, "ZH": f"{self.code.upper()}-ZXK-0001", "RQ": f"{day:%Y%m%d}"}
        return self.publish(
            "statement", name, header, (self._to_partner(STATEMENT_TYPE, line) for line in lines), "statements"
        )


def _read_blocks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            yield block


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{stem\})", template)
    return re.compile("".join("(?P<stem>.+)" if p == "{stem}" else re.escape(p) for p in parts))


def _h(*parts: object) -> int:
    return int(hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest(), 16)


def accounts_of(bank: str, id_number: str) -> list[dict]:
    """The accounts a debtor holds at a sandbox bank (deterministic in the ID number)."""
    h = _h(bank, id_number)
    profile = h % 10
    if profile < 3:
        return []
    count = 2 if profile in (7, 8) else 1
    accounts = []
    for i in range(count):
        a = _h(bank, id_number, i)
        balance = Decimal(a % 5_000_000) / 100
        account = {
            "account_no": f"62{a % 10**17:017d}",
            "branch_code": f"6401{a % 100000:05d}",
            "account_state": "CLOSED" if profile == 9 else ("FROZEN" if i == 1 else "NORMAL"),
            "balance": balance,
            "currency": "CNY",
            "prior_freeze_amount": None,
            "prior_freeze_authority": None,
        }
        if i == 1:  # frozen before by another authority
            frozen = (balance / 2).quantize(Decimal("0.01"))
            account |= {"prior_freeze_amount": frozen, "prior_freeze_authority": OTHER_AUTHORITIES[a % 3]}
            account["available_balance"] = balance - frozen
        else:
            account["available_balance"] = Decimal(0) if profile == 9 else balance
        accounts.append(account)
    return accounts


def answer(bank: str, request: dict) -> list[dict]:
    """Canonical result records for one canonical request (what the bank did, account by account)."""
    request_id, version, action = request["request_id"], request["version"], request["action"]
    accounts = accounts_of(bank, str(request["id_number"]))
    if request.get("account_no"):
        accounts = [a for a in accounts if a["account_no"] == request["account_no"]] or accounts[:0]

    def result_id(account_no: str) -> str:
        return f"{bank[-1].upper()}{_h(bank, request_id, version, account_no) % 10**18:018d}"

    if not accounts:
        return [
            {"partner_result_id": result_id(""), "request_id": request_id, "result_type": "NONE",
             "outcome": "NO_ACCOUNT", "failure_reason": "未查询到该当事人账户" if action != "INQUIRE" else None}
        ]  # fmt: skip
    results = []
    limit = Decimal(str(request["amount"])) if request.get("amount") not in (None, "") else None
    for account in accounts:
        base = {"partner_result_id": result_id(account["account_no"]), "request_id": request_id, **account}
        if action == "INQUIRE":
            results.append({**base, "result_type": "ACCOUNT", "outcome": "SUCCESS"})
            continue
        available = account["available_balance"]
        control = {**base, "result_type": "CONTROL", "control_kind": "FUNDS", "freeze_limit": limit}
        if account["account_state"] == "CLOSED":
            results.append({**control, "outcome": "FAILED", "amount_controlled": Decimal(0),
                            "failure_reason": "账户已销户"})  # fmt: skip
        elif action == "UNFREEZE":
            results.append({**control, "outcome": "SUCCESS", "amount_controlled": limit or available})
        elif available <= 0:
            results.append({**control, "outcome": "FAILED", "amount_controlled": Decimal(0),
                            "failure_reason": "可用余额为零"})  # fmt: skip
        else:
            wanted = limit if limit is not None else available
            taken = min(wanted, available)
            partial = taken < wanted
            results.append({**control, "outcome": "PARTIAL" if partial else "SUCCESS", "amount_controlled": taken,
                            "failure_reason": "余额不足，部分控制" if partial else None})  # fmt: skip
            if limit is not None:
                limit -= taken
    return results


def statement_lines(bank: str, day: date, virtual_accounts: list[str], *, unknown: int = 3) -> list[dict]:
    """Deterministic credit lines: about half the sub-accounts receive money, a few unknown ones, a debit."""
    lines = []
    for account in virtual_accounts:
        h = _h(bank, day, account)
        if h % 2:
            continue
        lines.append(_line(bank, day, account, h, "CREDIT"))
    for i in range(unknown):
        h = _h(bank, day, "unknown", i)
        lines.append(_line(bank, day, f"{bank.upper()}9{h % 10**11:011d}", h, "CREDIT"))
    h = _h(bank, day, "fee")
    lines.append(_line(bank, day, f"{bank.upper()}0{h % 10**11:011d}", h, "DEBIT"))
    return lines


def _line(bank: str, day: date, account: str, h: int, direction: str) -> dict:
    return {
        "serial_no": f"{day:%Y%m%d}{h % 10**12:012d}",
        "value_date": f"{day:%Y%m%d}",
        "virtual_account": account,
        "direction": direction,
        "amount": Decimal(h % 2_000_000 + 100) / 100,
        "counterparty_account": f"62{h % 10**17:017d}",
        "counterparty_name": ("张", "王", "李", "马", "宁夏某某商贸有限公司")[h % 5] + ("伟" if h % 5 < 4 else ""),
        "memo": "执行款",
    }


class Responder:
    """Answer each bank's inbox every ``interval`` seconds in a thread until stopped (demo and tests)."""

    def __init__(self, banks: list[SandboxBank], interval: float = 0.5):
        self.banks, self.interval = banks, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-banks", daemon=True)

    def start(self) -> Responder:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            for bank in self.banks:
                try:
                    bank.answer_pending()
                except Exception:  # keep serving: a sandbox must not die on one bad file
                    log.exception("sandbox bank %s", bank.code)
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
