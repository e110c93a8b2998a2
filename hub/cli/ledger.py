"""`hub ledger verify|show`: prove the exchange record is intact, and read it."""

from __future__ import annotations

import click

from hub import ledger
from hub.db import hub_engine


@click.group("ledger")
def command() -> None:
    """The exchange ledger (全程留痕): every batch and record, hash-chained."""


@command.command("verify")
def verify() -> None:
    """Walk the whole chain; exit 1 and name the first bad entry if any was altered, removed or reordered."""
    result = ledger.verify(hub_engine())
    click.echo(str(result))
    if not result.ok:
        raise SystemExit(1)


@command.command("show")
@click.option("--flow", help="Only this flow.")
@click.option("--batch", "batch_id", help="Only this batch id.")
@click.option("--record", "record_key", help="Only this record key (e.g. a dishonest-list entry id).")
@click.option("--outcome", help="Only this outcome (e.g. alert_urgent, quarantined, policy_blocked).")
@click.option("--limit", default=30, show_default=True, help="How many of the newest entries.")
def show(flow: str | None, batch_id: str | None, record_key: str | None, outcome: str | None, limit: int) -> None:
    """Print the newest ledger entries, oldest first."""
    rows = list(
        ledger.entries(hub_engine(), flow=flow, batch_id=batch_id, record_key=record_key, outcome=outcome, limit=limit)
    )
    if not rows:
        click.echo("no ledger entries match")
        return
    for row in rows:
        what = row["kind"] if row["record_key"] is None else f"{row['record_key']} v{row['record_version']}"
        reason = f"  {row['reason']}" if row["reason"] else ""
        click.echo(
            f"#{row['seq']:<7} {row['recorded_at']:%Y-%m-%d %H:%M:%S} {row['flow']:<30} {row['direction']:<3} "
            f"{what:<16} {row['outcome']:<14}{reason}"
        )
