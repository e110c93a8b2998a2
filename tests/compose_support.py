"""What the deployment tests share: where the files are, the Compose rules the hub relies on, and small readers
(Compose interpolation, environment forms, the Dockerfile's instructions). Used by tests/test_docker_compose.py and
tests/test_deploy_files.py."""

from __future__ import annotations

import base64
import json
import re
import secrets
import shutil
import subprocess
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


def load_compose() -> dict:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return document
