"""Apply migrations while holding a PostgreSQL advisory lock.

When a deployment starts several instances at once, each container's
entrypoint runs this command (RUN_MIGRATIONS=1). The first takes the lock and
migrates; the others wait for it, then find nothing left to apply. The lock
is a session lock on the same connection that migrates, so it is released
even if the process dies (PostgreSQL ends the session). See
infrastructure/docs/0010-migrations-on-deploy.md.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

# Any constant shared by every instance; "MATI" in ASCII.
MIGRATION_LOCK_ID = 0x4D415449


class Command(BaseCommand):
    help = "Run `migrate` under a PostgreSQL advisory lock, so concurrent deploys migrate once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            type=float,
            default=600,
            help="Seconds to wait for another instance's migration to finish (default 600).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        verbosity = options["verbosity"]
        if connection.vendor != "postgresql":
            # SQLite lives on one machine; there is nobody to race with.
            call_command("migrate", interactive=False, database=options["database"], verbosity=verbosity)
            return

        deadline = time.monotonic() + options["wait"]
        with connection.cursor() as cursor:
            # Building an index on a large table may take longer than a request may.
            cursor.execute("SET statement_timeout = 0")
            while True:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_ID])
                if cursor.fetchone()[0]:
                    break
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"Another instance held the migration lock for over {options['wait']}s."
                    )
                if verbosity:
                    self.stdout.write("Another instance is migrating; waiting for it to finish.")
                time.sleep(1)
            try:
                call_command("migrate", interactive=False, database=options["database"], verbosity=verbosity)
            finally:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_ID])
