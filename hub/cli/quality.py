"""`hub quality report FLOW`: the latest quality-gate figures of a flow and where its HTML page is."""

from __future__ import annotations

import click

from hub.quality import report


@click.group("quality")
def command() -> None:
    """Data-quality gate results."""


@command.command("report")
@click.argument("flow")
def report_command(flow: str) -> None:
    """Print the latest gate run's figures for FLOW, worst expectations first."""
    latest = report.latest(flow)
    if latest is None:
        raise click.ClickException(f"no quality report for {flow} yet: run the flow first (`hub run {flow}`)")
    click.echo(f"{flow}: suite {latest['suite']}, batch {latest['batch_id']}, {latest['finished_at']}")
    click.echo(
        f"  rows checked {latest['rows_checked']} in {latest['chunks']} chunks, quarantined {latest['rows_failed']} "
        f"({latest['failure_rate']:.1%}; threshold {latest['threshold']:.0%})"
        + ("  STOPPED by the threshold" if latest["stopped_by_threshold"] else "")
    )
    items = sorted(latest["expectations"].values(), key=lambda item: (-item["failed"], item["expectation"]))
    for item in items:
        mark = "FAIL" if item["failed"] else "ok  "
        click.echo(f"  {mark} {item['failed']:>7} / {item['evaluated']:<8} {item['description']}")
    click.echo(f"  report: {latest['html']}")
