"""Urgent alerts of the vehicle-control flow: a controlled vehicle was intercepted (布控车辆被查获).

The court must send officers while the vehicle is held, so each interception raises an urgent
:class:`hub.alerts.Alert` (CRITICAL on ``hub.alerts`` + a ledger entry ``alert_urgent``) when it is
loaded. Exactly once: an interception already alerted (a ledger entry ``alert_urgent`` with its key) is
never alerted again, however often its ticket is fetched; one loaded in the case system whose alert
never reached the hub DB (a crash between the two commits) is alerted on the next fetch. The text names
the request, the interception, the plate, the place and the time, and says what to do; never ID numbers.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from hub.alerts import URGENT, Alert
from hub.db.models import LedgerEntry

ELEMENT = "interception"


def interception_alerts(loaded, connection: Connection) -> list[Alert]:
    """The urgent alerts for interceptions in ``loaded`` (a :class:`~hub.public_security.results.Loaded`)
    not alerted before."""
    rows = loaded.passed.get(ELEMENT) or []
    if not rows:
        return []
    flow = loaded.exchange.flow
    entries = LedgerEntry.__table__
    keys = [_key(row) for row in rows]
    done = set(
        connection.execute(
            select(entries.c.record_key).where(
                entries.c.flow == flow.name, entries.c.outcome == URGENT, entries.c.record_key.in_(keys)
            )
        ).scalars()
    )
    alerts, seen = [], set()
    for row in rows:
        key = _key(row)
        if key in done or key in seen:
            continue
        seen.add(key)
        when = row["intercepted_at"]
        when = when.strftime("%Y-%m-%d %H:%M") if hasattr(when, "strftime") else str(when)
        message = (
            f"controlled vehicle {row['plate']} intercepted (查获) at {row['place']} on {when}; "
            f"vehicle-control request {row['request_id']}, interception {row['interception_id']}: send officers "
            "to take over the vehicle now and tell the holding police station who is coming"
        )
        alerts.append(Alert(flow.name, flow.partner, "IN", loaded.batch_id, key, message, urgent=True))
    return alerts


def _key(row: dict) -> str:
    return str(row["interception_id"])
