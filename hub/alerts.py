"""Operator alerts: how the hub tells people that something needs them, now or soon.

An alert is two things at once, so that it can neither be missed nor denied afterwards:

* a log record on the ``hub.alerts`` logger (CRITICAL when urgent, WARNING otherwise), which the task log,
  the scheduler's log and any handler the deployment attaches (mail, IM webhook) receive;
* a ledger entry in the caller's transaction, outcome ``alert_urgent`` or ``alert``, naming the record and
  saying what to do; ``hub alerts`` (and ``hub ledger show --outcome alert_urgent``) list them.

Urgent alerts are for what a person must act on within hours: a controlled vehicle intercepted (布控车辆被
查获), a delivery blocked by a partner's data policy. Alert text never carries ID numbers or addresses: it
names the record by its key, the operator looks it up in the case system.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from hub import ledger
from hub.ledger import Trace

log = logging.getLogger("hub.alerts")

URGENT = "alert_urgent"
NOTICE = "alert"
OUTCOMES = (URGENT, NOTICE)


@dataclass(frozen=True)
class Alert:
    """One thing an operator must see: which flow and record, what happened, what to do."""

    flow: str
    partner: str
    direction: str  # OUT or IN, as in the ledger
    batch_id: str
    record_key: str | None
    message: str
    urgent: bool = False

    def trace(self) -> Trace:
        kind = "RECORD" if self.record_key is not None else "BATCH"
        outcome = URGENT if self.urgent else NOTICE
        return Trace(
            self.batch_id, self.flow, self.partner, self.direction, outcome, kind, self.record_key, None, None,
            self.message,
        )  # fmt: skip


def raise_alerts(connection: Connection, alerts: list[Alert]) -> None:
    """Record ``alerts`` in the ledger (inside the caller's transaction) and log each one."""
    if not alerts:
        return
    ledger.append(connection, [alert.trace() for alert in alerts])
    for alert in alerts:
        level = logging.CRITICAL if alert.urgent else logging.WARNING
        subject = f"record {alert.record_key}" if alert.record_key is not None else f"batch {alert.batch_id}"
        log.log(level, "%s%s [%s → %s, %s]: %s", "URGENT " if alert.urgent else "", alert.flow, alert.partner,
                alert.direction, subject, alert.message)  # fmt: skip


def raise_alert(engine_or_connection: Engine | Connection, alert: Alert) -> None:
    """One alert; with an Engine it commits in its own transaction."""
    if isinstance(engine_or_connection, Engine):
        with engine_or_connection.begin() as connection:
            raise_alerts(connection, [alert])
    else:
        raise_alerts(engine_or_connection, [alert])


def recent(engine: Engine, *, urgent_only: bool = False, limit: int = 50) -> list[dict]:
    """The latest alerts from the ledger, newest first."""
    outcomes = [URGENT] if urgent_only else list(OUTCOMES)
    rows = []
    for outcome in outcomes:
        rows += list(ledger.entries(engine, outcome=outcome, limit=limit))
    rows.sort(key=lambda row: row["seq"], reverse=True)
    return rows[:limit]
