"""Messages to an event's buyers and the reminder email.

A message is written with one recipient row per chosen order in one transaction (``send``);
it is then delivered in batches: ``deliver_batch`` claims the message's next batch with one
conditional UPDATE on ``Message.next_batch_at`` (so all processes together send at most
``BATCH_SIZE`` per ``BATCH_INTERVAL``), marks up to ``BATCH_SIZE`` queued recipients sending
and queues one outbox email each (``messaging.emails``), which records the message in the
order's audit log once sent. The first batch goes right after the message commits, the
next ones from the outbox's sweeper (``deliver_due``). A stopped process loses nothing:
queued recipients wait for the next batch, handed-over ones are the outbox's.

Reminders (``send_reminders``, on every sweep): for events with a reminder, the paid orders
of dates starting within ``hours_before`` get a ``Reminder`` row (unique per order and date);
each row is claimed with a conditional UPDATE of its ``sent_at`` and its email queued in the
same transaction, so two processes never send one twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import User
from checkin.models import CheckIn
from core import outbox
from core.text import single_line
from events.models import Event, EventDate
from messaging.models import Message, MessageRecipient, Reminder, ReminderSettings
from sales import email_texts
from sales.models import Order, Ticket

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
BATCH_INTERVAL = dt.timedelta(minutes=1)
DUE_CHECK_SECONDS = 15.0
MESSAGE_EMAIL = "attendee_message"
REMINDER_EMAIL = "order_reminder"
# A recipient whose email failed this many times is marked failed (not retried).
MAX_ATTEMPTS = 3

CHECKED_IN_CHOICES = ("any", "yes", "no")


@dataclass(frozen=True)
class Filters:
    """Which orders of the event a message goes to (all given conditions at once)."""

    date_id: int | None = None
    ticket_type_id: int | None = None
    statuses: tuple[str, ...] = field(default=tuple(Order.VALID_PAID))
    checked_in: str = "any"

    def as_json(self) -> dict[str, object]:
        return {
            "date": self.date_id,
            "ticket_type": self.ticket_type_id,
            "statuses": list(self.statuses),
            "checked_in": self.checked_in,
        }


def recipients(event: Event, filters: Filters) -> QuerySet[Order]:
    """The orders a message with ``filters`` goes to, one email per order (its buyer's):
    of the chosen statuses, on the chosen date, holding a ticket of the chosen type (not
    refunded on its own), with a ticket checked in (``yes``) or none (``no``)."""
    orders = Order.objects.filter(event=event, status__in=filters.statuses)
    if filters.date_id is not None:
        orders = orders.filter(date_id=filters.date_id)
    if filters.ticket_type_id is not None:
        orders = orders.filter(
            Exists(
                Ticket.objects.filter(
                    order=OuterRef("pk"), ticket_type_id=filters.ticket_type_id, voided_at__isnull=True
                )
            )
        )
    if filters.checked_in != "any":
        admitted = Exists(CheckIn.objects.admissions().filter(ticket__order=OuterRef("pk")))
        orders = orders.filter(admitted if filters.checked_in == "yes" else ~admitted)
    return orders.order_by("pk")


def send(event: Event, subject: str, body: str, filters: Filters, *, actor: User) -> Message:
    """Write the message and its recipients (TextInvalid for an unusable text; OrderInvalid
    naming ``form`` when nobody matches); the first batch goes once it commits."""
    errors = email_texts.check(email_texts.MESSAGE_PLACEHOLDERS, subject, body)
    if errors:
        raise email_texts.TextInvalid(errors)
    with transaction.atomic():
        message = Message.objects.create(
            event=event,
            subject=single_line(subject),
            body=body,
            filters=filters.as_json(),
            created_by=actor,
            created_by_label=actor.email,
            next_batch_at=timezone.now(),
        )
        rows = [
            MessageRecipient(message=message, order_id=order_id, email=email)
            for order_id, email in recipients(event, filters).values_list("pk", "buyer_email")
        ]
        if not rows:
            raise email_texts.TextInvalid({"form": "No buyer matches these filters: nothing was sent."})
        MessageRecipient.objects.bulk_create(rows)
        message_id = message.pk
        transaction.on_commit(lambda: deliver_batch(message_id))
    return message


def deliver_batch(message_id: int, now: dt.datetime | None = None) -> int:
    """Hand the message's next batch to the outbox, if its time has come; how many were handed."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Message.objects.filter(pk=message_id, next_batch_at__lte=now).update(
            next_batch_at=now + BATCH_INTERVAL
        )
        if not claimed:
            return 0
        ids = list(
            MessageRecipient.objects.filter(message_id=message_id, status=MessageRecipient.Status.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        handed = MessageRecipient.objects.filter(pk__in=ids, status=MessageRecipient.Status.QUEUED).update(
            status=MessageRecipient.Status.SENDING
        )
        for recipient_id in ids:
            outbox.enqueue(MESSAGE_EMAIL, {"recipient_id": recipient_id})
    return handed


def deliver_due(now: dt.datetime | None = None) -> int:
    """Hand out the next batch of every message that has queued recipients and whose time has come."""
    now = now or timezone.now()
    due = (
        Message.objects.filter(next_batch_at__lte=now, recipients__status=MessageRecipient.Status.QUEUED)
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(deliver_batch(message_id, now) for message_id in list(due))


def deliver_due_quietly() -> None:
    deliver_due()


def progress(message: Message) -> dict[str, int]:
    """Recipients per state: queued (not yet handed out or being sent), sent, failed."""
    counts = dict(
        MessageRecipient.objects.filter(message=message)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "total": sum(counts.values()),
        "queued": counts.get("queued", 0) + counts.get("sending", 0),
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0),
    }


# --- Reminders ---------------------------------------------------------------------------------


def reminder_hours(event: Event) -> int | None:
    settings_row = ReminderSettings.objects.filter(event=event).first()
    return settings_row.hours_before if settings_row else None


def configure_reminder(event: Event, hours_before: int | None) -> bool:
    """Set (None: turn off) the event's reminder; True when it changed."""
    with transaction.atomic():
        row, _ = ReminderSettings.objects.select_for_update().get_or_create(event=event)
        if row.hours_before == hours_before:
            return False
        row.hours_before = hours_before
        row.save(update_fields=["hours_before", "updated_at"])
    return True


def due_dates(now: dt.datetime) -> list[EventDate]:
    """Dates not cancelled, not started, starting within their event's reminder hours."""
    dates: list[EventDate] = []
    rows = (
        ReminderSettings.objects.filter(hours_before__isnull=False)
        .exclude(event__status=Event.Status.CANCELLED)
        .values_list("event_id", "hours_before")
    )
    for event_id, hours in rows:
        dates.extend(
            EventDate.objects.filter(
                event_id=event_id,
                starts_at__gt=now,
                starts_at__lte=now + dt.timedelta(hours=hours or 0),
            ).exclude(status=EventDate.Status.CANCELLED)
        )
    return dates


def send_reminders(now: dt.datetime | None = None) -> int:
    """Queue the reminders that are due; how many were claimed here."""
    now = now or timezone.now()
    sent = 0
    for date in due_dates(now):
        orders = Order.objects.filter(date=date, status__in=Order.VALID_PAID).values_list("pk", flat=True)
        Reminder.objects.bulk_create(
            [Reminder(order_id=order_id, date=date) for order_id in orders], ignore_conflicts=True
        )
        pending = Reminder.objects.filter(date=date, sent_at__isnull=True).values_list("pk", flat=True)
        for reminder_id in list(pending):
            with transaction.atomic():
                if Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=now):
                    outbox.enqueue(REMINDER_EMAIL, {"reminder_id": reminder_id})
                    sent += 1
    return sent


def send_reminders_quietly() -> None:
    send_reminders()
