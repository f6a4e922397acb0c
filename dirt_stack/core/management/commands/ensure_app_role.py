"""Create or update the application's least-privilege database role (core/database_roles.py).

Run by the release container (release.sh) as the master user, after the migrations:

    APP_DATABASE_USER=maticko_app_a APP_DATABASE_PASSWORD=... python manage.py ensure_app_role

The password is read from the environment only, never from the command line (where
any process listing would show it).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from core import database_roles


class Command(BaseCommand):
    help = (
        "Create or update the group role maticko_app (row access only) and the login role "
        "APP_DATABASE_USER with the password APP_DATABASE_PASSWORD (PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        if connections[options["database"]].vendor != "postgresql":
            self.stdout.write("Not PostgreSQL: there are no database roles to set up; nothing done.")
            return
        login_role = os.environ.get("APP_DATABASE_USER", "")
        password = os.environ.get("APP_DATABASE_PASSWORD", "")
        try:
            report = database_roles.ensure_app_role(login_role, password, using=options["database"])
        except database_roles.RoleRefused as refused:
            raise CommandError(str(refused)) from refused
        created = ", ".join(report.created) or "none"
        self.stdout.write(
            f"Application role {report.password_set_for} is ready "
            f"(member of {database_roles.APP_GROUP_ROLE}; roles created: {created})."
        )
