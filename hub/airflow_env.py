"""A project-local Airflow for `hub run`, `make demo` and the tests: SQLite metadata, our dags/ folder.

Production sets AIRFLOW_HOME and the rest itself (docker-compose.yml); here every setting is only a
default, so an operator's environment always wins.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hub.settings import PROJECT_ROOT

#: One pool per partner (how many of the hub's tasks may talk to it at once), shared with production's
#: airflow-init job (docker-compose.yml).
POOLS_FILE = PROJECT_ROOT / "deploy" / "airflow" / "pools.json"


def airflow_environment(home: Path | None = None) -> dict[str, str]:
    """The environment for Airflow commands: os.environ plus project defaults it does not set."""
    env = dict(os.environ)
    home = Path(env.get("AIRFLOW_HOME") or home or PROJECT_ROOT / ".airflow")
    env["AIRFLOW_HOME"] = str(home)
    defaults = {
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "GX_ANALYTICS_ENABLED": "False",
    }
    for name, value in defaults.items():
        env.setdefault(name, value)
    return env


def airflow_command(*args: str, env: dict[str, str] | None = None, check: bool = True, quiet: bool = False):
    """Run ``airflow ARGS`` from this virtualenv with the project's environment."""
    executable = Path(sys.executable).with_name("airflow")
    return subprocess.run(
        [str(executable), *args],
        env=env or airflow_environment(),
        check=check,
        text=True,
        capture_output=quiet,
    )


def prepare(env: dict[str, str] | None = None) -> dict[str, str]:
    """Migrate the metadata DB and create the partner pools (both idempotent); return the environment."""
    env = env or airflow_environment()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    airflow_command("db", "migrate", env=env, quiet=True)
    airflow_command("pools", "import", str(POOLS_FILE), env=env, quiet=True)
    return env


def run_dag(dag_id: str, env: dict[str, str] | None = None, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run one DAG once through Airflow (`airflow dags test`): scheduler-free, every task for real."""
    return airflow_command("dags", "test", dag_id, env=env, check=False, quiet=quiet)
