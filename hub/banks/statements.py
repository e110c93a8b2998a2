"""One-case-one-account (一案一账号) statements: each bank's daily statement of the court's enforcement-money
account, every credit line matched to its case by the virtual sub-account, unmatched credits listed with
their age so that operators claim them within the local deadline.

Each statement file is handled like a response file (:mod:`hub.banks.responses`): downloaded and checked,
seal verified before parsing, loaded in one case-system transaction (lines unique by the bank's serial
number, so a statement loaded twice is stored once), traced line by line in the ledger, archived on the
server only after the hub committed; a file that fails its seal or layout is rejected and quarantined.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert, select

from connectors.sftp import SftpLink
from hub import batches, ledger
from hub.banks.config import STATEMENT_TYPE, BankConfig
from hub.banks.flows import STATEMENT_FLOW
from hub.banks.responses import IN, InboundFileCounts, InboundFiles, ingest_files, pending_exchanges
from hub.casesystem.banks import account_statement_lines as lines_table
from hub.casesystem.banks import case_virtual_accounts
from hub.filelayout import LayoutError
from hub.ledger import Trace, payload_hash, utcnow
from hub.sealing import open_sealed

log = logging.getLogger(__name__)

#: Days an unmatched credit may wait before it must have been claimed (local rule, domain brief). [check]
CLAIM_DEADLINE_DAYS = 3
LOAD_CHUNK = 5000
STATEMENT_FILES = InboundFiles(STATEMENT_FLOW, "statement", "statement_dir", "stmt", "statement file")


@dataclass
class StatementSummary(InboundFileCounts):
    lines: int = 0
    loaded: int = 0
    duplicates: int = 0
    credits_matched: int = 0
    credits_unmatched: int = 0
    unmatched: list = field(default_factory=list)  # every unmatched credit, oldest first, with its age
    past_deadline: int = 0


def ingest_statements(
    bank: BankConfig, link: SftpLink, case_system: Engine, hub: Engine, *, today: date | None = None
) -> StatementSummary:
    summary = StatementSummary(bank.code)
    ingest_files(
        bank,
        link,
        hub,
        STATEMENT_FILES,
        summary,
        load=lambda local, name: _load(bank, case_system, local, name),
        record=lambda *loaded_file: _record(bank, hub, summary, *loaded_file),
    )
    summary.unmatched = unmatched_credits(case_system, bank.code, today=today)
    summary.past_deadline = sum(1 for credit in summary.unmatched if credit["past_deadline"])
    return summary


def unmatched_credits(case_system: Engine, bank_code: str, *, today: date | None = None) -> list[dict]:
    """Credits of ``bank_code`` not matched to a case, oldest first, with age in days and the deadline."""
    today = today or utcnow().date()
    query = (
        select(lines_table.c.serial_no, lines_table.c.value_date, lines_table.c.virtual_account,
               lines_table.c.amount, lines_table.c.counterparty_name, lines_table.c.statement_file)
        .where(lines_table.c.bank_code == bank_code, lines_table.c.case_id.is_(None),
               lines_table.c.direction == "CREDIT")
        .order_by(lines_table.c.value_date, lines_table.c.serial_no)
    )  # fmt: skip
    with case_system.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    for row in rows:
        age = (today - row["value_date"]).days
        row.update(age_days=age, past_deadline=age > CLAIM_DEADLINE_DAYS, amount=str(row["amount"]))
        row["value_date"] = row["value_date"].isoformat()
    return rows


def _record(bank, hub: Engine, summary, batch_id: str, exchange_id: str, name: str, sha256: str, file) -> None:
    outcomes, header, count = file
    loaded = [o for o in outcomes if o[1] == "loaded"]
    figures = {"extracted": count, "loaded": len(loaded), "duplicates": len(outcomes) - len(loaded)}
    now = utcnow()
    with hub.begin() as connection:
        traces = [
            Trace(batch_id, STATEMENT_FLOW, bank.code, IN, outcome, "RECORD", serial, None, phash, f"{name}: {why}")
            for serial, outcome, why, phash in outcomes
        ]
        traces.append(Trace(batch_id, STATEMENT_FLOW, bank.code, IN, "loaded", "FILE", name, None, sha256,
                            f"statement of {header.get('RQ', '?')}: {count} lines, {len(loaded)} loaded"))  # fmt: skip
        ledger.append(connection, traces)
        connection.execute(
            insert(pending_exchanges).values(
                exchange_id=exchange_id, flow=STATEMENT_FLOW, partner=bank.code, batch_id=batch_id, kind="FILE_IN",
                record_count=count, status="COMPLETE", submitted_at=now, due_at=now, completed_at=now,
                note=f"sha256={sha256}",
            )
        )  # fmt: skip
        batches.record_progress(connection, batch_id, figures)
    batches.close_batch(hub, batch_id, STATEMENT_FLOW, bank.code, IN, figures=figures)
    summary.files_loaded += 1
    summary.lines += count
    summary.loaded += len(loaded)
    summary.duplicates += len(outcomes) - len(loaded)
    summary.credits_matched += sum(1 for o in loaded if o[2].startswith("credit matched"))
    summary.credits_unmatched += sum(1 for o in loaded if o[2].startswith("credit unmatched"))


def _load(bank: BankConfig, case_system: Engine, local: Path, name: str):
    keys = bank.keys
    blocks = open_sealed(local, sender_public=keys.bank_verify, recipient_private=keys.court_box, expected_name=name)
    reader = bank.layout("statement").read_blocks(blocks, name)
    target = bank.mapping.inbound_target(STATEMENT_TYPE)
    outcomes: list = []
    now = utcnow()
    with case_system.begin() as connection:
        chunk: list[dict] = []
        for record in reader:
            chunk.append(record)
            if len(chunk) >= LOAD_CHUNK:
                _load_chunk(connection, bank, target, chunk, name, now, outcomes)
                chunk.clear()
        _load_chunk(connection, bank, target, chunk, name, now, outcomes)
    return outcomes, reader.header, reader.count


def _load_chunk(connection, bank, target, records: list[dict], name: str, now: datetime, outcomes: list) -> None:
    if not records:
        return
    mapped, errors = target.apply(pd.DataFrame(records))
    if errors:  # a statement line that cannot be mapped makes the file unreadable: nothing is loaded
        index, reasons = next(iter(errors.items()))
        raise LayoutError(f"{name}: line {index + 1}: {'; '.join(reasons)}")
    rows = []
    for row in mapped.to_dict("records"):
        try:
            value_date = datetime.strptime(str(row["value_date"]), "%Y%m%d").date()
        except ValueError:
            raise LayoutError(
                f"{name}: line {row['serial_no']}: value date {row['value_date']!r} is not YYYYMMDD"
            ) from None
        rows.append(
            {
                "bank_code": bank.code,
                "serial_no": str(row["serial_no"]),
                "value_date": value_date,
                "virtual_account": str(row["virtual_account"]),
                "direction": row["direction"],
                "amount": Decimal(str(row["amount"])),
                "counterparty_account": _text(row.get("counterparty_account")),
                "counterparty_name": _text(row.get("counterparty_name")),
                "memo": _text(row.get("memo")),
                "statement_file": name,
                "loaded_at": now,
            }
        )
    accounts = {r["virtual_account"] for r in rows}
    query = select(case_virtual_accounts.c.virtual_account, case_virtual_accounts.c.case_id).where(
        case_virtual_accounts.c.bank_code == bank.code, case_virtual_accounts.c.virtual_account.in_(accounts)
    )
    cases = dict(connection.execute(query).all())
    query = select(lines_table.c.serial_no).where(
        lines_table.c.bank_code == bank.code, lines_table.c.serial_no.in_([r["serial_no"] for r in rows])
    )
    present = {row[0] for row in connection.execute(query)}
    fresh = []
    for row in rows:
        phash = payload_hash({k: str(v) for k, v in row.items() if k != "loaded_at"})
        if row["serial_no"] in present:
            outcomes.append((row["serial_no"], "duplicate", "already loaded: not loaded again", phash))
            continue
        present.add(row["serial_no"])
        row["case_id"] = cases.get(row["virtual_account"]) if row["direction"] == "CREDIT" else None
        if row["direction"] != "CREDIT":
            why = "debit: not a payment into a case"
        elif row["case_id"] is not None:
            why = f"credit matched to case {row['case_id']} by sub-account"
        else:
            why = f"credit unmatched: sub-account {row['virtual_account']} belongs to no case; claim it"
        fresh.append(row)
        outcomes.append((row["serial_no"], "loaded", why, phash))
    if fresh:
        connection.execute(insert(lines_table), fresh)


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return str(value)
