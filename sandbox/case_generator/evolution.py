"""Moving the case system forward in time, the way the case system does: :func:`evolve`.

Why: incremental extraction and delivery can only be demonstrated and tested against rows that change
after a first load. Each change bumps ``version`` and ``updated_at``, with deliberate ties of
``updated_at``, so that an extractor must order by ``(updated_at, id)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, and_, bindparam, func, select, update
from sqlalchemy.engine import Connection

from hub.casesystem.schema import consumption_restrictions, dishonest_entries
from hub.errors import ConfigurationError

from .config import GENERATED_TABLES
from .realism import EXPIRE_REASON, REVOKE_REASONS, SHIELD_REASONS


@dataclass
class EvolutionReport:
    """What :func:`evolve` changed.

    ``transitions`` counts changes as ``"table:FROM->TO"``; ``changed[table]`` lists the changed row ids;
    ``tied_rows`` counts changed rows whose ``updated_at`` equals another changed row's in the same
    table (ties are deliberate: the extractor must order by ``(updated_at, id)``).
    """

    seed: int
    fraction: float
    now: datetime
    transitions: dict[str, int] = field(default_factory=dict)
    changed: dict[str, list[int]] = field(
        default_factory=lambda: {dishonest_entries.name: [], consumption_restrictions.name: []}
    )
    first_updated_at: datetime | None = None
    last_updated_at: datetime | None = None
    tied_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (counts, not row ids)."""
        return {
            "seed": self.seed,
            "fraction": self.fraction,
            "now": self.now.isoformat(),
            "transitions": dict(self.transitions),
            "changed": {t: len(ids) for t, ids in self.changed.items()},
            "first_updated_at": self.first_updated_at.isoformat() if self.first_updated_at else None,
            "last_updated_at": self.last_updated_at.isoformat() if self.last_updated_at else None,
            "tied_rows": self.tied_rows,
        }


def evolve(engine: Engine, seed: int, fraction: float = 0.1, now: datetime | None = None) -> EvolutionReport:
    """Move the case system forward in time: ``fraction`` of the changeable rows change state.

    Changeable rows and their moves: dishonest entries PENDING→PUBLISHED (publish_date set) and
    PUBLISHED→EXPIRED (when expires_on has passed), SHIELDED or REVOKED (state_reason set); consumption
    restrictions ISSUED→LIFTED (lifted_date set). Each change bumps ``version`` and sets ``updated_at``
    at or after ``now``, increasing in the order of the changes, with groups of rows sharing the same
    timestamp on purpose. ``now`` defaults to 09:00 on the day after the latest ``updated_at`` in the
    case system, so that repeated calls are deterministic and always move forward; a ``now`` not after
    that latest timestamp is refused (an extractor's watermark would never see the changes).
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    with engine.begin() as conn:
        latest = _latest_updated_at(conn)
        if latest is None:
            raise ConfigurationError("the case system is empty: run generate() (hub seed --cases N) first")
        if now is None:
            now = datetime.combine(latest.date() + timedelta(days=1), datetime.min.time()).replace(hour=9)
        elif now <= latest:
            raise ValueError(
                f"now={now.isoformat()} is not after the latest updated_at {latest.isoformat()}: "
                "time only moves forward"
            )
        report = EvolutionReport(seed=seed, fraction=fraction, now=now)
        rng = random.Random(f"evolve:{seed}:{now.isoformat()}")
        stamps: list[datetime] = []
        stamps += _evolve_entries(conn, rng, fraction, now, report)
        stamps += _evolve_restrictions(conn, rng, fraction, now, report)
    if stamps:
        report.first_updated_at = min(stamps)
        report.last_updated_at = max(stamps)
    return report


def _latest_updated_at(conn: Connection) -> datetime | None:
    """The latest ``updated_at`` of the generated tables, None when they are empty."""
    values = [conn.execute(select(func.max(t.c.updated_at))).scalar() for t in GENERATED_TABLES]
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _sample_ids(
    conn: Connection, column: ColumnElement[int], where: ColumnElement[bool], rng: random.Random, fraction: float
) -> list[int]:
    """``fraction`` of the ids matching ``where``, drawn from ``rng``, in id order."""
    ids = list(conn.execute(select(column).where(where).order_by(column)).scalars())
    k = round(fraction * len(ids))
    return sorted(rng.sample(ids, k)) if k else []


def _stamps(rng: random.Random, now: datetime, n: int) -> list[datetime]:
    """``n`` non-decreasing timestamps from ``now`` in groups that share a value (the first has two)."""
    out: list[datetime] = []
    t = now
    while len(out) < n:
        size = 2 if not out else rng.choice((1, 1, 1, 2, 2, 3, 5))
        out.extend([t] * size)
        t += timedelta(microseconds=rng.randint(1, 2_000_000))
    return out[:n]


def _count_ties(stamps: list[datetime]) -> int:
    """How many stamps share their value with another one."""
    counts: dict[datetime, int] = {}
    for s in stamps:
        counts[s] = counts.get(s, 0) + 1
    return sum(c for c in counts.values() if c > 1)


def _in_chunks(ids: list[int], size: int = 1000) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _evolve_entries(
    conn: Connection, rng: random.Random, fraction: float, now: datetime, report: EvolutionReport
) -> list[datetime]:
    """Move ``fraction`` of the PENDING and PUBLISHED entries on: published, expired, shielded or revoked."""
    t = dishonest_entries
    chosen = _sample_ids(conn, t.c.id, t.c.state.in_(("PENDING", "PUBLISHED")), rng, fraction)
    today = now.date()
    changes: list[dict[str, Any]] = []
    for ids in _in_chunks(chosen):
        query = select(t.c.id, t.c.state, t.c.decision_date, t.c.publish_date, t.c.expires_on, t.c.version)
        for row in conn.execute(query.where(t.c.id.in_(ids)).order_by(t.c.id)):
            change = {
                "b_id": row.id,
                "b_old_state": row.state,
                "b_old_version": row.version,
                "version": row.version + 1,
                "publish_date": row.publish_date,
                "state_reason": None,
            }
            if row.state == "PENDING":
                change["state"] = "PUBLISHED"
                change["publish_date"] = max(today, row.decision_date)
            elif row.expires_on is not None and row.expires_on <= today:
                change["state"], change["state_reason"] = "EXPIRED", EXPIRE_REASON
            elif rng.random() < 0.75:
                change["state"], change["state_reason"] = "SHIELDED", rng.choice(SHIELD_REASONS)
            else:
                change["state"], change["state_reason"] = "REVOKED", rng.choice(REVOKE_REASONS)
            changes.append(change)
    return _apply(conn, t, changes, rng, now, report, ("state", "publish_date", "state_reason", "version"))


def _evolve_restrictions(
    conn: Connection, rng: random.Random, fraction: float, now: datetime, report: EvolutionReport
) -> list[datetime]:
    """Lift ``fraction`` of the ISSUED consumption restrictions."""
    t = consumption_restrictions
    chosen = _sample_ids(conn, t.c.id, t.c.state == "ISSUED", rng, fraction)
    today = now.date()
    changes: list[dict[str, Any]] = []
    for ids in _in_chunks(chosen):
        query = select(t.c.id, t.c.state, t.c.issued_date, t.c.version)
        for row in conn.execute(query.where(t.c.id.in_(ids)).order_by(t.c.id)):
            changes.append(
                {
                    "b_id": row.id,
                    "b_old_state": row.state,
                    "b_old_version": row.version,
                    "state": "LIFTED",
                    "lifted_date": max(today, row.issued_date),
                    "version": row.version + 1,
                }
            )
    return _apply(conn, t, changes, rng, now, report, ("state", "lifted_date", "version"))


def _apply(
    conn: Connection,
    table: Table,
    changes: list[dict[str, Any]],
    rng: random.Random,
    now: datetime,
    report: EvolutionReport,
    columns: tuple[str, ...],
) -> list[datetime]:
    """Write the changes in a shuffled order (time does not follow ids) with tied, increasing stamps."""
    if not changes:
        return []
    rng.shuffle(changes)
    stamps = _stamps(rng, now, len(changes))
    for change, stamp in zip(changes, stamps, strict=True):
        change["updated_at"] = stamp
        label = f"{table.name}:{change['b_old_state']}->{change['state']}"
        report.transitions[label] = report.transitions.get(label, 0) + 1
        report.changed[table.name].append(change["b_id"])
    statement = (
        update(table)
        .where(
            and_(
                table.c.id == bindparam("b_id"),
                table.c.state == bindparam("b_old_state"),
                table.c.version == bindparam("b_old_version"),
            )
        )
        .values({c: bindparam(c) for c in (*columns, "updated_at")})
    )
    for i in range(0, len(changes), 5000):
        conn.execute(statement, changes[i : i + 5000])
    report.changed[table.name].sort()
    report.tied_rows += _count_ties(stamps)
    return stamps
