"""Alembic environment for the hub DB; the URL comes from hub.db.session.upgrade, never from a file."""

from __future__ import annotations

from alembic import context

from connectors.db import make_engine
from hub.db.models import Base

config = context.config
url = config.attributes.get("hub_db_url")
if url is None:  # `alembic` CLI use: fall back to the hub's setting
    from hub.settings import get_settings

    url = get_settings().hub_db_url

engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
