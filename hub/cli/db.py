"""`hub db upgrade`: migrate the hub's own database (HUB_DB_URL) with Alembic."""

from __future__ import annotations

import click

from hub.db import upgrade
from hub.settings import get_settings


@click.group("db")
def command() -> None:
    """The hub's own database (ledger, watermarks, quarantine, idempotency keys)."""


@command.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Bring the hub DB to REVISION (safe to repeat)."""
    url = get_settings().hub_db_url
    upgrade(url, revision)
    click.echo(f"hub DB at {revision}: {url.split('@')[-1]}")
