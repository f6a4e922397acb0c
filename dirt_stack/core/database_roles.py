"""The application's own PostgreSQL role: what the serving processes log in as.

The master user owns the schema and runs the migrations (the release container,
infrastructure/docs/0022-database-roles-and-connections.md). The web containers log
in as ``maticko_app_a`` or ``maticko_app_b``: login roles that are members of the
group role ``maticko_app``, which may read and write rows and nothing else (no
CREATE, DROP, ALTER or TRUNCATE). Two login roles take turns so that a password
rotation never invalidates the credentials running instances still use: the
secret flips to the other role with a new password, and the old role keeps
working until its own next turn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

APP_GROUP_ROLE = "maticko_app"
ALTERNATING_APP_USERS = ("maticko_app_a", "maticko_app_b")
# Row access only; the sequences' UPDATE is setval(), which Django's reset_sequences uses.
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCE_PRIVILEGES = "USAGE, SELECT, UPDATE"
# Instances booting together run their release steps at once: they take turns on this
# transaction-level advisory lock ("MATR" in ASCII), as migrations do on theirs.
ROLE_LOCK_ID = 0x4D415452
# A role name the statements below can quote without surprises.
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleRefused(ValueError):
    """The requested login role or password cannot be used; nothing was changed."""


@dataclass
class RoleReport:
    """What ``ensure_app_role`` changed, for the release log (never the password)."""

    created: list[str] = field(default_factory=list)
    password_set_for: str = ""


def ensure_app_role(login_role: str, password: str, *, using: str = DEFAULT_DB_ALIAS) -> RoleReport:
    """Create or update the group role and ``login_role``; run as the migrating user.

    Idempotent: every statement can run again, and all of them run in one transaction
    (nothing is changed when one fails). The default privileges are those
    of the user running this (the one that migrates), so tables and sequences its
    later migrations create are granted to ``maticko_app`` as they appear.
    """
    if not _ROLE_NAME.match(login_role):
        raise RoleRefused(f"{login_role!r} is not a plain PostgreSQL role name (a-z, 0-9, _).")
    if login_role == APP_GROUP_ROLE:
        raise RoleRefused(f"{APP_GROUP_ROLE} is the group role; name a login role such as maticko_app_a.")
    if not password:
        raise RoleRefused("The application role needs a password (APP_DATABASE_PASSWORD).")
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RoleRefused("Database roles exist on PostgreSQL only.")

    report = RoleReport()
    group = sql.Identifier(APP_GROUP_ROLE)
    login = sql.Identifier(login_role)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        raw = cursor.connection
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLE_LOCK_ID])

        def run(statement: sql.Composable) -> None:
            cursor.execute(statement.as_string(raw))

        cursor.execute("SELECT current_user, current_database()")
        migrating_user, database = cursor.fetchone()
        if login_role == migrating_user:
            raise RoleRefused("The application role must not be the user that migrates.")
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", [APP_GROUP_ROLE, login_role])
        existing = {row[0] for row in cursor.fetchall()}

        if APP_GROUP_ROLE not in existing:
            run(sql.SQL("CREATE ROLE {} NOLOGIN").format(group))
            report.created.append(APP_GROUP_ROLE)
        run(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), group))
        run(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(group))
        run(sql.SQL(f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {{}}").format(group))
        run(sql.SQL(f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA public TO {{}}").format(group))
        for kind, privileges in (("TABLES", TABLE_PRIVILEGES), ("SEQUENCES", SEQUENCE_PRIVILEGES)):
            default_grant = f"GRANT {privileges} ON {kind} TO {{}}"
            run(
                sql.SQL(f"ALTER DEFAULT PRIVILEGES FOR ROLE {{}} IN SCHEMA public {default_grant}").format(
                    sql.Identifier(migrating_user), group
                )
            )

        # A login role and nothing more: it inherits the group's rights and holds none of its own.
        # The master user on RDS is no superuser, and only a superuser may even mention
        # SUPERUSER or REPLICATION in ALTER ROLE: an existing role is checked, then gets
        # its login and password only.
        password_literal = sql.Literal(password)
        if login_role in existing:
            cursor.execute(
                "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls "
                "FROM pg_roles WHERE rolname = %s",
                [login_role],
            )
            if cursor.fetchone()[0]:
                raise RoleRefused(
                    f"{login_role} exists with rights an application role must not have (superuser, "
                    "CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS); remove them or drop the role."
                )
            run(sql.SQL("ALTER ROLE {} WITH LOGIN INHERIT PASSWORD {}").format(login, password_literal))
        else:
            run(
                sql.SQL(
                    "CREATE ROLE {} WITH LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                    "NOBYPASSRLS PASSWORD {}"
                ).format(login, password_literal)
            )
            report.created.append(login_role)
        run(sql.SQL("GRANT {} TO {}").format(group, login))
        report.password_set_for = login_role
    return report
