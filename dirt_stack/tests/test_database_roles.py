"""The release step and the application's least-privilege role, on a server set up like RDS.

release.sh runs outside a container here, the way the image runs it
(`docker run --rm --env-file release.env IMAGE ./release.sh`): the master user
migrates over TLS (verify-full), then creates the application's roles and the deploy
check account. The serving side then logs in as maticko_app_a or maticko_app_b,
whose passwords are really checked (tests/support/rds_postgres.py).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from core.database_roles import ALTERNATING_APP_USERS, APP_GROUP_ROLE
from tests.support.processes import APP_DIR, child_env, run_manage
from tests.support.rds_postgres import MASTER_USER, RdsLikePostgres, postgres_bin_dir, rds_like_postgres

pytestmark = pytest.mark.postgres

DEPLOY_CHECK_EMAIL = "deploy-check@maticko.test"
MARK = "APP-ROLE "

# What a request and the door do, as the application role: an organizer, an event, a
# purchase (order, tickets, stock counters, outbox), then a check-in at the door.
SALE_AND_CHECK_IN = """
import json
from decimal import Decimal
from django.db import connection
from checkin import services as checkin
from sales import pricing, purchase
from tests.factories import make_event, make_ticket_type, only_date
event = make_event()
ticket_type = make_ticket_type(event, price=Decimal("10.00"), capacity=5)
details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
order = purchase.place_order(only_date(event), {ticket_type.pk: 2}, details, base_url="http://testserver/").order
ticket = order.tickets.first()
admitted = checkin.scan(checkin.door_list(event), secret=ticket.secret)
again = checkin.scan(checkin.door_list(event), secret=ticket.secret)
with connection.cursor() as cursor:
    cursor.execute("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    user, ssl = cursor.fetchone()
done = {"user": user, "ssl": ssl, "order": order.code, "tickets": order.tickets.count(),
    "outcomes": [admitted.outcome, again.outcome]}
print("APP-ROLE " + json.dumps(done))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[RdsLikePostgres]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    with rds_like_postgres(bin_dir) as running:
        yield running


def release_env(server: RdsLikePostgres, **extra: str) -> dict[str, str | None]:
    """What /etc/maticko/release.env holds: the master user's URL to the instance, over verify-full TLS."""
    return {"DATABASE_URL": server.master_url, "DEBUG": "false", "RUN_MIGRATIONS": None, **extra}


def run_release(env: dict[str, str | None]) -> subprocess.CompletedProcess:
    # The image's `python` is the one on PATH; here it is the test run's own.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        ["./release.sh"],
        cwd=APP_DIR,
        env=child_env({**env, "PATH": path}),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def released(server: RdsLikePostgres) -> dict[str, str]:
    """release.sh run once, as a first deploy runs it; the app user's credentials it set."""
    password = secrets.token_hex(20)
    env = release_env(
        server,
        APP_DATABASE_USER="maticko_app_a",
        APP_DATABASE_PASSWORD=password,
        DEPLOY_CHECK_EMAIL=DEPLOY_CHECK_EMAIL,
        DEPLOY_CHECK_PASSWORD=secrets.token_hex(20),
    )
    result = run_release(env)
    assert result.returncode == 0, result.stdout + result.stderr
    return {"user": "maticko_app_a", "password": password, "output": result.stdout}


def set_app_password(server: RdsLikePostgres, user: str) -> str:
    """What an instance does after a rotation: ensure_app_role with the secret's user and a new password."""
    password = secrets.token_hex(20)
    result = run_manage(
        ["ensure_app_role"],
        release_env(server, APP_DATABASE_USER=user, APP_DATABASE_PASSWORD=password),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return password


def connect(server: RdsLikePostgres, user: str, password: str) -> psycopg.Connection:
    url = server.url(user, password).replace("postgres://", "postgresql://", 1)
    return psycopg.connect(url, connect_timeout=5, autocommit=True)


def can_log_in(server: RdsLikePostgres, user: str, password: str) -> bool:
    """True when the server accepts the password; False only when it refuses that password."""
    try:
        with connect(server, user, password) as conn:
            return conn.execute("SELECT current_user").fetchone() == (user,)
    except psycopg.OperationalError as error:
        if f'password authentication failed for user "{user}"' in str(error):
            return False
        raise


def test_release_migrates_creates_the_roles_and_the_deploy_check_account(server, released):
    assert "Application role maticko_app_a is ready" in released["output"]
    assert f"roles created: {APP_GROUP_ROLE}, maticko_app_a" in released["output"]
    assert f"Deploy check account {DEPLOY_CHECK_EMAIL} created" in released["output"]
    with server.admin() as admin:
        applied = admin.execute("SELECT count(*) FROM django_migrations").fetchone()
        roles = admin.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolinherit "
            "FROM pg_roles WHERE rolname LIKE 'maticko_app%' ORDER BY rolname"
        ).fetchall()
        member_of = admin.execute(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'maticko_app_a'"
        ).fetchall()
        account = admin.execute(
            "SELECT is_active, is_staff, is_superuser FROM accounts_user WHERE email = %s",
            [DEPLOY_CHECK_EMAIL],
        ).fetchone()
    assert applied is not None
    assert applied[0] > 0
    assert roles == [
        (APP_GROUP_ROLE, False, False, False, False, True),
        ("maticko_app_a", True, False, False, False, True),
    ]
    assert member_of == [(APP_GROUP_ROLE,)]
    assert account == (True, False, False)


def test_release_runs_again_without_changing_anything_but_passwords(server, released):
    result = run_release(
        release_env(
            server,
            APP_DATABASE_USER="maticko_app_a",
            APP_DATABASE_PASSWORD=released["password"],
            DEPLOY_CHECK_EMAIL=DEPLOY_CHECK_EMAIL,
            DEPLOY_CHECK_PASSWORD=secrets.token_hex(20),
        )
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No migrations to apply." in result.stdout
    assert "roles created: none" in result.stdout
    assert f"Deploy check account {DEPLOY_CHECK_EMAIL} updated" in result.stdout
    assert can_log_in(server, "maticko_app_a", released["password"])


def test_release_without_role_or_account_variables_only_migrates(server, released):
    result = run_release(release_env(server))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No migrations to apply." in result.stdout
    assert "Application role" not in result.stdout
    assert "Deploy check account" not in result.stdout


def test_release_fails_when_the_database_refuses_it(server, released):
    env = release_env(server, APP_DATABASE_USER="maticko_app_a", APP_DATABASE_PASSWORD="x" * 20)
    env["DATABASE_URL"] = server.url(MASTER_USER, "not-the-master-password")
    result = run_release(env)
    assert result.returncode != 0
    assert f'password authentication failed for user "{MASTER_USER}"' in result.stderr
    assert "release: done" not in result.stdout


def test_the_app_role_serves_a_purchase_and_a_check_in(server, released):
    url = server.url(released["user"], released["password"])
    result = run_manage(
        ["shell", "-v", "0", "-c", SALE_AND_CHECK_IN],
        {"DATABASE_URL": url, "DEBUG": "false", "OUTBOX_DELIVERY": "immediate", "EMAIL_URL": "consolemail://",
         "DEMO_PAYMENTS": "true"},
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    done = json.loads(next(line for line in result.stdout.splitlines() if line.startswith(MARK))[len(MARK) :])
    assert done["user"] == "maticko_app_a"
    assert done["ssl"] is True
    assert done["tickets"] == 2
    assert done["outcomes"] == ["admitted", "already_checked_in"]
    with server.admin() as admin:
        check_ins = admin.execute(
            "SELECT count(*) FROM checkin_checkin c JOIN sales_ticket t ON t.id = c.ticket_id "
            "JOIN sales_order o ON o.id = t.order_id WHERE o.code = %s",
            [done["order"]],
        ).fetchone()
    assert check_ins == (1,)


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE intruder (id int)",
        "DROP TABLE sales_order",
        "ALTER TABLE sales_order ADD COLUMN intruder int",
        "TRUNCATE sales_order CASCADE",
        "CREATE INDEX intruder ON sales_order (id)",
        "CREATE SCHEMA intruder",
        "CREATE ROLE intruder",
        "ALTER ROLE maticko_master PASSWORD 'taken'",
    ],
)
def test_the_app_role_cannot_change_the_schema_or_the_roles(server, released, statement):
    with (
        connect(server, released["user"], released["password"]) as conn,
        pytest.raises(psycopg.Error) as refused,
    ):
        conn.execute(statement)
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value), refused.value


def test_tables_of_a_later_migration_are_covered(server, released):
    """A table the migrating user creates after ensure_app_role ran: the default privileges grant it."""
    with psycopg.connect(
        server.master_url.replace("postgres://", "postgresql://", 1), autocommit=True
    ) as master:
        master.execute(
            "CREATE TABLE later_migration (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text)"
        )
    try:
        with connect(server, released["user"], released["password"]) as app:
            app.execute("INSERT INTO later_migration (note) VALUES ('new row'), ('second')")
            app.execute("UPDATE later_migration SET note = 'changed' WHERE note = 'second'")
            app.execute("DELETE FROM later_migration WHERE note = 'new row'")
            rows = app.execute("SELECT note FROM later_migration").fetchall()
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute("DROP TABLE later_migration")
    finally:
        with psycopg.connect(
            server.master_url.replace("postgres://", "postgresql://", 1), autocommit=True
        ) as master:
            master.execute("DROP TABLE later_migration")
    assert rows == [("changed",)]


def test_the_app_role_has_row_access_to_every_table_and_sequence(server, released):
    with connect(server, released["user"], released["password"]) as app:
        relations = app.execute(
            "SELECT c.relname, c.relkind, CASE c.relkind"
            " WHEN 'S' THEN has_sequence_privilege(c.oid, 'USAGE')"
            " AND has_sequence_privilege(c.oid, 'UPDATE')"
            " ELSE has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')"
            " AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE') END"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S')"
        ).fetchall()
    kinds = [kind for _, kind, _ in relations]
    assert kinds.count("r") > 20
    assert kinds.count("S") > 20
    assert [name for name, _, allowed in relations if not allowed] == []


def test_alternating_users_the_old_one_keeps_working_until_its_own_turn(server, released):
    user_a, user_b = ALTERNATING_APP_USERS
    first_a = set_app_password(server, user_a)
    # Rotation: the secret flips to maticko_app_b with a new password. Instances not yet
    # refreshed keep using maticko_app_a, which still works.
    first_b = set_app_password(server, user_b)
    assert can_log_in(server, user_b, first_b)
    assert can_log_in(server, user_a, first_a)
    # The next rotation flips back to maticko_app_a with a new password: its old one stops
    # working, and maticko_app_b (the one instances now use) is untouched.
    second_a = set_app_password(server, user_a)
    assert can_log_in(server, user_a, second_a)
    assert not can_log_in(server, user_a, first_a)
    assert can_log_in(server, user_b, first_b)
    # Both roles serve the same tables.
    for user, password in ((user_a, second_a), (user_b, first_b)):
        with connect(server, user, password) as conn:
            assert conn.execute("SELECT count(*) >= 0 FROM sales_order").fetchone() == (True,)
    released["password"] = second_a


def test_instances_booting_together_run_the_release_commands_at_once(server, released):
    """A first deploy or a rotation: several instances set up the same role and account together."""
    with server.admin() as admin:
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'maticko_app_b'").fetchone():
            admin.execute("DROP OWNED BY maticko_app_b")
            admin.execute("DROP ROLE maticko_app_b")
    password = secrets.token_hex(20)
    env = release_env(
        server,
        APP_DATABASE_USER="maticko_app_b",
        APP_DATABASE_PASSWORD=password,
        DEPLOY_CHECK_EMAIL="deploy-check-together@maticko.test",
        DEPLOY_CHECK_PASSWORD=secrets.token_hex(20),
    )
    commands = [["ensure_app_role"]] * 3 + [["ensure_deploy_check_account"]] * 3
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        results = list(pool.map(lambda args: run_manage(args, env, timeout=120), commands))
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
    created = [r.stdout for r in results if "roles created: maticko_app_b" in r.stdout]
    assert len(created) == 1
    assert can_log_in(server, "maticko_app_b", password)
    with server.admin() as admin:
        accounts = admin.execute(
            "SELECT count(*) FROM accounts_user WHERE email = 'deploy-check-together@maticko.test'"
        ).fetchone()
    assert accounts == (1,)


def test_ensure_app_role_refuses_what_would_break_least_privilege(server, released):
    for user, password, message in (
        (MASTER_USER, "pw-of-20-characters!", "must not be the user that migrates"),
        (APP_GROUP_ROLE, "pw-of-20-characters!", "is the group role"),
        (
            'maticko"; DROP ROLE maticko_master; --',
            "pw-of-20-characters!",
            "not a plain PostgreSQL role name",
        ),
        ("maticko_app_b", "", "needs a password"),
    ):
        result = run_manage(
            ["ensure_app_role"], release_env(server, APP_DATABASE_USER=user, APP_DATABASE_PASSWORD=password)
        )
        assert result.returncode != 0, user
        assert message in result.stderr, result.stderr


def test_the_master_owns_the_schema_and_the_app_role_owns_nothing(server, released):
    with server.admin() as admin:
        owners = admin.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        owned_by_app = admin.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname LIKE 'maticko_app%'"
        ).fetchone()
    assert owners == [(MASTER_USER,)]
    assert owned_by_app == (0,)
