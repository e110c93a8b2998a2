"""Checks of docker-compose.yml, the hub's production shape, that need no Docker engine.

1. The file is valid against the Compose Specification JSON schema (vendored in tests/data/, see
   tests/data/compose-spec.SOURCE.md), and where a Compose command is installed (`docker compose` v2,
   or Debian's `docker-compose` package) its own `config` parser accepts the file too.
2. Invariants of the deployment: CeleryExecutor, one common anchor for every Airflow service, secrets
   only from the environment, healthchecks, dependencies, volumes, Airflow options that exist.
3. The Dockerfile's sources exist and the init scripts agree with the connections.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml

from tests.compose_support import (
    AIRFLOW_SERVICES,
    BRACED,
    CELERY_PROVIDER_OPTIONS,
    COMMON_ANCHOR_KEY,
    COMPOSE_FILE,
    DATABASES,
    DEPLOY,
    DOLLAR,
    JSON_PASSWORD,
    LONG_RUNNING,
    REQUIRED_REF,
    REQUIRED_VARIABLES,
    ROOT,
    SCHEMA_FILE,
    SCHEMA_SHA256,
    SECRETISH_NAME,
    URL_USERINFO,
    as_mapping,
    command_list,
    compose_command,
    depends_on,
    fake_environment,
    interpolated_environment,
    schema_errors,
    walk_strings,
)

# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text) -> dict:
    document = yaml.safe_load(compose_text)
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return document


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def common_env(compose) -> dict[str, str]:
    return as_mapping(compose[COMMON_ANCHOR_KEY]["environment"])


# --- 1. the Compose Specification --------------------------------------------------------------------


def test_vendored_schema_is_the_compose_specification():
    data = SCHEMA_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256, (
        "tests/data/compose-spec.json changed: record its new source and sha256 in compose-spec.SOURCE.md"
    )
    schema = json.loads(data)
    assert schema["title"] == "Compose Specification"
    assert "services" in schema["properties"]


def test_compose_file_is_valid_against_the_compose_specification(compose):
    errors = schema_errors(compose)
    assert not errors, "docker-compose.yml breaks the Compose Specification:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(lambda d: d["services"]["postgres"].update(healthchecks={}), id="unknown-key"),
        pytest.param(
            lambda d: d["services"]["airflow-worker"]["depends_on"]["airflow-init"].update(
                condition="service_finished"
            ),
            id="bad-condition",
        ),
        pytest.param(lambda d: d["services"]["airflow-apiserver"].update(ports={"8080": 8080}), id="bad-ports"),
        pytest.param(lambda d: d["services"]["redis"]["healthcheck"].update(test=42), id="bad-healthcheck"),
        pytest.param(lambda d: d["services"]["airflow-init"].update(depends_on="postgres"), id="bad-depends-on"),
        pytest.param(lambda d: d.update(service={}), id="unknown-top-level-key"),
    ],
)
def test_schema_check_rejects_a_broken_file(compose, breakage):
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert schema_errors(broken), "the schema accepted a broken file: the schema check is not biting"


def _run_compose(command: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("", encoding="utf-8")
    base_env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [*command, "--env-file", str(empty_env_file), "--file", str(COMPOSE_FILE), "config"],
        cwd=ROOT,
        env={**base_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compose_config_accepts_the_file(tmp_path):
    """Compose's own parser (no engine needed): interpolation, anchors, merges, references."""
    command = compose_command()
    if command is None:
        pytest.skip(
            "no Compose command here: install Debian's `docker-compose` package "
            "(apt-get install -y --no-install-recommends docker-compose) to run `docker-compose config`"
        )
    env = fake_environment()
    result = _run_compose(command, env, tmp_path)
    assert result.returncode == 0, f"{' '.join(command)} config failed:\n{result.stderr}"
    resolved = yaml.safe_load(result.stdout)
    worker_env = as_mapping(resolved["services"]["airflow-worker"]["environment"])
    assert worker_env["AIRFLOW__CORE__FERNET_KEY"] == env["AIRFLOW_FERNET_KEY"]
    assert worker_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert set(resolved["services"]) >= set(AIRFLOW_SERVICES) | set(DATABASES)


@pytest.mark.parametrize("missing", sorted(REQUIRED_VARIABLES))
def test_compose_config_refuses_a_missing_secret(tmp_path, missing):
    command = compose_command()
    if command is None:
        pytest.skip("no Compose command here (apt-get install -y --no-install-recommends docker-compose)")
    env = fake_environment()
    del env[missing]
    result = _run_compose(command, env, tmp_path)
    assert result.returncode != 0, f"compose started without {missing}"
    assert f"set {missing}" in result.stderr


# --- 2. invariants -----------------------------------------------------------------------------------


def test_all_services_are_there(services):
    missing = (set(AIRFLOW_SERVICES) | set(DATABASES)) - set(services)
    assert not missing, f"services missing from docker-compose.yml: {sorted(missing)}"


def test_no_airflow_2_services(compose_text, services):
    assert "webserver" not in compose_text, "Airflow 3 has no webserver: the UI is served by api-server"
    for name, service in services.items():
        assert "webserver" not in command_list(service), name


def test_every_airflow_service_merges_the_common_anchor(compose_text):
    root = yaml.compose(compose_text, Loader=yaml.SafeLoader)
    top = {key.value: value for key, value in root.value}
    common = top[COMMON_ANCHOR_KEY]
    nodes = {key.value: value for key, value in top["services"].value}
    for name in AIRFLOW_SERVICES:
        merged = [value for key, value in nodes[name].value if key.tag == "tag:yaml.org,2002:merge"]
        assert any(value is common for value in merged), f"{name} does not merge <<: *{common.anchor}"


def test_every_airflow_service_keeps_the_common_settings(compose, services, common_env):
    common = compose[COMMON_ANCHOR_KEY]
    assert common["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for name in AIRFLOW_SERVICES:
        service = services[name]
        assert service.get("image") == common["image"], name
        assert service.get("build") == common["build"], name
        env = as_mapping(service.get("environment"))
        lost = {key for key in common_env if env.get(key) != common_env[key]}
        assert not lost, f"{name} drops or overrides common environment {sorted(lost)}"
    for name, service in services.items():
        env = as_mapping(service.get("environment"))
        if "AIRFLOW__CORE__EXECUTOR" in env:
            assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name


def test_commands_match_airflow_3(services):
    for name, expected in AIRFLOW_SERVICES.items():
        if expected is not None:
            assert command_list(services[name])[: len(expected)] == expected, name
    init_script = " ".join(command_list(services["airflow-init"]))
    for step in ("airflow db migrate", "airflow pools import", "hub db upgrade"):
        assert step in init_script, f"airflow-init does not run `{step}`"
    assert init_script.index("airflow db migrate") < init_script.index("airflow pools import")


def test_celery_and_execution_api_wiring(services, common_env):
    assert common_env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    assert common_env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert common_env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    url = common_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    match = re.fullmatch(r"http://(?P<host>[^:/]+):(?P<port>\d+)/execution/", url)
    assert match, url
    assert match["host"] == "airflow-apiserver"
    published = [str(port).rsplit(":", 1)[-1] for port in services["airflow-apiserver"].get("ports", [])]
    assert match["port"] in published
    assert command_list(services["airflow-apiserver"])[-2:] == ["--port", match["port"]]


def test_airflow_options_exist_in_airflow_3_3(common_env, services):
    spec = find_spec("airflow.config_templates")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("apache-airflow is not installed")
    templates = Path(next(iter(spec.submodule_search_locations)))
    described = yaml.safe_load((templates / "config.yml").read_text(encoding="utf-8"))
    known = {(section, option) for section, body in described.items() for option in body.get("options", {})}
    known |= {("celery", option) for option in CELERY_PROVIDER_OPTIONS}
    names = set(common_env)
    for service in services.values():
        names |= set(as_mapping(service.get("environment")))
    unknown = []
    for name in sorted(names):
        if name.startswith("AIRFLOW__"):
            section, _, option = name[len("AIRFLOW__") :].lower().partition("__")
            if (section, option) not in known:
                unknown.append(name)
    assert not unknown, f"not Airflow 3.3 options (typo, or 2.x names?): {unknown}"


def test_secrets_come_only_from_required_variables(compose, services, common_env):
    for name in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert REQUIRED_REF.match(common_env[name]), f"{name} must be ${{VAR:?message}}, not {common_env[name]!r}"
    environments = {COMMON_ANCHOR_KEY: common_env}
    environments.update({name: as_mapping(s.get("environment")) for name, s in services.items()})
    for owner, env in environments.items():
        for key, value in env.items():
            if SECRETISH_NAME.search(key) and not key.endswith("_FILE"):
                assert REQUIRED_REF.match(value), f"{owner}: {key} is not taken from a required variable"
    checked = 0
    for path, value in walk_strings(compose):
        where = "/".join(path)
        for match in URL_USERINFO.finditer(value):
            checked += 1
            assert REQUIRED_REF.match(match["password"]), f"{where}: literal password in a URL"
        for match in JSON_PASSWORD.finditer(value):
            checked += 1
            assert REQUIRED_REF.match(match["password"]), f"{where}: literal password in a connection"
    assert checked >= 5, "expected the database URLs and connections to carry password references"


def test_no_obvious_literal_secret_anywhere(compose_text):
    lowered = compose_text.lower()
    for word in ("airflow:airflow@", "changeme", "change_me", "password123", "hunter2", "p@ssw0rd"):
        assert word not in lowered, f"literal secret-looking text {word!r} in docker-compose.yml"
    fernet_like = re.findall(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=", compose_text)
    assert not fernet_like, f"a Fernet key is written in docker-compose.yml: {fernet_like}"
    for script in DEPLOY.rglob("*"):
        if script.is_file() and script.suffix in (".sql", ".sh"):
            text = script.read_text(encoding="utf-8")
            assert not re.search(r"IDENTIFIED\s+BY\s+'", text, re.IGNORECASE), f"literal password in {script}"
            assert not re.search(r"PASSWORD\s*\(?\s*'", text, re.IGNORECASE), f"literal password in {script}"


def test_dollar_signs_are_escaped_or_braced(compose):
    for path, value in walk_strings(compose):
        where = "/".join(path)
        stripped = DOLLAR.sub(lambda m: "" if not m["named"] else m.group(0), value)
        assert "$" not in stripped, f"{where}: bare $ (write $$ for the shell, ${{VAR}} for compose): {value!r}"
        for match in DOLLAR.finditer(value):
            if match["braced"] is not None:
                assert BRACED.match(match["braced"]), f"{where}: bad interpolation ${{{match['braced']}}}"


def test_required_variables_are_the_secrets_and_are_documented(compose):
    required, defaulted = set(), set()
    for _, value in walk_strings(compose):
        for match in DOLLAR.finditer(value):
            parsed = BRACED.match(match["braced"] or "")
            if parsed is None:
                continue
            if parsed["op"] in (":?", "?"):
                required.add(parsed["name"])
            elif parsed["op"] in (":-", "-"):
                defaulted.add(parsed["name"])
    assert required == REQUIRED_VARIABLES
    assert not (defaulted & REQUIRED_VARIABLES), "a secret must not have a default"
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(name for name in required | defaulted if name not in readme)
    assert not undocumented, f"deploy/README.md does not mention {undocumented}"


def test_interpolation_fails_without_a_secret(services):
    env = fake_environment()
    del env["AIRFLOW_JWT_SECRET"]
    with pytest.raises(KeyError, match="AIRFLOW_JWT_SECRET"):
        interpolated_environment(services["airflow-scheduler"], env)


def test_dependencies_reference_existing_services_and_are_ordered(services):
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for target, spec in depends_on(service).items():
            assert target in services, f"{name} depends on undefined service {target}"
            assert spec.get("condition") in conditions, f"{name} -> {target}: {spec}"
            if spec["condition"] == "service_healthy":
                assert services[target].get("healthcheck"), f"{name} waits for {target}, which has no healthcheck"
    for name in LONG_RUNNING:
        needs = depends_on(services[name])
        assert needs.get("airflow-init", {}).get("condition") == "service_completed_successfully", name
        for database in ("postgres", "redis"):
            assert needs.get(database, {}).get("condition") == "service_healthy", f"{name} -> {database}"
    init_needs = depends_on(services["airflow-init"])
    assert init_needs.get("postgres", {}).get("condition") == "service_healthy"
    worker_needs = depends_on(services["airflow-worker"])
    assert worker_needs.get("airflow-apiserver", {}).get("condition") == "service_healthy"
    # No cycle: repeatedly remove services whose dependencies are all removed.
    remaining = dict(services)
    while remaining:
        ready = [name for name, s in remaining.items() if not set(depends_on(s)) & set(remaining)]
        assert ready, f"dependency cycle among {sorted(remaining)}"
        for name in ready:
            del remaining[name]


def test_healthchecks(services):
    for name in [*DATABASES, *LONG_RUNNING]:
        check = services[name].get("healthcheck") or {}
        assert not check.get("disable"), name
        test = check.get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, f"{name} has no usable healthcheck"
    apiserver_check = " ".join(services["airflow-apiserver"]["healthcheck"]["test"])
    assert "localhost:8080/api/v2/" in apiserver_check
    assert services["airflow-init"].get("restart") in (None, "no")
    for name in [*DATABASES, *LONG_RUNNING]:
        assert services[name].get("restart") in ("always", "unless-stopped"), name


def test_volumes_are_declared_and_bind_mounts_exist(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")):
                assert (ROOT / source).resolve().exists(), f"{name} mounts missing {source}"
                assert (ROOT / source).resolve().is_relative_to(ROOT), f"{name} mounts outside the repo"
            else:
                assert source in declared, f"{name} uses undeclared volume {source}"
                used.add(source)
    for database, data_dir in (("postgres", "/var/lib/postgresql/data"), ("mariadb", "/var/lib/mysql")):
        targets = {v.split(":")[1] for v in services[database]["volumes"] if v.split(":")[0] in declared}
        assert data_dir in targets, f"{database} keeps its data outside a named volume"
    assert declared <= used, f"declared but unused volumes: {sorted(declared - used)}"


# --- 3. the image, the init scripts and the connections ----------------------------------------------
