"""Where the hub finds its own database, its data files and its tuning knobs.

One environment variable per setting, with embedded defaults that make `make demo` work on a bare
machine (SQLite under ``.demo/``). Partner and case-system credentials are *not* settings: they live in
Airflow connections (see :mod:`hub.connections`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    demo_dir: Path
    hub_db_url: str
    mappings_dir: Path
    expectations_dir: Path
    contracts_dir: Path  # WSDL/XSD of the SOAP partners, contracts/<partner>/v<n>/
    policies_dir: Path  # what each partner may receive, policies/<partner>.yaml (deny by default)
    reports_dir: Path
    chunk_size: int | None  # HUB_CHUNK_SIZE when set; else each flow's own (OutboundFlow.chunk_size)
    duplicate_keys_in_memory: int  # per batch; more go to a scratch file (hub.quality.duplicates)


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where needed rather than caching)."""
    demo_dir = Path(os.environ.get("HUB_DEMO_DIR", PROJECT_ROOT / ".demo"))
    return Settings(
        demo_dir=demo_dir,
        hub_db_url=os.environ.get("HUB_DB_URL", f"sqlite:///{demo_dir / 'hub.db'}"),
        mappings_dir=Path(os.environ.get("HUB_MAPPINGS_DIR", PROJECT_ROOT / "mappings")),
        expectations_dir=Path(os.environ.get("HUB_EXPECTATIONS_DIR", PROJECT_ROOT / "expectations")),
        contracts_dir=Path(os.environ.get("HUB_CONTRACTS_DIR", PROJECT_ROOT / "contracts")),
        policies_dir=Path(os.environ.get("HUB_POLICIES_DIR", PROJECT_ROOT / "policies")),
        reports_dir=Path(os.environ.get("HUB_REPORTS_DIR", demo_dir / "reports")),
        chunk_size=_count("HUB_CHUNK_SIZE"),
        duplicate_keys_in_memory=_count("HUB_DUPLICATE_KEYS_IN_MEMORY", minimum=0, default=10000),
    )


def _count(name: str, *, minimum: int = 1, default: int | None = None) -> int | None:
    """A whole number from the environment, or ``default`` when the variable is unset or empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise ConfigurationError(f"{name}={value!r}: expected a whole number of {minimum} or more (or leave it unset)")
    return int(value)
