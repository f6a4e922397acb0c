"""TLS to the database: DATABASE_URL's sslmode and sslrootcert reach psycopg, and verify-full holds.

In AWS the instance downloads the RDS global bundle at boot and mounts it read-only
into the containers at /etc/ssl/rds/global-bundle.pem; DATABASE_URL ends in
``?sslmode=verify-full&sslrootcert=/etc/ssl/rds/global-bundle.pem``. Here a server
of the test's own (tests/support/rds_postgres.py) has a certificate for ``localhost``
signed by a test authority that stands in for the bundle.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import run_manage
from tests.support.rds_postgres import MASTER_USER, RdsLikePostgres, postgres_bin_dir, rds_like_postgres

RDS_BUNDLE = "/etc/ssl/rds/global-bundle.pem"
MARK = "TLS-JSON "
PRINT_OPTIONS = """
import json
from django.conf import settings
print("TLS-JSON " + json.dumps(settings.DATABASES["default"]["OPTIONS"], default=str))
"""
# The connection Django opens, as PostgreSQL sees it.
PRINT_CONNECTION = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT ssl, version, current_user FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) "
                   "WHERE pid = pg_backend_pid()")
    ssl, version, user = cursor.fetchone()
print("TLS-JSON " + json.dumps({"ssl": ssl, "version": version, "user": user}))
"""


def marked_json(stdout: str) -> dict:
    return json.loads(next(line for line in stdout.splitlines() if line.startswith(MARK))[len(MARK) :])


def test_sslmode_and_root_certificate_of_the_url_reach_psycopg():
    url = f"postgres://maticko_app_a:pw@db.example.internal:5432/maticko?sslmode=verify-full&sslrootcert={RDS_BUNDLE}"
    result = run_manage(["shell", "-v", "0", "-c", PRINT_OPTIONS], {"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    options = marked_json(result.stdout)
    assert options["sslmode"] == "verify-full"
    assert options["sslrootcert"] == RDS_BUNDLE
    # The settings' own options are still there beside them.
    assert options["connect_timeout"] == 5
    assert options["application_name"] == "maticko"


@pytest.fixture(scope="module")
def server() -> Iterator[RdsLikePostgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    with rds_like_postgres(bin_dir) as running:
        yield running


def connect_with(url: str) -> tuple[int, str]:
    result = run_manage(
        ["shell", "-v", "0", "-c", PRINT_CONNECTION],
        {"DATABASE_URL": url, "DATABASE_POOL": "false", "DATABASE_CONNECT_TIMEOUT": "5"},
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.postgres
def test_verify_full_connects_with_the_authority_that_signed_the_server(server):
    status, output = connect_with(server.master_url)
    assert status == 0, output
    connection = marked_json(output)
    assert connection["ssl"] is True
    assert connection["user"] == MASTER_USER
    print(f"\nverify-full connection: {connection}")


@pytest.mark.postgres
def test_verify_full_refuses_a_server_signed_by_another_authority(server):
    status, output = connect_with(
        server.url(MASTER_USER, server.master_password, ca_bundle=server.wrong_ca_bundle)
    )
    assert status != 0
    assert "certificate verify failed" in output


@pytest.mark.postgres
def test_verify_full_refuses_a_name_the_certificate_does_not_carry(server):
    """The right authority but another name for the server (127.0.0.1 is not in its certificate)."""
    url = server.master_url.replace("@localhost:", "@127.0.0.1:")
    status, output = connect_with(url)
    assert status != 0
    assert "does not match host name" in output


@pytest.mark.postgres
def test_verify_full_refuses_a_missing_bundle(server, tmp_path: Path):
    status, output = connect_with(
        server.url(MASTER_USER, server.master_password, ca_bundle=tmp_path / "absent.pem")
    )
    assert status != 0
    assert "absent.pem" in output


@pytest.mark.postgres
def test_the_server_refuses_connections_without_tls(server):
    status, output = connect_with(server.url(MASTER_USER, server.master_password, sslmode="disable"))
    assert status != 0
    assert "no encryption" in output
