"""Figures for the event dashboard and the CSV exports, computed in the database."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate

from backoffice.schemas import CheckInCounts, DashboardFigures, OrdersOnDay, Revenue, TicketTypeFigures
from checkin.models import CheckIn
from core.money import money_str
from events.models import Event
from sales import quotas
from sales.models import Order, Refund, Ticket

REVENUE_STATUSES = (Order.Status.PAID, Order.Status.REFUNDED)


def dashboard(event: Event) -> DashboardFigures:
    sold = quotas.sold_counts(event)
    held = quotas.held_counts(event)
    gross = {
        row["currency"]: row["total"]
        for row in Order.objects.filter(event=event, status__in=REVENUE_STATUSES)
        .values("currency")
        .annotate(total=Sum("total"))
    }
    refunded = {
        row["order__currency"]: row["total"]
        for row in Refund.objects.filter(order__event=event)
        .values("order__currency")
        .annotate(total=Sum("amount"))
    }
    currencies = sorted(set(gross) | set(refunded))
    per_day = (
        Order.objects.filter(event=event)
        .annotate(day=TruncDate("created_at", tzinfo=event.tz))
        .values("day")
        .annotate(orders=Count("id"), paid=Count("id", filter=Q(status__in=REVENUE_STATUSES)))
        .order_by("day")
    )
    valid_tickets = Ticket.objects.admissible().filter(order__event=event).count()
    checked_in = CheckIn.objects.filter(ticket__order__event=event, reverted_at__isnull=True).count()
    zero = Decimal("0")
    return DashboardFigures(
        ticket_types=[
            TicketTypeFigures(
                id=t.pk,
                name=t.name,
                capacity=t.total_capacity or 0,
                sold=sold.get(t.pk, 0),
                held=held.get(t.pk, 0),
            )
            for t in event.ticket_types.annotate(total_capacity=Sum("date_ticket_types__capacity"))
        ],
        revenue=[
            Revenue(
                currency=currency,
                gross=gross.get(currency, zero),
                refunded=refunded.get(currency, zero),
                net=gross.get(currency, zero) - refunded.get(currency, zero),
            )
            for currency in currencies
        ],
        orders_per_day=[
            OrdersOnDay(day=row["day"], orders=row["orders"], paid=row["paid"]) for row in per_day
        ],
        check_in=CheckInCounts(checked_in=checked_in, expected=valid_tickets),
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


ORDER_COLUMNS = [
    "code",
    "status",
    "created_at",
    "buyer_name",
    "buyer_email",
    "tickets",
    "currency",
    "total",
    "refunded",
    "payment_method",
    "voucher",
]
ATTENDEE_COLUMNS = [
    "ticket_id",
    "order_code",
    "order_status",
    "ticket_type",
    "attendee_name",
    "buyer_name",
    "buyer_email",
    "price",
    "void",
    "checked_in_at",
]


def orders_csv(event: Event) -> Iterator[str]:
    """The event's orders as CSV lines, read in chunks: memory stays flat for any number of orders."""
    writer = csv.writer(_Echo())
    yield writer.writerow(ORDER_COLUMNS)
    rows = (
        Order.objects.filter(event=event)
        # The tickets that count (sales.quotas): a partial refund's voided ones do not.
        .annotate(tickets_counted=Count("tickets", filter=Q(tickets__voided_at__isnull=True)))
        .values_list(
            "code",
            "status",
            "created_at",
            "buyer_name",
            "buyer_email",
            "tickets_counted",
            "currency",
            "total",
            "refunded_amount",
            "payment_method",
            "voucher__code",
        )
        .order_by("id")
    )
    for (
        code,
        status,
        created,
        name,
        email,
        count,
        currency,
        total,
        refunded,
        method,
        voucher,
    ) in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                code,
                status,
                created.astimezone(event.tz).isoformat(),
                _safe(name),
                email,
                count,
                currency,
                money_str(total),
                money_str(refunded),
                method,
                voucher or "",
            ]
        )


def attendees_csv(event: Event) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(ATTENDEE_COLUMNS)
    first_check_in = CheckIn.objects.filter(ticket=OuterRef("pk"), reverted_at__isnull=True).values(
        "created_at"
    )[:1]
    rows = (
        Ticket.objects.filter(order__event=event)
        .annotate(checked_in_at=Subquery(first_check_in))
        .values_list(
            "id",
            "order__code",
            "order__status",
            "ticket_type__name",
            "attendee_name",
            "order__buyer_name",
            "order__buyer_email",
            "price",
            "voided_at",
            "checked_in_at",
        )
        .order_by("id")
    )
    for ticket_id, code, status, type_name, attendee, buyer, email, price, voided, at in rows.iterator(
        chunk_size=2000
    ):
        yield writer.writerow(
            [
                ticket_id,
                code,
                status,
                _safe(type_name),
                _safe(attendee),
                _safe(buyer),
                email,
                money_str(price),
                "yes" if voided or status not in Order.HOLDING_STOCK else "",
                at.astimezone(event.tz).isoformat() if at else "",
            ]
        )


def _safe(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell must not start with = + - @."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
