"""Seed the case system with public-security requests, deterministically per seed: locate requests
(查找被执行人下落), vehicle requests (查控车辆 / 车辆布控) and exit orders (限制出境), and lift some exit
orders the way an officer does (a new version with action LIFT).

Kept beside the sandbox service rather than in the case generator so the generator's own output (and its
determinism tests) stay as they are: call these after :func:`sandbox.case_generator.generate`.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, Table, func, insert, select, update

from hub.casesystem import cases, locate_requests, metadata, parties
from hub.casesystem.public_security import exit_orders, vehicle_requests
from sandbox.public_security.vehicles import plate_for

BASE_TIME = datetime(2026, 11, 20, 9, 0, 0)
CONTROL_SHARE = 0.5  # of vehicle requests: control a known plate (布控); the rest search (查控)
PASSPORT_SHARE = 0.5  # of exit orders: a passport number is known


def _draw(seed: int, *parts: object) -> float:
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big") % 1000 / 1000


def _chosen(engine: Engine, table: Table, *, share: float, seed: int, salt: str, person_only: bool, limit: int | None):
    """Debtor parties drawn with probability ``share`` (by party id), and the next request number."""
    metadata.create_all(engine, tables=[table])
    query = (
        select(parties.c.id, parties.c.case_id, cases.c.officer, cases.c.case_no)
        .join(cases, cases.c.id == parties.c.case_id)
        .where(parties.c.role == "DEBTOR")
        .order_by(parties.c.id)
    )
    if person_only:
        query = query.where(parties.c.kind == "PERSON")
    with engine.connect() as connection:
        candidates = connection.execute(query).all()
        start = connection.execute(select(func.count()).select_from(table)).scalar_one()
    chosen = [row for row in candidates if _draw(seed, salt, row.id) < share]
    return (chosen[:limit] if limit is not None else chosen), start


def seed_locate_requests(engine: Engine, *, share: float = 0.3, seed: int = 7, limit: int | None = None) -> int:
    """File a locate request for about ``share`` of the person debtors (by party id); return how many.

    Requests are appended after any already there, with increasing ``updated_at``."""
    metadata.create_all(engine, tables=[locate_requests])
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


def seed_vehicle_requests(engine: Engine, *, share: float = 0.2, seed: int = 7, limit: int | None = None) -> int:
    """File a vehicle request for about ``share`` of the debtors: half control a known plate (布控), half
    search the debtor's vehicles (查控). Returns how many."""
    chosen, start = _chosen(
        engine, vehicle_requests, share=share, seed=seed, salt="vehicle", person_only=False, limit=limit
    )
    rows = []
    for n, row in enumerate(chosen, start=start):
        when = BASE_TIME + timedelta(seconds=n)
        control = _draw(seed, "control", row.id) < CONTROL_SHARE
        rows.append({
            "case_id": row.case_id, "party_id": row.id, "kind": "CONTROL" if control else "SEARCH",
            "plate": plate_for(seed, "court", row.id) if control else None, "requested_by": row.officer,
            "requested_at": when, "status": "PENDING", "version": 1, "updated_at": when,
        })  # fmt: skip
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(vehicle_requests), rows)
    return len(rows)


def seed_exit_orders(engine: Engine, *, share: float = 0.2, seed: int = 7, limit: int | None = None) -> int:
    """Issue an exit restriction (限制出境, version 1) for about ``share`` of the person debtors, for two
    years from the decision. Returns how many."""
    chosen, start = _chosen(engine, exit_orders, share=share, seed=seed, salt="exit", person_only=True, limit=limit)
    rows = []
    for n, row in enumerate(chosen, start=start):
        when = BASE_TIME + timedelta(seconds=n)
        passport = _draw(seed, "passport", row.id) < PASSPORT_SHARE
        rows.append({
            "case_id": row.case_id, "party_id": row.id, "action": "ISSUE",
            "document_type": "PASSPORT" if passport else None,
            "document_number": f"E{int(_draw(seed, 'passport-no', row.id) * 1000):03d}{row.id % 100000:05d}"
            if passport else None,
            "period_from": date(2026, 11, 20), "period_to": date(2028, 11, 19),
            "decision_no": f"{row.case_no}之一", "requested_by": row.officer, "requested_at": when,
            "status": "PENDING", "version": 1, "updated_at": when,
        })  # fmt: skip
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(exit_orders), rows)
    return len(rows)


def lift_exit_orders(engine: Engine, *, share: float = 0.3, seed: int = 7, when: datetime | None = None) -> list[int]:
    """Lift about ``share`` of the restrictions in force (ACKNOWLEDGED), as an officer does when the debtor
    has paid: the order's next version, action LIFT, PENDING again, ``updated_at`` moved (the cursor).
    Returns the order ids lifted."""
    when = when or BASE_TIME + timedelta(days=1)
    with engine.begin() as connection:
        active = connection.execute(
            select(exit_orders.c.id, exit_orders.c.version)
            .where(exit_orders.c.action == "ISSUE", exit_orders.c.status == "ACKNOWLEDGED")
            .order_by(exit_orders.c.id)
        ).all()
        lifted = [row for row in active if _draw(seed, "lift", row.id) < share]
        for n, row in enumerate(lifted):
            connection.execute(
                update(exit_orders)
                .where(exit_orders.c.id == row.id)
                .values(action="LIFT", version=row.version + 1, status="PENDING",
                        updated_at=when + timedelta(seconds=n))
            )  # fmt: skip
    return [row.id for row in lifted]
