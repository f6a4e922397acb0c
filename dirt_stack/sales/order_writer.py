"""The one writer of an order: its rows built once, its claims made with them, all or nothing.

``build_order`` builds every row of a new order in memory (``NewOrder``);
``write`` writes them and makes the order's claims (stock in sales.stock, the
voucher's use in sales.vouchers), with the rows other apps write with an order
paid at once (sales.order_listeners: the invoice). On PostgreSQL the claims and
the rows are one autocommitted statement; elsewhere one transaction inserts the
rows with the ORM and makes the same claims last (core.statements). Either way a
refused claim writes nothing and raises the claim's exception.

Both ways skip nothing the other runs, with one known difference: the statement
does not call ``Model.save()`` or send ``pre_save``/``post_save`` signals. None
of these models has a receiver, and the only ``save()`` overridden (an invoice's:
insert only) does nothing an insert does not; the tests in tests/test_writers.py
compare the rows the two ways write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core import domain_events, outbox, statements
from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES
from core.models import OutboxMessage
from core.money import quantize
from events.models import EventDate
from sales import invoice_addresses, order_listeners, stock, vouchers
from sales.emails import order_confirmation
from sales.models import (
    IdempotencyRecord,
    InvoiceAddress,
    Order,
    OrderLine,
    Payment,
    Ticket,
    Voucher,
    new_order_code,
    order_url,
)
from sales.payments import PaymentStart, provider
from sales.pricing import BuyerDetails, PricedLine


@dataclass
class NewOrder:
    """Every row of an order about to be written, with its final values."""

    order: Order
    lines: list[OrderLine]
    tickets: list[Ticket]
    payment: Payment | None
    payment_start: PaymentStart
    voucher: Voucher | None
    confirmation: OutboxMessage
    # What the webhooks are told (core.domain_events); None when nobody listens to the event.
    webhook: OutboxMessage | None = None
    # The invoice address given at checkout, and the re-check of its VAT ID when VIES could
    # not be asked (sales.invoice_addresses).
    invoice_address: InvoiceAddress | None = None
    vat_id_recheck: OutboxMessage | None = None


def build_order(
    date: EventDate,
    lines: list[PricedLine],
    details: BuyerDetails,
    method: str,
    voucher: Voucher | None,
    user: User | AnonymousUser | None,
    base_url: str,
    *,
    confirm_by_email: bool = False,
    client_hash: str = "",
) -> NewOrder:
    """Start the payment and build (without saving) the order for ``date`` (with its
    event loaded), its lines, tickets, payment and confirmation email: the rows
    ``write`` writes. ``confirm_by_email``: an unpaid bank transfer then holds its
    tickets only for the short first window until its buyer confirms it (sales.hoarding)."""
    event = date.event
    subtotal = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    discount = sum((line.discount for line in lines), Decimal("0"))
    order = Order(
        code=new_order_code(),
        event=event,
        date=date,
        user=user if user is not None and user.is_authenticated else None,
        buyer_name=details.name.strip(),
        buyer_email=details.email.strip().lower(),
        payment_method=method,
        currency=event.currency,
        subtotal=subtotal,
        discount=discount,
        # The lines' totals: their list prices after discounts, with the tax their rule
        # adds (net prices) or takes off (reverse charge, exemption of gross prices).
        total=sum((line.total for line in lines), Decimal("0")),
        voucher=voucher,
        answers=details.answers,
        locale=details.locale if details.locale in LANGUAGE_CODES else DEFAULT_LANGUAGE,
    )
    start = provider(method).start(
        order, return_url=order_url(order, base_url), card_number=details.card_number
    )
    order.client_hash = client_hash
    if start.paid:
        order.status, order.paid_at = Order.Status.PAID, timezone.now()
    else:
        order.payment_deadline = start.payment_deadline
        if confirm_by_email and method == "offline" and event.confirm_bank_transfers:
            order.awaiting_confirmation = True
            order.payment_deadline = confirmation_deadline(order.payment_deadline)
    order_lines = [
        OrderLine(
            order=order,
            ticket_type=line.ticket_type,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            total=line.total,
            tax_rate=line.tax_rate,
            tax_amount=line.tax_amount,
            tax_treatment=line.tax_treatment,
        )
        for line in lines
    ]
    names = iter([n.strip() for n in details.attendee_names])
    tickets = [
        Ticket(
            order=order,
            ticket_type=line.ticket_type,
            attendee_name=next(names, ""),
            price=quantize(line.total / line.quantity),
        )
        for line in lines
        for _ in range(line.quantity)
    ]
    payment = None
    if order.total > 0:
        payment = Payment(
            order=order,
            provider=method,
            amount=order.total,
            status=Payment.Status.SUCCEEDED if start.paid else Payment.Status.CREATED,
            reference=start.reference,
        )
    told = [domain_events.entry(domain_events.ORDER_CREATED, code=order.code, status=str(order.status))]
    if start.paid:
        told.append(domain_events.entry(domain_events.ORDER_PAID, code=order.code, status=str(order.status)))
    address = invoice_addresses.row(order, details.invoice_address) if details.invoice_address else None
    # Known now, with or without one: the order's page and answer read it without a query.
    Order._meta.get_field("invoice_address").set_cached_value(order, address)
    return NewOrder(
        order,
        order_lines,
        tickets,
        payment,
        start,
        voucher,
        order_confirmation(order, base_url),
        domain_events.message(event, told) if event.sends_webhooks else None,
        invoice_address=address,
        vat_id_recheck=invoice_addresses.recheck_message(order, address) if address else None,
    )


def confirmation_deadline(deadline: dt.datetime | None) -> dt.datetime:
    """The first window of a bank transfer awaiting its buyer's confirmation."""
    window = timezone.now() + dt.timedelta(minutes=settings.BANK_TRANSFER_CONFIRM_MINUTES)
    return min(deadline, window) if deadline is not None else window


def _save_rows(new: NewOrder) -> None:
    """Insert a built order's rows with the ORM, inside the caller's transaction."""
    new.order.save(force_insert=True)
    OrderLine.objects.bulk_create(new.lines)
    Ticket.objects.bulk_create(new.tickets)
    if new.payment is not None:
        new.payment.save(force_insert=True)
    new.confirmation.save(force_insert=True)
    outbox.dispatch_on_commit(new.confirmation)
    if new.webhook is not None:
        new.webhook.save(force_insert=True)
        outbox.dispatch_on_commit(new.webhook)
    if new.invoice_address is not None:
        new.invoice_address.order = new.order
        new.invoice_address.save(force_insert=True)
    if new.vat_id_recheck is not None:
        new.vat_id_recheck.save(force_insert=True)
        outbox.dispatch_on_commit(new.vat_id_recheck)


def _claims(
    new: NewOrder,
    take_stock: Mapping[int, int] | None,
    extra: list[statements.Claim],
    first: list[statements.Claim],
) -> list[statements.Claim]:
    """What writing ``new`` claims: ``first`` (the buyer's email's limits, sales.limits:
    one buyer's rows, taken before the date's hot stock rows so their checks never hold
    those locks), stock (unless a hold already has it), the voucher's use, then ``extra``
    (the buyer's share, sales.hoarding)."""
    claims = [*first, *(stock.take(new.order.date, take_stock) if take_stock else [])]
    if new.voucher is not None:
        claims.append(vouchers.use(new.voucher.pk))
    return claims + extra


def write(
    new: NewOrder,
    idempotency: IdempotencyRecord | None,
    take_stock: Mapping[int, int] | None,
    extra_claims: list[statements.Claim] | None = None,
    limit_claims: list[statements.Claim] | None = None,
) -> None:
    """Write ``new`` and make its claims, all or nothing.

    Raises the claims' exceptions (stock.SoldOut, stock.NotOnSale,
    stock.TicketTypesGone, vouchers.VoucherUsedUp, vouchers.VoucherGone, a limit's
    refusal) or IntegrityError (a taken order code or Idempotency-Key).
    """
    claims = _claims(new, take_stock, extra_claims or [], limit_claims or [])
    # What other apps write with an order paid at once (invoicing: its invoice, numbered
    # from a claim on the series' row), in the same write (sales.order_listeners).
    paid_rows = order_listeners.paid_at_once(new) if new.order.status == Order.Status.PAID else []
    if statements.available():
        _write_statement(new, idempotency, claims, paid_rows)
    else:
        with transaction.atomic():
            if idempotency is not None:
                # First: a concurrent duplicate blocks on this unique key until we
                # commit, then finds our order.
                idempotency.save(force_insert=True)
            _save_rows(new)
            # Last, so the counters' row locks are held only until the COMMIT right after.
            statements.claim(claims)
            for rows in paid_rows:
                rows.save()
    if new.voucher is not None:
        new.voucher.redeemed += 1


def _write_statement(
    new: NewOrder,
    idempotency: IdempotencyRecord | None,
    claims: list[statements.Claim],
    paid_rows: Sequence[order_listeners.PaidOrderRows],
) -> None:
    """``write`` as one PostgreSQL statement (ADR 0012)."""
    statement = statements.Statement(claims + [claim for rows in paid_rows for claim in rows.claims()])
    statement.insert("new_order", [new.order])
    statement.insert("new_lines", new.lines, parent=("order_id", "new_order"))
    statement.insert("new_tickets", new.tickets, parent=("order_id", "new_order"))
    # Ids keyed by what identifies each row: its ticket type, its secret.
    statement.select("(SELECT id FROM new_order)")
    statement.select("(SELECT json_object_agg(ticket_type_id, id) FROM new_lines)")
    statement.select("(SELECT json_object_agg(secret, id) FROM new_tickets)")
    if new.payment is not None:
        statement.insert("new_payment", [new.payment], parent=("order_id", "new_order"))
        statement.select("(SELECT id FROM new_payment)")
    if idempotency is not None:
        statement.insert("new_key", [idempotency])
    statement.insert("new_message", [new.confirmation])
    statement.select("(SELECT id FROM new_message)")
    if new.webhook is not None:
        statement.insert("new_webhook", [new.webhook])
        statement.select("(SELECT id FROM new_webhook)")
    if new.invoice_address is not None:
        statement.insert("new_address", [new.invoice_address], parent=("order_id", "new_order"))
        statement.select("(SELECT id FROM new_address)")
    if new.vat_id_recheck is not None:
        statement.insert("new_recheck", [new.vat_id_recheck])
        statement.select("(SELECT id FROM new_recheck)")
    for rows in paid_rows:
        rows.add_to(statement)
    queue = stock.queue_key(new.order.date, {line.ticket_type_id: line.quantity for line in new.lines})
    selected = list(statement.run(serialize=queue))

    order_id, line_ids, ticket_ids = selected[0], selected[1], selected[2]
    statements.saved(new.order, order_id)
    for line in new.lines:
        statements.saved(line, line_ids[str(line.ticket_type_id)], order_id=order_id)
    for ticket in new.tickets:
        statements.saved(ticket, ticket_ids[ticket.secret], order_id=order_id)
    rest = selected[3:]
    if new.payment is not None:
        statements.saved(new.payment, rest.pop(0), order_id=order_id)
    statements.saved(new.confirmation, rest.pop(0))
    outbox.dispatch_on_commit(new.confirmation)
    if new.webhook is not None:
        statements.saved(new.webhook, rest.pop(0))
        outbox.dispatch_on_commit(new.webhook)
    if new.invoice_address is not None:
        statements.saved(new.invoice_address, rest.pop(0), order_id=order_id)
    if new.vat_id_recheck is not None:
        statements.saved(new.vat_id_recheck, rest.pop(0))
        outbox.dispatch_on_commit(new.vat_id_recheck)
    for rows in paid_rows:
        rows.saved(rest)
