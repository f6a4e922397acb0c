"""Figures for the event dashboard and the CSV exports, computed in the database."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import RowNumber, TruncDate

from backoffice.schemas import (
    CheckInCounts,
    DashboardFigures,
    DateFigures,
    OrdersOnDay,
    Revenue,
    TicketTypeFigures,
    WaitlistEntryRow,
)
from checkin.models import CheckIn
from core.money import money_str
from events.models import DateTicketType, Event, EventDate
from questions import services as questions
from questions.models import Question
from sales import quotas
from sales.models import Order, Refund, Ticket

REVENUE_STATUSES = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED, Order.Status.REFUNDED)


def _of(event: Event, date: EventDate | None, prefix: str = "") -> Q:
    """Rows of the event, or of one of its dates (``prefix`` reaches the order)."""
    return Q(**{f"{prefix}date": date}) if date is not None else Q(**{f"{prefix}event": event})


def _ticket_type_figures(event: Event, date: EventDate | None) -> list[TicketTypeFigures]:
    """Sold, held and capacity per ticket type: on ``date`` (its stock rows; a type not
    offered there is left out unless it has sold or held tickets), or on all dates together."""
    sold = quotas.sold_counts(event, date)
    held = quotas.held_counts(event, date)
    if date is None:
        capacities = {
            t.pk: (t.name, t.total_capacity or 0)
            for t in event.ticket_types.annotate(total_capacity=Sum("date_ticket_types__capacity"))
        }
    else:
        capacities = {
            row.ticket_type_id: (row.ticket_type.name, row.capacity)
            for row in DateTicketType.objects.filter(date=date).select_related("ticket_type")
            if row.offered or sold[row.ticket_type_id] or held[row.ticket_type_id]
        }
    return [
        TicketTypeFigures(id=pk, name=name, capacity=capacity, sold=sold[pk], held=held[pk])
        for pk, (name, capacity) in capacities.items()
    ]


def _date_figures(event: Event) -> list[DateFigures]:
    """Each of the event's dates: sold, capacity and available (sales.quotas), check-ins."""
    dates = list(event.dates.order_by("starts_at", "id"))
    sold = quotas.sold_per_date(event)
    left = quotas.availability_by_date(dates)
    expected = Counter(
        dict(
            Ticket.objects.admissible()
            .filter(order__event=event)
            .values_list("order__date_id")
            .annotate(n=Count("id"))
        )
    )
    checked_in = Counter(
        dict(
            CheckIn.objects.admissions()
            .filter(ticket__order__event=event)
            .values_list("ticket__order__date_id")
            .annotate(n=Count("id"))
        )
    )
    return [
        DateFigures(
            id=d.pk,
            starts_at=d.starts_at.astimezone(event.tz),
            status=d.status,
            sold=sold[d.pk],
            capacity=left[d.pk].capacity,
            available=left[d.pk].total,
            checked_in=checked_in[d.pk],
            expected=expected[d.pk],
        )
        for d in dates
    ]


def dashboard(event: Event, date: EventDate | None = None) -> DashboardFigures:
    """The event's figures, or with ``date`` that date's; all dates' figures with the
    table of dates."""
    gross = {
        row["currency"]: row["total"]
        for row in Order.objects.filter(_of(event, date), status__in=REVENUE_STATUSES)
        .values("currency")
        .annotate(total=Sum("total"))
    }
    refunded = {
        row["order__currency"]: row["total"]
        # Money paid back (not refunds still pending or failed) of the orders counted above.
        for row in Refund.objects.filter(
            _of(event, date, "order__"),
            status=Refund.Status.SUCCEEDED,
            order__status__in=REVENUE_STATUSES,
        )
        .values("order__currency")
        .annotate(total=Sum("amount"))
    }
    currencies = sorted(set(gross) | set(refunded))
    per_day = (
        Order.objects.filter(_of(event, date))
        .annotate(day=TruncDate("created_at", tzinfo=event.tz))
        .values("day")
        .annotate(orders=Count("id"), paid=Count("id", filter=Q(status__in=REVENUE_STATUSES)))
        .order_by("day")
    )
    valid_tickets = Ticket.objects.admissible().filter(_of(event, date, "order__")).count()
    checked_in = CheckIn.objects.admissions().filter(_of(event, date, "ticket__order__")).count()
    zero = Decimal("0")
    return DashboardFigures(
        ticket_types=_ticket_type_figures(event, date),
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
        dates=_date_figures(event) if date is None else [],
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


ORDER_COLUMNS = [
    "code",
    "status",
    "date",
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
    "date",
    "ticket_type",
    "attendee_name",
    "buyer_name",
    "buyer_email",
    "price",
    "void",
    "checked_in_at",
]


def _asked(event: Event, scope: str) -> list[Question]:
    """The event's questions of ``scope``: one CSV column each, headed by its label, after
    the fixed columns. A deleted question's answers stay on the orders' pages, not here."""
    return list(Question.objects.filter(event=event, scope=scope))


def _answer_cells(asked: list[Question], answers: list[dict[str, Any]]) -> list[str]:
    by_question = {answer["question"]: answer for answer in answers}
    return [
        questions.answer_text(by_question[question.pk]) if question.pk in by_question else ""
        for question in asked
    ]


def orders_csv(event: Event, date: EventDate | None = None) -> Iterator[str]:
    """The event's orders (or one date's) as CSV lines, read in chunks: memory stays flat
    for any number of orders. The ``date`` column is when the order's date starts, event-local;
    the answers to the questions asked once per order follow, a column per question."""
    writer = csv.writer(_Echo())
    asked = _asked(event, Question.Scope.ORDER)
    yield writer.writerow(_cells(*ORDER_COLUMNS, *(question.label for question in asked)))
    rows = (
        Order.objects.filter(_of(event, date))
        # The tickets that count (sales.quotas): a partial refund's voided ones do not.
        .annotate(tickets_counted=Count("tickets", filter=Q(tickets__voided_at__isnull=True)))
        .values_list(
            "code",
            "status",
            "date__starts_at",
            "created_at",
            "buyer_name",
            "buyer_email",
            "tickets_counted",
            "currency",
            "total",
            "refunded_amount",
            "payment_method",
            "voucher__code",
            "answers",
        )
        .order_by("id")
    )
    for (
        code,
        status,
        starts,
        created,
        name,
        email,
        count,
        currency,
        total,
        refunded,
        method,
        voucher,
        answers,
    ) in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            _cells(
                code,
                status,
                starts.astimezone(event.tz).isoformat(),
                created.astimezone(event.tz).isoformat(),
                name,
                email,
                count,
                currency,
                money_str(total),
                money_str(refunded),
                method,
                voucher or "",
                *_answer_cells(asked, questions.order_answers(answers)),
            )
        )


def attendees_csv(event: Event, date: EventDate | None = None) -> Iterator[str]:
    """The event's tickets (or one date's) as CSV lines, streamed like ``orders_csv``, with
    the answers to the questions asked per ticket, a column per question."""
    writer = csv.writer(_Echo())
    asked = _asked(event, Question.Scope.TICKET)
    yield writer.writerow(_cells(*ATTENDEE_COLUMNS, *(question.label for question in asked)))
    first_check_in = CheckIn.objects.admissions().filter(ticket=OuterRef("pk")).values("created_at")[:1]
    rows = (
        Ticket.objects.filter(_of(event, date, "order__"))
        .annotate(checked_in_at=Subquery(first_check_in))
        # The ticket's place in its order, which its answers are kept by (questions.services).
        .annotate(position=Window(RowNumber(), partition_by=[F("order_id")], order_by=F("id").asc()))
        .values_list(
            "id",
            "order__code",
            "order__status",
            "order__date__starts_at",
            "ticket_type__name",
            "attendee_name",
            "order__buyer_name",
            "order__buyer_email",
            "price",
            "voided_at",
            "checked_in_at",
            "order__answers",
            "position",
        )
        .order_by("id")
    )
    for (
        ticket_id,
        code,
        status,
        starts,
        type_name,
        attendee,
        buyer,
        email,
        price,
        voided,
        at,
        answers,
        position,
    ) in rows.iterator(chunk_size=2000):
        yield writer.writerow(
            _cells(
                ticket_id,
                code,
                status,
                starts.astimezone(event.tz).isoformat(),
                type_name,
                attendee,
                buyer,
                email,
                money_str(price),
                "yes" if voided or status not in Order.HOLDING_STOCK else "",
                at.astimezone(event.tz).isoformat() if at else "",
                *_answer_cells(asked, questions.ticket_answers(answers, position - 1)),
            )
        )


# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cells(*values: object) -> list[object]:
    """One CSV row with every text cell formula-safe: names, emails, voucher codes and
    anything else a buyer or organizer typed (security review L-1)."""
    return [_safe(value) if isinstance(value, str) else value for value in values]


def _safe(value: str) -> str:
    """Neutralise a spreadsheet formula: a quote before a cell that would start one."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


WAITLIST_COLUMNS = [
    "entry_id",
    "status",
    "position",
    "email",
    "quantity",
    "date",
    "ticket_type",
    "joined_at",
    "confirmed_at",
    "offers",
    "last_offer_status",
    "last_offer_expires_at",
    "order_code",
]


def waitlist_csv(rows: list[WaitlistEntryRow]) -> Iterator[str]:
    """The event's waiting list (``backoffice.serializers.waitlist_entries``) as CSV lines."""
    writer = csv.writer(_Echo())
    yield writer.writerow(WAITLIST_COLUMNS)
    for row in rows:
        last = row.offers[-1] if row.offers else None
        yield writer.writerow(
            _cells(
                row.id,
                row.status,
                row.position if row.position is not None else "",
                row.email,
                row.quantity,
                row.date_starts_at.isoformat(),
                row.ticket_type,
                row.created_at.isoformat(),
                row.confirmed_at.isoformat() if row.confirmed_at else "",
                len(row.offers),
                last.status if last else "",
                last.expires_at.isoformat() if last else "",
                next((o.order_code for o in row.offers if o.order_code), "") or "",
            )
        )
