"""Seed assistance requests to the military courts (涉军案件) in a generated case system, per seed.

Its own module, called after :func:`sandbox.case_generator.generate`, so the generator's output (and its
determinism tests) stay as they are: :func:`seed_military_requests` files one or two requests (送达,
查找, 财产调查, 布控, 处置) for military-related parties; :func:`military_subjects` gives the sandbox
military court the Ningxia cases its own requests are about.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from hub.casesystem import cases, metadata, parties
from hub.casesystem.military import ASSISTANCE_KINDS, military_outgoing_requests

BASE_TIME = datetime(2026, 11, 20, 10, 0, 0)
ASKS = {
    "SERVICE": "请协助向现役军人送达执行通知书、报告财产令",
    "LOCATE": "请协助查找被执行人下落",
    "ASSET": "请协助调查被执行人在部队的工资、津贴等财产情况",
    "CONTROL": "请协助冻结、扣留被执行人在部队的收入",
    "DISPOSAL": "请协助处置被执行人名下涉军财产",
}


def _h(seed: int, *parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()[:4], "big")


def _military_parties(connection, limit: int | None = None):
    query = (
        select(
            parties.c.id,
            parties.c.case_id,
            parties.c.name,
            parties.c.id_type,
            parties.c.id_number,
            parties.c.kind,
            cases.c.case_no,
            cases.c.court_code,
            cases.c.officer,
        )
        .join(cases, cases.c.id == parties.c.case_id)
        .where(parties.c.is_military_related.is_(True), parties.c.role == "DEBTOR")
        .order_by(parties.c.id)
    )
    return connection.execute(query.limit(limit) if limit else query).all()


def seed_military_requests(engine: Engine, *, seed: int = 7, limit: int | None = None) -> int:
    """File one or two requests to the military court for each military-related debtor; return how many.

    Appended after any already there, with increasing ``updated_at`` (the outbound cursor)."""
    metadata.create_all(engine, tables=[military_outgoing_requests])
    with engine.begin() as connection:
        start = connection.execute(select(func.count()).select_from(military_outgoing_requests)).scalar_one()
        rows = []
        for party in _military_parties(connection):
            h = _h(seed, "military", party.id)
            for k in range(1 + h % 2):
                kind = ASSISTANCE_KINDS[(h >> (4 + k)) % len(ASSISTANCE_KINDS)]
                when = BASE_TIME + timedelta(seconds=start + len(rows))
                rows.append({
                    "case_id": party.case_id, "party_id": party.id, "kind": kind, "ask": ASKS[kind],
                    "due_date": date(2026, 12, 31), "requested_by": party.officer, "requested_at": when,
                    "status": "PENDING", "status_seq": 0, "version": 1, "updated_at": when,
                })  # fmt: skip
        if limit is not None:
            rows = rows[:limit]
        if rows:
            connection.execute(insert(military_outgoing_requests), rows)
    return len(rows)


def military_subjects(engine: Engine, *, limit: int = 4) -> list[dict]:
    """Ningxia cases with a military-related debtor, as the sandbox military court's requests name them."""
    with engine.connect() as connection:
        rows = _military_parties(connection, limit)
    return [
        {
            "case_no": r.case_no,
            "court_code": r.court_code,
            "name": r.name,
            "id_type": r.id_type,
            "id_number": r.id_number,
            "kind": r.kind,
        }
        for r in rows
    ]
