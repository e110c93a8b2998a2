"""Engines for the hub DB, migrated to the latest Alembic revision on first use."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from connectors.db import make_engine
from hub.settings import get_settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["hub_db_url"] = url
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the hub DB at ``url`` (default: HUB_DB_URL) to ``revision``."""
    url = url or get_settings().hub_db_url
    command.upgrade(alembic_config(url), revision)


@cache
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    if os.environ.get("HUB_DB_AUTO_MIGRATE", "1") == "1":
        upgrade(url)
    return engine


def hub_engine(url: str | None = None) -> Engine:
    """The hub DB engine (one per URL per process), migrated on first use unless HUB_DB_AUTO_MIGRATE=0."""
    return _engine_for(url or get_settings().hub_db_url)
