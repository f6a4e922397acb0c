"""Organizer actions that must lock rows a rush is hitting wait longer for them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from core import statements


def lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return str(cursor.fetchone()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_waiting_longer_holds_for_the_transaction_only():
    default = lock_timeout()
    with transaction.atomic():
        statements.wait_longer_for_locks(45_000)
        assert lock_timeout() == "45s"
    assert lock_timeout() == default


@pytest.mark.django_db(transaction=True)
def test_waiting_longer_needs_a_transaction():
    with pytest.raises(RuntimeError, match="needs a transaction"):
        statements.wait_longer_for_locks()
    with transaction.atomic():
        statements.wait_longer_for_locks()  # SQLite has no lock_timeout: nothing to set
