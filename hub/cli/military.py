"""`hub military open`: the assistance requests with the military court still open, per direction, with age."""

from __future__ import annotations

import click
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError

from hub.errors import HubError


@click.group("military")
def command() -> None:
    """Assistance requests with the military court (涉军案件), both directions."""


@command.command("open")
@click.option(
    "--direction",
    type=click.Choice(["in", "out"]),
    default=None,
    help="out: Ningxia's requests to the military court; in: the court's requests to Ningxia. Default both.",
)
@click.option("--conn-id", default="case_system", show_default=True, help="Airflow connection of the case system.")
def open_command(direction: str | None, conn_id: str) -> None:
    """List open requests (not DONE, REFUSED or WITHDRAWN), oldest first, with their age in days."""
    from hub.connections import sqlalchemy_url
    from hub.military.views import DIRECTIONS, open_requests

    try:
        engine = create_engine(sqlalchemy_url(conn_id))
        rows = {d: open_requests(engine, d) for d in ([direction] if direction else DIRECTIONS)}
    except (HubError, SQLAlchemyError) as error:
        click.echo(f"Error: cannot read the case system ({conn_id}): {str(error).splitlines()[0]}", err=True)
        raise click.exceptions.Exit(2) from None
    for name, requests in rows.items():
        label = "Ningxia → military court" if name == "out" else "military court → Ningxia"
        click.echo(f"{name} ({label}): {len(requests)} open")
        for row in requests:
            case = row["case_no"] or f"court {row['court_code']}"
            click.echo(
                f"  {row['request']!s:<12} {row['kind']:<9} {row['status']:<11} {row['age_days']:>6.1f} days  "
                f"due {row['due_date']}  {case}"
            )
