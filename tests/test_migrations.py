"""The hub DB's Alembic migrations create exactly what the models describe, on SQLite and MariaDB."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from connectors.db import make_engine
from hub.db import upgrade
from hub.db.models import Base


def pending_differences(url: str) -> list:
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    return differences


def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert pending_differences(f"sqlite:///{tmp_path / 'hub.db'}") == []


@pytest.mark.mariadb
def test_migrations_match_the_models_on_mariadb(make_database):
    assert pending_differences(make_database("migrate")) == []


def test_upgrading_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    upgrade(url)
    assert pending_differences(url) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(make_pg_database):
    assert pending_differences(make_pg_database("migrate")) == []
