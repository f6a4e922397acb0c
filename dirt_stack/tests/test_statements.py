"""core.statements' own rules: the text its raw cursor sends, and the reads it runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from psycopg.types.json import Jsonb

from core import statements


def test_placeholders_are_numbered_as_postgresql_binds_them():
    sql = "SELECT %s, a FROM t WHERE b LIKE 'x%%' AND c = %s AND d = %s"
    assert statements.numbered(sql) == b"SELECT $1, a FROM t WHERE b LIKE 'x%' AND c = $2 AND d = $3"
    assert statements.numbered("SELECT 1") == b"SELECT 1"


@pytest.mark.parametrize("sql", ["SELECT %d", "SELECT %(name)s", "SELECT 5 %"])
def test_a_placeholder_django_does_not_write_is_refused(sql):
    with pytest.raises(ValueError, match="percent sign"):
        statements.numbered(sql)


@pytest.mark.django_db
def test_fetch_binds_its_parameters_in_order():
    rows = statements.fetch("SELECT %s, %s, '100%%'", [3, "three"])
    assert [tuple(row) for row in rows] == [(3, "three", "100%")]


def comparable(value: object) -> tuple[type, object]:
    """A saved value with its type (psycopg's Int4 is not an int to the database), a JSON
    document by what it holds."""
    return type(value), value.obj if isinstance(value, Jsonb) else value


@pytest.mark.django_db
def test_values_are_what_each_field_saves(settings):
    """The columns ``values`` copies as they are equal the ORM's conversions of them."""
    settings.DEMO_PAYMENTS = True
    from sales import order_writer, pricing, purchase
    from sales.models import IdempotencyRecord
    from tests.factories import make_event, make_ticket_type, only_date

    event = make_event(payment_methods=["demo", "offline"])
    ticket_type = make_ticket_type(event, price=Decimal("12.50"))
    date = only_date(event)
    offers = pricing.date_offers(date, [ticket_type.pk])
    lines = purchase.price(purchase.validate_selection(date, {ticket_type.pk: 2}, None), None, offers)
    for method in ("demo", "offline"):
        details = pricing.BuyerDetails(
            name=" Ana ", email="Ana@Example.com", payment_method=method, attendee_names=["A", "B"]
        )
        new = order_writer.build_order(date, lines, details, method, None, None, "http://testserver/")
        key = IdempotencyRecord(scope="s", key="k", fingerprint="f", order_code=new.order.code)
        rows = [new.order, *new.lines, *new.tickets, new.payment, new.confirmation, key]
        for row in rows:
            assert row is not None
            fields = statements.columns(type(row))
            expected = [f.get_db_prep_save(f.pre_save(row, True), connection) for f in fields]
            # auto_now_add: the time of each call
            stamped = [i for i, f in enumerate(fields) if getattr(f, "auto_now_add", False)]
            got = statements.values(row)
            assert [comparable(v) for i, v in enumerate(got) if i not in stamped] == [
                comparable(v) for i, v in enumerate(expected) if i not in stamped
            ]
        assert statements.values(new.lines[0], "order_id") == statements.values(new.lines[0])[1:]
