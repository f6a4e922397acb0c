"""The container definition and the compose file, checked as data (no Docker engine needed)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_runs_the_app_postgres_16_and_a_mail_catcher():
    services = compose()["services"]
    assert set(services) == {"app", "db", "mailpit"}
    assert services["db"]["image"].startswith("postgres:16")
    assert services["app"]["build"]["context"] == "."
    assert "127.0.0.1:8000:8000" in services["app"]["ports"]
    assert "127.0.0.1:8025:8025" in services["mailpit"]["ports"]


def test_compose_publishes_its_ports_on_loopback_only():
    """Security review I-5: the DEBUG app and the mail catcher (reset links) stay off the LAN."""
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)


def test_compose_app_waits_for_a_healthy_database_and_mail_catcher():
    services = compose()["services"]
    assert services["app"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "mailpit": {"condition": "service_healthy"},
    }
    for name in ("db", "mailpit"):
        check = services[name]["healthcheck"]
        assert check["test"], name
        assert check["retries"] >= 3


def test_compose_database_uses_a_named_volume_and_matches_the_app_url():
    doc = compose()
    db = doc["services"]["db"]
    volume = db["volumes"][0].split(":")[0]
    assert volume in doc["volumes"]
    env = db["environment"]
    expected = f"postgres://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@db:5432/{env['POSTGRES_DB']}"
    app_env = doc["services"]["app"]["environment"]
    assert app_env["DATABASE_URL"] == expected
    assert app_env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert app_env["RUN_MIGRATIONS"] == "1"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_dockerfile_is_multi_stage_non_root_with_health_check():
    text = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+) AS (\S+)", text, flags=re.MULTILINE)
    assert [image.split(":")[0] for image, _ in stages] == ["node", "python"]
    # Exact tags, moved by Dependabot: Node's full version, Python's Debian release.
    node = re.fullmatch(r"node:(\d+)\.\d+\.\d+-alpine", stages[0][0])
    assert node is not None
    node_major = int(node.group(1))
    assert node_major >= 20
    assert node_major % 2 == 0  # an LTS line
    assert re.fullmatch(r"python:3\.11-slim-[a-z]+", stages[1][0])
    assert "COPY --from=frontend-builder /build/dist ./frontend/dist" in text
    assert "collectstatic --noinput" in text
    user = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert user
    assert user[-1].split(":")[0] not in {"root", "0"}
    assert "EXPOSE 8000" in text
    # Liveness, not the deep check: a database outage must not mark the container unhealthy.
    assert re.search(r"HEALTHCHECK .*\n.*http://127\.0\.0\.1:8000/health/live/", text)
    # nginx in front of gunicorn (ADR 0019), as tests/test_slow_clients.py runs it.
    assert 'CMD ["./serve.sh"]' in text
    assert re.search(r"apt-get install -y --no-install-recommends nginx", text)


def test_dockerignore_keeps_secrets_environments_and_test_artefacts_out():
    ignored = set((REPO / ".dockerignore").read_text().split())
    for pattern in ("**/.venv", "**/node_modules", "**/.env", "test-artifacts", "**/*.sqlite3*", "**/.git"):
        assert pattern in ignored
