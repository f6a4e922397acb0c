"""The one writer of orders and holds, run both ways (core/statements.py).

On PostgreSQL an order or a hold is written by one statement; on SQLite (and on
PostgreSQL with ``statements.available`` patched off) the ORM writes the rows
and the same claims run one by one. Every test taking the ``writer`` fixture
runs with each way the database allows: both must leave exactly the same rows
and counters behind, and refuse the same things.
"""

from __future__ import annotations

import dataclasses
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from core import statements
from core.models import OutboxMessage
from events.models import DateTicketType, Event, EventDate, TicketType
from invoicing.models import Invoice
from sales import exceptions, order_writer, pricing, purchase, stock, vouchers
from sales.models import Hold, IdempotencyRecord, Order, Voucher
from taxes.addresses import AddressDetails
from tests.factories import allocated, make_date, make_event, make_ticket_type, only_date
from tests.support.invoices import invoicing_event

pytestmark = pytest.mark.django_db(transaction=True)

# Differ between any two orders by design: ids, random codes and secrets, times.
UNIQUE = {
    "id",
    "order",
    "code",
    "order_code",
    "secret",
    "created_at",
    "paid_at",
    "payment_deadline",
    "reference",
    "key",
}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


@pytest.fixture(params=["statement", "orm"])
def writer(request, monkeypatch) -> str:
    """Which way the write runs: one PostgreSQL statement, or the ORM and claims one by one."""
    if request.param == "statement":
        if connection.vendor != "postgresql":
            pytest.skip("The one-statement write needs PostgreSQL.")
    else:
        monkeypatch.setattr(statements, "available", lambda: False)
    return request.param


def details(payment_method: str = "demo", attendees: list[str] | None = None) -> pricing.BuyerDetails:
    return pricing.BuyerDetails(
        name=" Ana Novak ",
        email="Ana@Example.com",
        payment_method=payment_method,
        attendee_names=attendees or [],
    )


def snapshot(order: Order) -> dict:
    """Everything a purchase wrote, minus what is unique to each order."""

    def plain(instance) -> dict:
        return {k: v for k, v in model_to_dict(instance).items() if k not in UNIQUE}

    message = OutboxMessage.objects.get(payload__order_code=order.code)
    record = IdempotencyRecord.objects.filter(order_code=order.code).first()
    return {
        "order": plain(order),
        "lines": [plain(line) for line in order.lines.order_by("ticket_type_id")],
        "tickets": [plain(ticket) for ticket in order.tickets.order_by("id")],
        "payments": [plain(payment) for payment in order.payments.all()],
        "message": (message.kind, message.payload["base_url"], message.sent_at is not None, message.attempts),
        "idempotency": plain(record) | {"for_this_order": record.order_code == order.code}
        if record
        else None,
    }


def counters(event: Event) -> tuple:
    return allocated(event), tuple(allocated(t) for t in event.ticket_types.order_by("pk"))


@pytest.mark.postgres
@pytest.mark.parametrize("payment_method", ["demo", "offline"])
def test_the_statement_writes_exactly_what_the_orm_writes(monkeypatch, payment_method):
    event = make_event(capacity=100, payment_methods=["demo", "offline"], collect_attendee_names=True)
    floor = make_ticket_type(event, name="Floor", price=Decimal("40.00"), capacity=50)
    balcony = make_ticket_type(event, name="Balcony", price=Decimal("25.50"), capacity=50)
    voucher = Voucher.objects.create(
        event=event, code="FRIEND", kind="percent", value=Decimal("15"), max_usages=5
    )
    quantities = {floor.pk: 2, balcony.pk: 1}
    buyer = details(payment_method, attendees=["Ana", "Bor", "Cene"])

    def buy(key: str) -> Order:
        placed = purchase.place_order(
            only_date(Event.objects.get(pk=event.pk)),
            quantities,
            buyer,
            voucher_code="friend",
            base_url="http://testserver/",
            idempotency_key=key,
        )
        assert placed.created
        return Order.objects.get(pk=placed.order.pk)

    assert statements.available()
    by_statement = buy("first")
    after_statement = counters(event)
    monkeypatch.setattr(statements, "available", lambda: False)
    by_orm = buy("second")

    assert snapshot(by_statement) == snapshot(by_orm)
    assert after_statement == (3, (2, 1))
    assert counters(event) == (6, (4, 2))
    assert Voucher.objects.get(pk=voucher.pk).redeemed == 2
    assert by_statement.total == Decimal("89.67")  # 2 x (40 - 6.00) + (25.50 - 3.83): 15 % off each ticket


def invoice_snapshot(order: Order) -> dict:
    """The invoice written with ``order``, minus what is unique to each (its lines keyed by
    their order line's ticket type)."""
    invoice = Invoice.objects.get(order=order)
    unique = UNIQUE | {"sequence", "number", "issued_at", "invoice", "order_line"}
    context = {k: v for k, v in invoice.context.items() if k not in {"order_code", "paid_at"}}
    return {
        "invoice": {k: v for k, v in model_to_dict(invoice).items() if k not in unique}
        | {"context": context},
        "lines": [
            {k: v for k, v in model_to_dict(line).items() if k not in unique}
            | {"ticket_type": getattr(line.order_line, "ticket_type_id", None)}
            for line in invoice.lines.select_related("order_line")
        ],
    }


@pytest.mark.postgres
def test_the_statement_writes_exactly_the_invoice_the_orm_writes(monkeypatch):
    """An invoicing organizer's order paid at once: the invoice is part of the one statement
    (its number claimed after the stock) or of the ORM's transaction, and is the same."""
    event = invoicing_event(payment_methods=["demo"])
    floor = make_ticket_type(event, name="Floor", price=Decimal("40.00"), capacity=50)
    balcony = make_ticket_type(event, name="Balcony", price=Decimal("25.50"), capacity=50)
    address = AddressDetails(
        is_business=True,
        company="Société Exemple SARL",
        name="Ana Novak",
        street="1 rue de la Paix",
        zipcode="75002",
        city="Paris",
        country="FR",
        vat_id="FR40303265045",
        vat_id_status="unchecked",
    )
    buyer = dataclasses.replace(details(), invoice_address=address)

    def buy() -> Order:
        placed = purchase.place_order(
            only_date(Event.objects.get(pk=event.pk)),
            {balcony.pk: 1, floor.pk: 2},
            buyer,
            base_url="http://testserver/",
        )
        return Order.objects.get(pk=placed.order.pk)

    assert statements.available()
    by_statement = buy()
    monkeypatch.setattr(statements, "available", lambda: False)
    by_orm = buy()

    assert invoice_snapshot(by_statement) == invoice_snapshot(by_orm)
    numbers = Invoice.objects.order_by("sequence").values_list("order_id", "sequence", "number")
    assert list(numbers) == [(by_statement.pk, 1, "ACME-00001"), (by_orm.pk, 2, "ACME-00002")]
    one = Invoice.objects.get(order=by_statement)
    assert one.vat_id_recheck
    assert one.buyer["name"] == "Société Exemple SARL"
    assert one.gross_total == Decimal("105.50")
    lines = list(one.lines.values_list("order_line_id", "description", "order_line__ticket_type_id"))
    # One line per order line, in the order's order, each named by its ticket type.
    assert [order_line for order_line, _, _ in lines] == list(
        by_statement.lines.order_by("pk").values_list("pk", flat=True)
    )
    assert {(name, ticket_type) for _, name, ticket_type in lines} == {
        ("Floor", floor.pk),
        ("Balcony", balcony.pk),
    }


@pytest.mark.postgres
def test_an_invoicing_organizers_order_paid_at_once_is_one_autocommitted_statement(monkeypatch):
    """The invoice adds no transaction and no query to the write: the stock's row locks are
    held for the one statement, as for an organizer who does not invoice."""
    event = invoicing_event(payment_methods=["demo"])
    entry = make_ticket_type(event, capacity=5)
    ran = []
    run = statements._run

    def recorded(sql, params, serialize):
        ran.append((connection.in_atomic_block, 'INSERT INTO "invoicing_invoice"' in sql))
        return run(sql, params, serialize)

    monkeypatch.setattr(statements, "_run", recorded)
    with CaptureQueriesContext(connection) as queries:
        placed = purchase.place_order(
            only_date(event), {entry.pk: 1}, details(), base_url="http://testserver/"
        )

    assert ran == [(False, True)]
    # Besides it, the organizer's invoice settings read before it, once.
    (read,) = [q["sql"] for q in queries.captured_queries if '"invoicing_' in q["sql"]]
    assert 'FROM "invoicing_invoicesettings"' in read
    assert Invoice.objects.get(order_id=placed.order.pk).number == "ACME-00001"


@pytest.mark.postgres
def test_what_place_order_returns_matches_the_database():
    event = make_event()
    ticket_type = make_ticket_type(event, capacity=10)
    placed = purchase.place_order(
        only_date(event), {ticket_type.pk: 3}, details(), base_url="http://testserver/", idempotency_key="k"
    )
    stored = Order.objects.get(code=placed.order.code)
    assert placed.tickets is not None  # created by this call
    assert placed.lines is not None
    assert placed.order.pk == stored.pk
    assert [t.pk for t in placed.tickets] == list(stored.tickets.values_list("pk", flat=True))
    assert [t.secret for t in placed.tickets] == list(stored.tickets.values_list("secret", flat=True))
    assert [line.pk for line in placed.lines] == list(stored.lines.values_list("pk", flat=True))
    assert all(not t._state.adding for t in placed.tickets)


def test_sold_out_names_the_ticket_type_that_ran_out(writer):
    event = make_event(capacity=10)
    plenty = make_ticket_type(event, name="Plenty", capacity=10)
    scarce = make_ticket_type(event, name="Scarce", capacity=1)
    with pytest.raises(exceptions.OrderConflict, match="“Scarce” is sold out"):
        purchase.place_order(
            only_date(event), {plenty.pk: 1, scarce.pk: 2}, details(), base_url="http://testserver/"
        )
    assert counters(event) == (0, (0, 0))
    assert not Order.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_event_capacity_runs_out_before_the_ticket_types(writer):
    event = make_event(capacity=3)
    a = make_ticket_type(event, name="A", capacity=3)
    b = make_ticket_type(event, name="B", capacity=3)
    purchase.place_order(only_date(event), {a.pk: 2}, details(), base_url="http://testserver/")
    with pytest.raises(exceptions.OrderConflict, match="this event is sold out"):
        purchase.place_order(only_date(event), {b.pk: 2}, details(), base_url="http://testserver/")
    assert counters(event) == (2, (2, 0))


def one_ticket_order(event: Event, ticket_type: TicketType, voucher: Voucher) -> order_writer.NewOrder:
    """The rows of an order for one ticket with ``voucher``, built but not written."""
    lines = pricing.price([(ticket_type, 1)], voucher, {})
    return order_writer.build_order(
        only_date(event), lines, details(), "demo", voucher, None, "http://testserver/"
    )


def test_a_voucher_used_up_meanwhile_fails_the_whole_purchase(writer):
    event = make_event()
    ticket_type = make_ticket_type(event, capacity=10)
    voucher = Voucher.objects.create(event=event, code="ONCE", value=Decimal("10"), max_usages=1)
    loaded = Voucher.objects.get(pk=voucher.pk)
    Voucher.objects.filter(pk=voucher.pk).update(redeemed=1)  # another buyer used it after we read it
    new = one_ticket_order(event, ticket_type, loaded)
    with pytest.raises(vouchers.VoucherUsedUp):
        order_writer.write(new, None, take_stock={ticket_type.pk: 1})
    assert counters(event) == (0, (0,))
    assert not Order.objects.exists()
    assert Voucher.objects.get(pk=voucher.pk).redeemed == 1


def test_a_voucher_deleted_meanwhile_fails_the_whole_purchase(writer):
    event = make_event()
    ticket_type = make_ticket_type(event, capacity=10)
    voucher = Voucher.objects.create(event=event, code="GONE", value=Decimal("10"), max_usages=5)
    loaded = Voucher.objects.get(pk=voucher.pk)
    new = one_ticket_order(event, ticket_type, loaded)
    new.order.voucher = None  # the organizer deleted it; the order would keep no reference
    voucher.delete()
    with pytest.raises(vouchers.VoucherGone):
        order_writer.write(new, None, take_stock={ticket_type.pk: 1})
    assert counters(event) == (0, (0,))
    assert not Order.objects.exists()


def test_a_ticket_type_deleted_after_it_was_read_takes_no_stock(writer):
    """The organizer deletes an unsold ticket type between the buyer's read and the
    write: nothing is written and no counter stays taken."""
    event = make_event(capacity=10)
    kept = make_ticket_type(event, name="Kept", capacity=5)
    deleted = make_ticket_type(event, name="Deleted", capacity=5)
    target = purchase.event_for_purchase(event.slug, None, [kept.pk, deleted.pk])
    TicketType.objects.filter(pk=deleted.pk).delete()
    with pytest.raises(stock.TicketTypesGone, match="no longer on sale"):
        purchase.place_order(
            target.date,
            {kept.pk: 1, deleted.pk: 1},
            details(),
            base_url="http://testserver/",
            ticket_types=target.ticket_types,
            offers=target.offers,
        )
    assert counters(event) == (0, (0,))
    assert not Order.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [(Event.Status.CANCELLED, "has been cancelled"), (Event.Status.DRAFT, "not on sale")],
)
def test_an_event_taken_off_sale_after_it_was_read_sells_nothing(writer, status, message):
    event = make_event()
    ticket_type = make_ticket_type(event, capacity=10)
    target = purchase.event_for_purchase(event.slug, None, [ticket_type.pk])
    Event.objects.filter(pk=event.pk).update(status=status)
    with pytest.raises(exceptions.OrderConflict, match=message):
        purchase.place_order(
            target.date,
            {ticket_type.pk: 1},
            details(),
            base_url="http://testserver/",
            ticket_types=target.ticket_types,
            offers=target.offers,
        )
    assert counters(event) == (0, (0,))
    assert not Order.objects.exists()


def test_event_for_purchase_reads_the_event_its_date_and_only_the_asked_ticket_types():
    event = make_event(payment_methods=["demo", "offline"])
    wanted = make_ticket_type(event, name="Wanted", price=Decimal("12.50"))
    make_ticket_type(event, name="Not asked for")
    elsewhere = make_ticket_type(make_event(), name="Another event's")

    target = purchase.event_for_purchase(event.slug, None, [wanted.pk, elsewhere.pk, 999_999])

    assert target.event == event
    assert target.event.payment_methods == ["demo", "offline"]
    assert target.date == only_date(event)
    assert target.date.event is target.event
    assert list(target.ticket_types) == [wanted.pk]
    assert target.ticket_types[wanted.pk].price == Decimal("12.50")
    assert target.ticket_types[wanted.pk].event is target.event
    assert list(target.offers) == [wanted.pk]
    assert target.offers[wanted.pk].date is target.date
    assert purchase.event_for_purchase(event.slug, None, []).ticket_types == {}
    with pytest.raises(Event.DoesNotExist):
        purchase.event_for_purchase("no-such-event", None, [wanted.pk])


def test_event_for_purchase_takes_the_asked_date_of_a_series():
    event = make_event()
    ticket_type = make_ticket_type(event)
    first, second = only_date(event), make_date(event)
    DateTicketType.objects.filter(date=second).update(price=Decimal("7.00"))

    target = purchase.event_for_purchase(event.slug, second.pk, [ticket_type.pk])
    assert (target.date, target.offers[ticket_type.pk].price) == (second, Decimal("7.00"))
    assert purchase.event_for_purchase(event.slug, first.pk, [ticket_type.pk]).date == first
    with pytest.raises(exceptions.OrderInvalid, match="several dates"):
        purchase.event_for_purchase(event.slug, None, [ticket_type.pk])
    other_event_date = only_date(make_event())
    for wrong in (other_event_date.pk, 0, 2**63):
        with pytest.raises(exceptions.OrderInvalid, match="not one of this event's"):
            purchase.event_for_purchase(event.slug, wrong, [ticket_type.pk])


def test_event_for_purchase_matches_the_orm_field_by_field():
    event = make_event(capacity=40)
    ticket_type = make_ticket_type(event, max_per_order=4)
    target = purchase.event_for_purchase(event.slug, None, [ticket_type.pk])
    assert model_to_dict(target.event) == model_to_dict(Event.objects.get(pk=event.pk))
    assert model_to_dict(target.date) == model_to_dict(EventDate.objects.get(event=event))
    assert model_to_dict(target.ticket_types[ticket_type.pk]) == model_to_dict(
        TicketType.objects.get(pk=ticket_type.pk)
    )
    assert model_to_dict(target.offers[ticket_type.pk]) == model_to_dict(
        DateTicketType.objects.get(ticket_type=ticket_type)
    )


@pytest.mark.postgres
def test_a_hold_by_statement_is_the_hold_the_orm_writes(monkeypatch):
    event = make_event(capacity=10)
    a = make_ticket_type(event, capacity=5)
    b = make_ticket_type(event, capacity=5)
    voucher = Voucher.objects.create(event=event, code="V", value=Decimal("5"), max_usages=3)

    def plain(hold: Hold) -> dict:
        hold = Hold.objects.get(pk=hold.pk)
        return {
            "hold": {k: v for k, v in model_to_dict(hold).items() if k not in {"id", "token", "expires_at"}},
            "minutes": round((hold.expires_at - hold.created_at).total_seconds() / 60),
            "lines": list(hold.lines.order_by("ticket_type_id").values_list("ticket_type_id", "quantity")),
        }

    by_statement = stock.hold(only_date(event), {b.pk: 1, a.pk: 2}, voucher=voucher)
    assert counters(event) == (3, (2, 1))
    monkeypatch.setattr(statements, "available", lambda: False)
    by_orm = stock.hold(only_date(event), {b.pk: 1, a.pk: 2}, voucher=voucher)
    assert plain(by_statement) == plain(by_orm)
    assert counters(event) == (6, (4, 2))
    assert not by_statement._state.adding
    assert [line.pk for line in by_statement.lines.all()]


def test_a_hold_beyond_the_stock_takes_nothing_and_names_what_ran_out(writer):
    event = make_event()
    scarce = make_ticket_type(event, name="Scarce", capacity=2)
    stock.hold(only_date(event), {scarce.pk: 2})
    with pytest.raises(exceptions.OrderConflict, match="“Scarce” is sold out"):
        purchase.start_checkout(only_date(event), {scarce.pk: 1})
    assert counters(event) == (2, (2,))
    assert Hold.objects.count() == 1


def test_a_hold_on_an_event_cancelled_meanwhile_takes_nothing(writer):
    event = make_event()
    ticket_type = make_ticket_type(event)
    loaded = only_date(Event.objects.get(pk=event.pk))
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    with pytest.raises(exceptions.OrderConflict, match="has been cancelled"):
        purchase.start_checkout(loaded, {ticket_type.pk: 1})
    assert counters(event) == (0, (0,))
    assert not Hold.objects.exists()


@pytest.mark.postgres
def test_a_rush_on_one_event_does_not_queue_another_events_purchases():
    """The per-process queue in front of the statement is per hot row (a date's shared
    capacity, else its ticket types' rows, sales.stock.queue_key): while one event's
    queue is taken, another event sells, and the first waits its turn."""
    busy, other = make_event(), make_event()
    busy_type, other_type = make_ticket_type(busy, capacity=10), make_ticket_type(other, capacity=10)
    done: dict[str, str] = {}

    def buy(event: Event, ticket_type: TicketType) -> None:
        try:
            placed = purchase.place_order(
                only_date(event), {ticket_type.pk: 1}, details(), base_url="http://testserver/"
            )
            done[event.slug] = placed.order.status
        finally:
            connection.close()

    with statements._one_per_key(stock.queue_key(only_date(busy), {busy_type.pk: 1})):
        waiting = threading.Thread(target=buy, args=(busy, busy_type))
        waiting.start()
        selling = threading.Thread(target=buy, args=(other, other_type))
        selling.start()
        selling.join(timeout=30)
        assert done == {other.slug: Order.Status.PAID}
        waiting.join(timeout=0.5)
        assert waiting.is_alive()  # still queued behind the busy event's turn
    waiting.join(timeout=30)
    assert done == {other.slug: Order.Status.PAID, busy.slug: Order.Status.PAID}


def test_order_codes_are_eight_letters_of_the_alphabet_each_drawn_anew():
    from sales.models import ORDER_CODE_ALPHABET, new_order_code

    codes = [new_order_code() for _ in range(2000)]
    assert all(len(code) == 8 and set(code) <= set(ORDER_CODE_ALPHABET) for code in codes)
    assert len(set(codes)) == len(codes)
    assert set("".join(codes)) == set(ORDER_CODE_ALPHABET)  # 16,000 letters: every one of 32 shows
