"""`hub quarantine list|show|release|drop`: what was held back, why, and the operator's decision."""

from __future__ import annotations

import json

import click

from hub import quarantine
from hub.db import hub_engine


@click.group("quarantine")
def command() -> None:
    """Records held back from a flow, with every reason (ID numbers shown masked)."""


@command.command("list")
@click.option("--flow", help="Only this flow.")
@click.option(
    "--status", default="HELD", show_default=True, type=click.Choice(["HELD", "RELEASED", "RETRIED", "DROPPED", "ALL"])
)
@click.option("--limit", default=50, show_default=True)
def list_command(flow: str | None, status: str, limit: int) -> None:
    """The newest quarantined records."""
    rows = quarantine.records(hub_engine(), flow=flow, status=None if status == "ALL" else status, limit=limit)
    if not rows:
        click.echo("nothing in quarantine matches")
        return
    for row in rows:
        reasons = "; ".join(row["reasons"])
        click.echo(
            f"#{row['id']:<6} {row['created_at']:%Y-%m-%d %H:%M} {row['flow']:<32} {row['record_key']:<10} "
            f"v{row['record_version'] or '-':<3} {row['status']:<8} {reasons}"
        )


@command.command("show")
@click.argument("quarantine_id", type=int)
def show(quarantine_id: int) -> None:
    """One record: its reasons and its content as extracted."""
    row = _or_exit(lambda: quarantine.record(hub_engine(), quarantine_id))
    click.echo(f"quarantine #{row['id']}  {row['flow']} → {row['partner']}  record {row['record_key']}")
    click.echo(f"status {row['status']}  held since {row['created_at']:%Y-%m-%d %H:%M:%S}  batch {row['batch_id']}")
    if row["resolution_note"]:
        click.echo(f"note: {row['resolution_note']}")
    click.echo("reasons:")
    for reason in row["reasons"]:
        click.echo(f"  - {reason}")
    click.echo("record:")
    click.echo(json.dumps(row["payload"], ensure_ascii=False, indent=2, sort_keys=True, default=str))


@command.command("release")
@click.argument("quarantine_id", type=int)
@click.option("--note", required=True, help="What was corrected (kept in the ledger).")
def release(quarantine_id: int, note: str) -> None:
    """Send a corrected record back into its flow: the next run reads its current version and retries it."""
    row = _or_exit(lambda: quarantine.resolve(hub_engine(), quarantine_id, action="release", note=note))
    click.echo(f"released #{quarantine_id} ({row['flow']} record {row['record_key']}): it is retried on the next run")


@command.command("drop")
@click.argument("quarantine_id", type=int)
@click.option("--reason", required=True, help="Why the record will never be sent (kept in the ledger).")
def drop(quarantine_id: int, reason: str) -> None:
    """Give up on a record for good, with the reason recorded."""
    row = _or_exit(lambda: quarantine.resolve(hub_engine(), quarantine_id, action="drop", note=reason))
    click.echo(f"dropped #{quarantine_id} ({row['flow']} record {row['record_key']})")


def _or_exit(action):
    try:
        return action()
    except quarantine.QuarantineError as error:
        raise click.ClickException(str(error)) from None
