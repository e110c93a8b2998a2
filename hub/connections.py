"""Resolve Airflow connections to SQLAlchemy URLs.

Credentials live only in Airflow connections (``AIRFLOW_CONN_<ID>`` environment variables, a secrets
backend or the metadata DB): never in YAML or code. Airflow is imported lazily so that the engine and
the connectors stay importable without it.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url

from hub.errors import ConfigurationError

#: Airflow conn_type → SQLAlchemy driver name.
_DRIVERS = {
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "postgres": "postgresql+psycopg2",
    "postgresql": "postgresql+psycopg2",
    "sqlite": "sqlite",
}


def get_connection(conn_id: str):
    """Return the Airflow connection ``conn_id`` or raise ConfigurationError saying how to define it."""
    try:
        from airflow.sdk import BaseHook
    except ImportError as exc:  # pragma: no cover - Airflow is in the lock
        raise ConfigurationError("Airflow is not installed; cannot resolve connection " + conn_id) from exc
    try:
        return BaseHook.get_connection(conn_id)
    except Exception as exc:
        raise ConfigurationError(
            f"Airflow connection {conn_id!r} is not defined: set AIRFLOW_CONN_{conn_id.upper()} "
            f"(a URI or JSON) or add it with `airflow connections add {conn_id} ...` ({exc})"
        ) from exc


def url_from_connection(conn) -> URL:
    """Build a SQLAlchemy URL from an Airflow connection's fields (not its URI, which mangles paths)."""
    driver = _DRIVERS.get((conn.conn_type or "").lower())
    if driver is None:
        raise ConfigurationError(
            f"connection {conn.conn_id!r} has type {conn.conn_type!r}; expected one of {sorted(_DRIVERS)}"
        )
    if driver == "sqlite":
        path = conn.host or conn.schema
        if not path:
            raise ConfigurationError(f"sqlite connection {conn.conn_id!r} needs the file path in host")
        return make_url(f"sqlite:///{path}")
    query = {"charset": "utf8mb4"} if driver.startswith("mysql") else {}
    extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
    if driver.startswith("mysql") and extra.get("local_infile"):
        query["local_infile"] = "1"
    return URL.create(
        driver,
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
        query=query,
    )


def sqlalchemy_url(conn_id: str) -> URL:
    """SQLAlchemy URL of the Airflow connection ``conn_id``."""
    return url_from_connection(get_connection(conn_id))
