"""Races on PostgreSQL with real threads, for tests of what happens when things run at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*tasks: Callable[[], None]) -> None:
    """Run each of ``tasks`` on its own thread (and database connection), all released
    at once, and wait for them; what one of them raised is raised here."""
    barrier = threading.Barrier(len(tasks))
    raised: list[BaseException] = []

    def run(task: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=30)
            task()
        except BaseException as error:
            raised.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if raised:
        raise raised[0]
