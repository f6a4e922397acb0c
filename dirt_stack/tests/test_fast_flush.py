"""The transactional tests' flush (tests/support/fast_flush.py) empties every table but the
reference ones, an issued invoice's included, on either database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.commands import flush

from invoicing.models import Invoice
from tests.factories import make_ticket_type
from tests.support import fast_flush
from tests.support.fast_flush import REFERENCE_TABLES
from tests.support.invoices import buy, invoicing_event

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_flush_empties_every_table_but_the_content_types_and_permissions(settings):
    settings.DEMO_PAYMENTS = True
    event = invoicing_event()
    buy(event, {make_ticket_type(event, name="Entry", price=Decimal("25.00")): 1}, method="demo")
    assert Invoice.objects.exists()  # immutable once issued: no DELETE may remove it
    content_types, permissions = ContentType.objects.count(), Permission.objects.count()

    # As Django's TransactionTestCase ends a test (tests/conftest.py put this flush in place).
    assert flush.sql_flush is fast_flush.sql_flush  # type: ignore[attr-defined]
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=False)

    left = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table not in REFERENCE_TABLES and model._default_manager.exists()
    }
    assert left == {}
    assert (ContentType.objects.count(), Permission.objects.count()) == (content_types, permissions)
    assert content_types > 0
    assert permissions > 0
