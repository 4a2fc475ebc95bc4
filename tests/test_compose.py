"""The production stack's files, checked without a Docker engine: the compose services, the
worker's environment against the settings it feeds, and the worker image's Dockerfile."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from sqlalchemy.engine import make_url

from config.settings import PROJECT_ROOT, Settings

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.temporal.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
# What an operator must export before `docker compose up`.
OPERATOR_ENVIRONMENT = {
    "RELANCE_DB_PASSWORD": "s3cret",
    "SMTP_HOST": "smtp.example.org",
    "SMTP_SENDER": "recouvrement@example.org",
}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<operator>:?[-?])(?P<argument>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Compose's substitution: ``${X}``, ``${X:-default}`` and ``${X:?error}``."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match["name"], match["operator"], match["argument"]
        current = environment.get(name)
        if operator == ":?" and not current:
            raise MissingVariable(f"{name}: {argument}")
        if operator == ":-" and not current:
            return argument
        return current or ""

    return VARIABLE.sub(substitute, value)


def settings_aliases() -> dict[str, str]:
    """Each environment variable the settings read, with the field it fills."""
    aliases = {}
    for field_name, field in Settings.model_fields.items():
        assert isinstance(field.validation_alias, AliasChoices), field_name
        for choice in field.validation_alias.choices:
            if isinstance(choice, str) and choice.isupper():
                aliases[choice] = field_name
    return aliases


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def worker_environment(compose: dict[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in compose["services"]["worker"]["environment"].items()}


def published_ports(service: dict[str, Any]) -> dict[int, str]:
    """Container port -> host address it is published on."""
    published = {}
    for mapping in service.get("ports", []):
        *host, _host_port, container_port = str(mapping).split(":")
        published[int(container_port)] = host[0] if host else "0.0.0.0"
    return published


def test_every_service_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        "temporal-db",
        "temporal",
        "temporal-ui",
        "app-db",
        "worker",
        "backoffice",
    }
    declared = set(compose["volumes"])
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared


def test_temporal_and_its_ui_are_published_on_localhost(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert published_ports(services["temporal"]) == {7233: "127.0.0.1"}
    assert published_ports(services["temporal-ui"]) == {8080: "127.0.0.1"}
    assert published_ports(services["backoffice"]) == {8081: "127.0.0.1"}
    for private in ("temporal-db", "app-db", "worker"):
        assert published_ports(services[private]) == {}


def test_temporal_persists_in_its_own_postgresql(compose: dict[str, Any]) -> None:
    services = compose["services"]
    temporal = services["temporal"]
    assert temporal["image"].startswith("temporalio/auto-setup:")
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] == "temporal-db"
    assert temporal["depends_on"]["temporal-db"]["condition"] == "service_healthy"
    assert services["temporal-db"]["image"] == "postgres:16"
    assert "healthcheck" in services["temporal-db"]
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    # The namespace the worker polls is the one Temporal creates at setup.
    assert (
        temporal["environment"]["DEFAULT_NAMESPACE"]
        == services["worker"]["environment"]["TEMPORAL_NAMESPACE"]
    )


def test_the_worker_builds_from_the_project_and_waits_for_its_services(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert (PROJECT_ROOT / worker["build"] / "Dockerfile").resolve() == DOCKERFILE
    assert worker["depends_on"]["app-db"]["condition"] == "service_healthy"
    assert "temporal" in worker["depends_on"]
    assert "healthcheck" in compose["services"]["app-db"]
    assert "relance-data:/data" in worker["volumes"]


def test_every_worker_variable_is_a_setting(worker_environment: dict[str, str]) -> None:
    aliases = settings_aliases()
    assert set(worker_environment) - set(aliases) == set()


def test_the_back_office_runs_beside_the_worker_and_decodes_for_the_temporal_ui(
    compose: dict[str, Any], worker_environment: dict[str, str]
) -> None:
    services = compose["services"]
    backoffice = services["backoffice"]
    assert backoffice["build"] == services["worker"]["build"]
    assert backoffice["command"] == ["relance", "backoffice"]
    environment = {name: str(value) for name, value in backoffice["environment"].items()}
    # Same database, Temporal, keys and data folder as the worker (it serves the worker's documents).
    assert {name: environment[name] for name in worker_environment} == worker_environment
    assert set(environment) - set(settings_aliases()) == set()
    assert "relance-data:/data" in backoffice["volumes"]
    settings = Settings.model_validate(
        {name: interpolate(value, OPERATOR_ENVIRONMENT) for name, value in environment.items()}
    )
    assert (settings.backoffice_host, settings.backoffice_port) == ("0.0.0.0", 8081)
    ui = services["temporal-ui"]["environment"]
    assert interpolate(ui["TEMPORAL_CODEC_ENDPOINT"], {}) == "http://127.0.0.1:8081/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert "http://127.0.0.1:8080" in settings.codec_origins


def test_the_worker_gets_what_production_needs(worker_environment: dict[str, str]) -> None:
    for required in ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "DATABASE_URL", "SMTP_HOST", "SMTP_PORT"):
        assert worker_environment[required]
    assert worker_environment["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert worker_environment["RELANCE_DATA_DIR"] == "/data"
    database = make_url(interpolate(worker_environment["DATABASE_URL"], OPERATOR_ENVIRONMENT))
    assert database.drivername == "postgresql+asyncpg"
    assert (database.host, database.port, database.database) == ("app-db", 5432, "relance")


def test_the_worker_environment_makes_valid_settings(worker_environment: dict[str, str]) -> None:
    resolved = {name: interpolate(value, OPERATOR_ENVIRONMENT) for name, value in worker_environment.items()}
    settings = Settings(**resolved)

    assert settings.effective_database_url == "postgresql+asyncpg://relance:s3cret@app-db:5432/relance"
    assert settings.smtp_host == "smtp.example.org"
    assert (settings.smtp_port, settings.smtp_starttls) == (587, True)
    assert settings.smtp_sender == "recouvrement@example.org"
    assert settings.data_dir == Path("/data")
    assert settings.dossiers_dir == Path("/data/dossiers")
    assert settings.temporal_namespace == "default"
    assert settings.registered_mail_provider == "outbox"


@pytest.mark.parametrize("missing", sorted(OPERATOR_ENVIRONMENT))
def test_compose_refuses_to_start_without_the_operator_values(
    worker_environment: dict[str, str], missing: str
) -> None:
    environment = {name: value for name, value in OPERATOR_ENVIRONMENT.items() if name != missing}
    with pytest.raises(MissingVariable, match=missing):
        for value in worker_environment.values():
            interpolate(value, environment)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines if line and line[0] != "#"
    ]


def test_the_dockerfile_builds_a_non_root_worker_image() -> None:
    instructions = dockerfile_instructions()
    arguments = {name: [a for n, a in instructions if n == name] for name, _ in instructions}

    assert arguments["FROM"][0].startswith("python:3.11-slim")
    (packages,) = [a for a in arguments["RUN"] if "apt-get install" in a]
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-dejavu-core"):
        assert library in packages.split()
    assert any(re.search(r"\bpip install \.(\s|$)", a) for a in arguments["RUN"])
    assert arguments["USER"][-1] not in ("root", "0")
    assert json.loads(arguments["CMD"][-1]) == ["python", "worker.py"]
    assert instructions[-1][0] == "CMD"


def test_the_image_holds_what_the_worker_reads_at_run_time() -> None:
    ignored = [
        line
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line[:1] not in ("", "#")
    ]
    for needed_ignored in (".venv", "var", ".pytest_cache", ".ruff_cache", "__pycache__"):
        assert needed_ignored in ignored

    setuptools = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    needed = [
        *(package.replace(".", "/") for package in setuptools["packages"]),
        *(f"{module}.py" for module in setuptools["py-modules"]),
        "pyproject.toml",
        "README.md",
        "alembic.ini",
        "letter_templates",
    ]
    for path in needed:
        assert (PROJECT_ROOT / path).exists(), path
        assert not any(fnmatch.fnmatch(path, pattern) for pattern in ignored), path

    # The templates the image's settings point at are the project's, copied to /app.
    (environment,) = [a for n, a in dockerfile_instructions() if n == "ENV"]
    assert "RELANCE_TEMPLATES_DIR=/app/letter_templates" in environment.split()
    assert ("WORKDIR", "/app") in dockerfile_instructions()


MTLS_FILE = PROJECT_ROOT / "docker-compose.temporal-mtls.yml"


def test_the_mtls_layer_gives_certificates_to_relance_and_the_ui_only(compose: dict[str, Any]) -> None:
    layer = yaml.safe_load(MTLS_FILE.read_text())["services"]
    assert set(layer) <= set(compose["services"])
    # The server takes no connection without a client certificate of the CA.
    temporal = layer["temporal"]["environment"]
    assert temporal["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    assert temporal["TEMPORAL_TLS_CLIENT1_CA_CERT"] == "/certs/ca.pem"
    for name, service in layer.items():
        assert service["volumes"] == ["${TEMPORAL_CERTS_DIR:-./certs}:/certs:ro"], name
        files = [value for value in service["environment"].values() if str(value).startswith("/")]
        assert files and all(path.startswith("/certs/") for path in files), name
    ui = layer["temporal-ui"]["environment"]
    assert (ui["TEMPORAL_TLS_CERT"], ui["TEMPORAL_TLS_SERVER_NAME"]) == ("/certs/ui.pem", "temporal")
    # The worker and the back office connect with their certificate: settings they read, whose
    # names match what the server's certificate says.
    for door in ("worker", "backoffice"):
        environment = {**compose["services"][door]["environment"], **layer[door]["environment"]}
        assert set(environment) - set(settings_aliases()) == set()
        settings = Settings(
            **{name: interpolate(str(value), OPERATOR_ENVIRONMENT) for name, value in environment.items()}
        )
        assert settings.temporal_tls_cert_path == Path("/certs/relance.pem")
        assert settings.temporal_tls_key_path == Path("/certs/relance.key")
        assert settings.temporal_tls_ca_path == Path("/certs/ca.pem")
        assert settings.temporal_tls_server_name == temporal["TEMPORAL_TLS_SERVER_NAME"]
        assert settings.temporal_api_key.get_secret_value() == ""
