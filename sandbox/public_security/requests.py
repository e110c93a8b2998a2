"""Seed the case system with requests to locate debtors (查找被执行人下落), deterministically per seed.

Kept beside the sandbox service rather than in the case generator so the generator's own output (and its
determinism tests) stay as they are: call :func:`seed_locate_requests` after :func:`sandbox.case_generator.generate`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from hub.casesystem import cases, locate_requests, metadata, parties

BASE_TIME = datetime(2026, 11, 20, 9, 0, 0)


def seed_locate_requests(engine: Engine, *, share: float = 0.3, seed: int = 7, limit: int | None = None) -> int:
    """File a locate request for about ``share`` of the person debtors (by party id); return how many.

    Requests are appended after any already there, with increasing ``updated_at``."""
    metadata.create_all(engine, tables=[locate_requests.metadata.tables["locate_requests"]])
    with engine.begin() as connection:
        candidates = connection.execute(
            select(parties.c.id, parties.c.case_id, cases.c.officer)
            .join(cases, cases.c.id == parties.c.case_id)
            .where(parties.c.role == "DEBTOR", parties.c.kind == "PERSON")
            .order_by(parties.c.id)
        ).all()
        start = connection.execute(select(func.count()).select_from(locate_requests)).scalar_one()
        chosen = [
            row for row in candidates
            if int.from_bytes(hashlib.sha256(f"{seed}:{row.id}".encode()).digest()[:4], "big") % 1000 < share * 1000
        ]  # fmt: skip
        if limit is not None:
            chosen = chosen[:limit]
        rows = []
        for n, row in enumerate(chosen, start=start):
            when = BASE_TIME + timedelta(seconds=n)
            rows.append({
                "case_id": row.case_id, "party_id": row.id, "requested_by": row.officer, "requested_at": when,
                "status": "PENDING", "version": 1, "updated_at": when,
            })  # fmt: skip
        if rows:
            connection.execute(insert(locate_requests), rows)
    return len(rows)
