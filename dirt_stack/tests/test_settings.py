"""Settings come only from the environment, and refuse unsafe combinations."""

from __future__ import annotations

import json

from tests.support.processes import run_manage

PRINT_SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "options": db.get("OPTIONS", {}),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "csrf": settings.CSRF_TRUSTED_ORIGINS,
    "email": settings.EMAIL_BACKEND,
    "email_host": settings.EMAIL_HOST,
    "vite_dev": settings.DJANGO_VITE["default"]["dev_mode"],
    "log_format": settings.LOG_FORMAT,
}, default=str))
"""


def settings_under(env: dict[str, str | None]) -> dict:
    result = run_manage(["shell", "-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_refuses_to_start_without_secret_key_when_not_debug():
    result = run_manage(["check"], {"DEBUG": "false", "SECRET_KEY": None})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_refuses_an_empty_secret_key():
    result = run_manage(["check"], {"DEBUG": "false", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_mode_has_a_development_key_and_console_email():
    settings = settings_under({"DEBUG": "true", "SECRET_KEY": None, "DATABASE_URL": None, "EMAIL_URL": None})
    assert settings["debug"] is True
    assert settings["email"] == "core.console_email.ConsoleEmailBackend"
    assert settings["log_format"] == "text"


def test_default_database_is_embedded_sqlite_tuned_for_concurrent_writers():
    settings = settings_under({"DATABASE_URL": None})
    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"].endswith("dirt_stack/db.sqlite3")
    assert settings["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings["options"]["init_command"]


def test_postgres_url_switches_to_postgresql_with_a_connection_pool():
    settings = settings_under(
        {"DATABASE_URL": "postgres://app:s3cret@db.internal:5432/maticko", "DATABASE_POOL_MAX_SIZE": "7"}
    )
    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "maticko"
    assert settings["options"]["pool"] == {
        "min_size": 1,
        "max_size": 7,
        "timeout": 10,
        "reconnect_timeout": 5.0,
    }
    assert settings["conn_max_age"] == 0


def test_postgres_without_pool_uses_persistent_connections():
    settings = settings_under({"DATABASE_URL": "postgres://app@db/maticko", "DATABASE_POOL": "false"})
    assert "pool" not in settings["options"]
    assert settings["conn_max_age"] == 60


def test_hosts_origins_email_and_production_logging_from_environment():
    settings = settings_under(
        {
            "DEBUG": "false",
            "ALLOWED_HOSTS": "tickets.example.com,.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://tickets.example.com",
            "EMAIL_URL": "smtp+tls://user:pw@email-smtp.eu-west-1.amazonaws.com:587",
            "VITE_DEV_SERVER": "true",
        }
    )
    assert settings["hosts"] == ["tickets.example.com", ".example.org"]
    assert settings["csrf"] == ["https://tickets.example.com"]
    assert settings["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["email_host"] == "email-smtp.eu-west-1.amazonaws.com"
    assert settings["vite_dev"] is True
    assert settings["log_format"] == "json"


def test_rejects_an_unknown_log_format():
    result = run_manage(["check"], {"LOG_FORMAT": "xml"})
    assert result.returncode != 0
    assert "LOG_FORMAT must be 'json' or 'text'" in result.stderr


def test_rejects_a_login_timeout_that_is_not_positive():
    result = run_manage(["check"], {"DEBUG": "true", "SESSION_IDLE_TIMEOUT": "0"})
    assert result.returncode != 0
    assert "SESSION_IDLE_TIMEOUT, SESSION_ABSOLUTE_TIMEOUT and REAUTHENTICATION_TIMEOUT must be positive" in (
        result.stderr
    )
