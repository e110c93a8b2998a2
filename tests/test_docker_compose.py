"""Checks of docker-compose.yml, the hub's production shape, that need no Docker engine.

1. The file is valid against the Compose Specification JSON schema (vendored in tests/data/, see
   tests/data/compose-spec.SOURCE.md), and where a Compose command is installed (`docker compose` v2,
   or Debian's `docker-compose` package) its own `config` parser accepts the file too.
2. Invariants of the deployment: CeleryExecutor, one common anchor for every Airflow service, secrets
   only from the environment, healthchecks, dependencies, volumes, Airflow options that exist.
3. The Dockerfile's sources exist and the init scripts agree with the connections.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
DEPLOY = ROOT / "deploy"
SCHEMA_FILE = Path(__file__).parent / "data" / "compose-spec.json"
#: sha256 of the vendored schema, as recorded in tests/data/compose-spec.SOURCE.md.
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"

#: Airflow services and the Airflow sub-command each runs (None: the one-shot init script).
AIRFLOW_SERVICES = {
    "airflow-init": None,
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}
LONG_RUNNING = [name for name in AIRFLOW_SERVICES if name != "airflow-init"]
DATABASES = ["postgres", "redis", "mariadb"]
COMMON_ANCHOR_KEY = "x-airflow-common"

#: Every variable that docker compose must refuse to start without: the secrets.
REQUIRED_VARIABLES = {
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
    "CASE_SYSTEM_DB_PASSWORD",
    "CREDIT_FRONTDB_DB_PASSWORD",
}
#: Airflow connections the hub's flows use (hub/flows.py) and the database each must reach.
CONNECTIONS = {"case_system": "case_system", "credit_platform_frontdb": "credit_frontdb"}

#: Options of the celery section, which the celery provider (requirements-prod.txt) defines; used when
#: that provider is not installed here. Checked against apache-airflow-providers-celery 3.26.0.
CELERY_PROVIDER_OPTIONS = {"broker_url", "result_backend", "worker_concurrency", "worker_autoscale"}

SECRETISH_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|FERNET|(^|_)KEY$", re.IGNORECASE)
REQUIRED_REF = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}$")
URL_USERINFO = re.compile(r"[a-z][a-z0-9+.-]*://(?P<user>[^:/@\s]*):(?P<password>[^@\s]*)@", re.IGNORECASE)
JSON_PASSWORD = re.compile(r'"password"\s*:\s*"(?P<password>(?:[^"\\]|\\.)*)"')
DOLLAR = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))")
BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$", re.DOTALL)


# --- helpers -----------------------------------------------------------------------------------------


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation (the forms this file may use); raises KeyError like compose."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        if match["named"]:
            return env.get(match["named"], "")
        parsed = BRACED.match(match["braced"])
        if parsed is None:
            raise ValueError(f"invalid interpolation ${{{match['braced']}}}")
        name, op, arg = parsed["name"], parsed["op"], parsed["arg"]
        current = env.get(name)
        unset_or_empty = not current if op and op.startswith(":") else current is None
        if op in (":?", "?") and unset_or_empty:
            raise KeyError(f"{name}: {arg}")
        if op in (":-", "-") and unset_or_empty:
            return arg
        if op in (":+", "+"):
            return "" if unset_or_empty else arg
        return current or ""

    return DOLLAR.sub(replace, value)


def walk_strings(node, path=()):
    """Yield (path, string) for every string value in a loaded YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk_strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_strings(value, (*path, str(index)))
    elif isinstance(node, str):
        yield path, node


def as_mapping(environment) -> dict[str, str]:
    """A service's environment as a dict, whichever of the two Compose forms it is written in."""
    if environment is None:
        return {}
    if isinstance(environment, dict):
        return {key: "" if value is None else str(value) for key, value in environment.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)


def depends_on(service: dict) -> dict[str, dict]:
    value = service.get("depends_on") or {}
    if isinstance(value, list):
        return {name: {"condition": "service_started"} for name in value}
    return value


def command_list(service: dict) -> list[str]:
    command = service.get("command") or []
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def fake_environment() -> dict[str, str]:
    """Made-up values for the required variables, shaped like the real ones (never written anywhere)."""
    env = {name: secrets.token_urlsafe(24) for name in REQUIRED_VARIABLES}
    env["AIRFLOW_FERNET_KEY"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return env


def interpolated_environment(service: dict, env: dict[str, str]) -> dict[str, str]:
    return {key: interpolate(value, env) for key, value in as_mapping(service.get("environment")).items()}


def compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) if it works here, else Debian's `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def schema_errors(document) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: e.json_path)
    ]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def copy_sources() -> list[str]:
    """Sources of the Dockerfile's COPY/ADD instructions that come from the build context."""
    sources: list[str] = []
    for keyword, arguments in dockerfile_instructions():
        if keyword not in ("COPY", "ADD"):
            continue
        words = arguments.split()
        if any(word.startswith("--from") for word in words):
            continue
        paths = [word for word in words if not word.startswith("--")]
        sources.extend(paths[:-1])
    return sources


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
