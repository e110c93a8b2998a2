"""The run summary operators and `make demo` read: per flow, what happened to every record."""

from __future__ import annotations

import json

import click
from sqlalchemy import Engine

from hub import batches, ledger
from hub.flows import FEEDBACK_OF, outbound_flow
from hub.quality import report as quality_report


def flow_summary(hub: Engine, flow_name: str) -> dict:
    flow = outbound_flow(flow_name)
    out = batches.latest(hub, flow_name, "OUT")
    feed = batches.latest(hub, FEEDBACK_OF[flow_name].name, "IN")
    return {"flow": flow_name, "partner": flow.partner, "outbound": out, "feedback": feed}


def print_flow_summaries(hub: Engine, flow_names: list[str], *, verify: bool = True) -> bool:
    """Print one table per flow and the ledger's verification; return whether everything holds."""
    healthy = True
    for name in flow_names:
        summary = flow_summary(hub, name)
        out, feed = summary["outbound"], summary["feedback"]
        click.secho(f"\n{name} → {summary['partner']}", bold=True)
        if out is None:
            click.echo("  no run yet")
            healthy = False
            continue
        click.echo(f"  batch {out['batch_id'][:8]}  {out['status']}  started {out['started_at']:%Y-%m-%d %H:%M:%S}")
        if out["extracted"] == 0 and out["status"] == "SUCCEEDED":
            click.echo("  nothing new since the last run: the watermark is current, nothing was delivered again")
        reasons = json.loads(out["quarantine_reasons"] or "{}")
        top = sorted(reasons.items(), key=lambda item: -item[1])[:3]
        rows = [
            ("extracted", out["extracted"], ""),
            ("quarantined", out["quarantined"], "; ".join(f"{r} ({n})" for r, n in top)),
            ("delivered", out["delivered"], f"already at partner: {out['duplicates']}" if out["duplicates"] else ""),
            ("rejected by partner", out["rejected"], ""),
            ("acknowledged", out["acknowledged"], ""),
            ("feedback rows loaded", feed["loaded"] if feed else 0, _feedback_note(feed)),
        ]
        for label, value, note in rows:
            click.echo(f"  {label:<22}{value:>8}  {note}".rstrip())
        balanced = out["extracted"] == out["delivered"] + out["quarantined"] + out["rejected"]
        healthy &= balanced and out["status"] == "SUCCEEDED"
        click.echo(f"  extracted = delivered + quarantined + rejected: {'holds' if balanced else 'BROKEN'}")
        if out["error"]:
            click.secho(f"  error: {out['error']}", fg="red")
        quality = quality_report.latest(name)
        if quality and quality["batch_id"] == out["batch_id"]:
            click.echo(f"  quality report: {quality['html']}")
    if verify:
        result = ledger.verify(hub)
        click.secho(f"\n{result}", fg="green" if result.ok else "red")
        healthy &= result.ok
    return healthy


def _feedback_note(feed: dict | None) -> str:
    if feed is None:
        return "no feedback run yet"
    parts = []
    if feed["duplicates"]:
        parts.append(f"{feed['duplicates']} already loaded")
    if feed["quarantined"]:
        parts.append(f"{feed['quarantined']} quarantined")
    return ", ".join(parts)
