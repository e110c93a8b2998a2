"""`hub alerts`: what the hub has raised to operators (urgent first), from the ledger."""

from __future__ import annotations

import click

from hub import alerts
from hub.db import hub_engine


@click.command("alerts")
@click.option("--urgent", is_flag=True, help="Only urgent alerts (e.g. an intercepted vehicle).")
@click.option("--limit", default=30, show_default=True, help="How many of the newest alerts.")
def command(urgent: bool, limit: int) -> None:
    """List the newest operator alerts, newest first; exit 0 even when there are none."""
    rows = alerts.recent(hub_engine(), urgent_only=urgent, limit=limit)
    if not rows:
        click.echo("no alerts")
        return
    for row in rows:
        level = "URGENT" if row["outcome"] == alerts.URGENT else "notice"
        subject = row["record_key"] or f"batch {row['batch_id']}"
        click.echo(f"#{row['seq']:<7} {row['recorded_at']:%Y-%m-%d %H:%M:%S} {level:<6} {row['flow']:<24} {subject}: "
                   f"{row['reason']}")  # fmt: skip
