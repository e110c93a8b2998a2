"""Checks of the deployment's other files, which need no Docker engine: the Dockerfile's sources exist and are not
ignored, requirements-prod.txt agrees with the lock, the Airflow pools file, the init scripts and the connections
they create agree with what the services use."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from importlib.util import find_spec

import pytest

from tests.compose_support import (
    COMMON_ANCHOR_KEY,
    CONNECTIONS,
    DEPLOY,
    DOCKERIGNORE,
    ROOT,
    as_mapping,
    copy_sources,
    dockerfile_instructions,
    fake_environment,
    interpolate,
    interpolated_environment,
    load_compose,
)

# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_compose()


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def common_env(compose) -> dict[str, str]:
    return as_mapping(compose[COMMON_ANCHOR_KEY]["environment"])


def test_dockerfile_copy_sources_exist():
    instructions = dockerfile_instructions()
    froms = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert froms and froms[0].startswith("python:3.11-slim"), froms
    assert any(k == "ENV" and "AIRFLOW_HOME=/opt/airflow" in a for k, a in instructions)
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert "pip install -r /tmp/requirements/requirements.txt" in runs
    assert "pip install -r /tmp/requirements/requirements-prod.txt" in runs
    assert "pip install --no-deps" in runs
    sources = copy_sources()
    for needed in ("dags/", "mappings/", "expectations/", "plugins/", "requirements.txt", "requirements-prod.txt"):
        assert needed in sources, f"the Dockerfile does not copy {needed}"
    missing = [source for source in sources if not list(ROOT.glob(source.rstrip("/")))]
    assert not missing, f"the Dockerfile copies what the repository does not have: {missing}"


def test_dockerignore_keeps_copy_sources():
    if not DOCKERIGNORE.exists():
        pytest.skip("no .dockerignore")
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ".venv" in patterns and ".git" in patterns
    for source in copy_sources():
        top = source.rstrip("/").split("/")[0]
        excluded = [p for p in patterns if not p.startswith("!") and fnmatch.fnmatch(top, p.lstrip("/"))]
        assert not excluded, f".dockerignore {excluded} hides {source}, which the Dockerfile copies"


def test_requirements_prod_is_pinned_and_agrees_with_the_lock():
    lines = (ROOT / "requirements-prod.txt").read_text(encoding="utf-8").splitlines()
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)", line)
            assert match, f"requirements-prod.txt: not an exact pin: {line!r}"
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    for needed in (
        "apache-airflow-providers-celery",
        "apache-airflow-providers-redis",
        "apache-airflow-providers-postgres",
        "psycopg2-binary",
        "celery",
        "redis",
    ):
        assert needed in pins, f"requirements-prod.txt lacks {needed}"
    lock = ROOT / "requirements.txt"
    assert lock.exists(), "requirements.txt (the lock the Dockerfile installs first) is missing"
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#\\]+)", line)
        if match:
            name = re.sub(r"[-_.]+", "-", match[1]).lower()
            assert pins.get(name, match[2]) == match[2], f"{name} pinned differently in the two files"


def test_pools_file_is_valid_and_covers_the_pools_in_use(services):
    pools = json.loads((DEPLOY / "airflow" / "pools.json").read_text(encoding="utf-8"))
    assert pools, "no pools"
    for name, pool in pools.items():
        assert isinstance(pool.get("slots"), int) and pool["slots"] > 0, name
        assert pool.get("description"), name
    # The DAGs run each partner's tasks in a pool named after the partner (hub/orchestration.py) ...
    from hub import flows

    used = {flow.partner for flow in flows.OUTBOUND_FLOWS.values()}
    used |= {feed.partner for feed in flows.FEEDBACK_OF.values()}
    assert used, "hub.flows declares no partner"
    # ... and a pool may also be named literally.
    for folder in ("dags", "hub", "connectors"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"\bpool\s*=\s*[\"']([^\"']+)[\"']", path.read_text(encoding="utf-8")))
    assert not used - set(pools), f"pools used by the DAGs but not created by airflow-init: {used - set(pools)}"
    mounts = " ".join(services["airflow-init"]["volumes"])
    assert "./deploy/airflow/pools.json:/opt/airflow/deploy/pools.json" in mounts


def test_init_scripts_create_what_the_services_use(services, common_env):
    hub_sql = (DEPLOY / "postgres" / "init-hub-db.sql").read_text(encoding="utf-8")
    assert re.search(r"CREATE\s+DATABASE\s+hub\b", hub_sql, re.IGNORECASE)
    assert common_env["HUB_DB_URL"].rsplit("/", 1)[-1] == "hub"
    pg = as_mapping(services["postgres"]["environment"])
    assert common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[-1] == pg["POSTGRES_DB"]
    assert f"://{pg['POSTGRES_USER']}:" in common_env["HUB_DB_URL"]

    maria_sql = (DEPLOY / "mariadb" / "init.sql").read_text(encoding="utf-8")
    created = set(re.findall(r"CREATE\s+DATABASE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?", maria_sql, re.I))
    assert set(CONNECTIONS.values()) <= created
    users_script = DEPLOY / "mariadb" / "init-users.sh"
    assert os.access(users_script, os.X_OK), "init-users.sh must be executable"
    users_sh = users_script.read_text(encoding="utf-8")
    maria_env = as_mapping(services["mariadb"]["environment"])
    for variable in re.findall(r"\$\{?([A-Z][A-Z0-9_]*_PASSWORD)\b", users_sh):
        assert variable in maria_env, f"init-users.sh reads {variable}, which mariadb is not given"
    for conn_id, database in CONNECTIONS.items():
        conn = json.loads(interpolate(common_env[f"AIRFLOW_CONN_{conn_id.upper()}"], fake_environment()))
        assert conn["host"] == "mariadb" and conn["schema"] == database, conn_id
        assert f"'{conn['login']}'@'%'" in users_sh, f"init-users.sh does not create {conn['login']}"
        assert re.search(rf"ON\s+{database}\.\*\s+TO\s+'{conn['login']}'", users_sh), conn_id
    mounts = " ".join(services["mariadb"]["volumes"])
    assert "init.sql:/docker-entrypoint-initdb.d/10-" in mounts
    assert "init-users.sh:/docker-entrypoint-initdb.d/20-" in mounts


def test_connections_resolve_through_the_hub(tmp_path, services):
    """The hub's own code (hub.connections via Airflow's env-var backend) reads the compose connections."""
    if find_spec("airflow") is None:
        pytest.skip("apache-airflow is not installed")
    fake = fake_environment()
    compose_env = interpolated_environment(services["airflow-worker"], fake)
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    # Only the connections and the Fernet key: the metadata DB driver and the celery provider are
    # installed in the image only (requirements-prod.txt), and resolving a connection needs neither.
    env.update({key: value for key, value in compose_env.items() if key.startswith("AIRFLOW_CONN_")})
    env["AIRFLOW__CORE__FERNET_KEY"] = compose_env["AIRFLOW__CORE__FERNET_KEY"]
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    probe = (
        "import json, sys\n"
        "from hub.connections import sqlalchemy_url\n"
        "out = {}\n"
        "for conn_id in sys.argv[1:]:\n"
        "    url = sqlalchemy_url(conn_id)\n"
        "    out[conn_id] = [url.drivername, url.host, url.port, url.database, url.username, url.password]\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *CONNECTIONS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    resolved = json.loads(result.stdout.strip().splitlines()[-1])
    assert resolved["case_system"] == [
        "mysql+pymysql",
        "mariadb",
        3306,
        "case_system",
        "hub_case",
        fake["CASE_SYSTEM_DB_PASSWORD"],
    ]
    assert resolved["credit_platform_frontdb"] == [
        "mysql+pymysql",
        "mariadb",
        3306,
        "credit_frontdb",
        "hub_frontdb",
        fake["CREDIT_FRONTDB_DB_PASSWORD"],
    ]
