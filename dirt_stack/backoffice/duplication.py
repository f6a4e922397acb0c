"""Duplicating an event: a new draft with the source's configuration and new dates.

events.duplication copies the event's own rows (the event, ticket types, dates and their
stock rows, counters at zero); each function of ``configuration_copiers`` copies one more
kind of per-event configuration from the apps above events. This module sits in the back
office because those apps (questions, checkin, sales, onsale, waitlist) may not import one
another. Data (orders, holds, tickets, waiting-list entries, the on-sale queue, audit logs)
is never copied, nor are the organizer's settings that name events (``ORGANIZER_SETTINGS``):
those three sets name every model that points at an event, a date or a ticket type, and
tests/test_duplicate.py fails for a model in none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext

from checkin.models import CheckInList
from events import audit
from events.duplication import EventCopy, copy_event, copy_translations
from events.models import Event
from messaging.models import ReminderSettings
from onsale import services as onsale_services
from onsale.models import Room
from questions import services as question_services
from questions.models import AnswerSettings, Question
from sales.audit import Actor
from sales.models import EmailText, Voucher
from waitlist.models import WaitlistSettings

# Models pointing at an event, a date or a ticket type (directly or through a many-to-many)
# whose rows a copy takes: the event's configuration.
CONFIGURATION = frozenset(
    {
        "events.TicketType",
        "events.EventDate",
        "events.DateTicketType",
        "questions.Question",
        "questions.AnswerSettings",
        "checkin.CheckInList",
        "onsale.Room",
        "waitlist.WaitlistSettings",
        "sales.Voucher",  # only when asked for (copy_vouchers)
        "sales.EmailText",
        "messaging.ReminderSettings",
    }
)
# ... and those whose rows are what happened at the event: never copied.
DATA = frozenset(
    {
        "events.EventAuditEntry",
        "sales.Hold",
        "sales.HoldLine",
        "sales.Order",
        "sales.OrderLine",
        "sales.Ticket",
        "sales.BuyerLoad",
        "sales.EventCancellation",
        "waitlist.Entry",
        "sales.EmailTextChange",
        "messaging.Message",
        "messaging.Reminder",
        "webhooks.WebhookDelivery",
        # A paired phone belongs to the event it was paired for; its token opens no other.
        "checkin.ScannerDevice",
        "checkin.DoorChange",
    }
)
# ... and the organizer's own settings that may name events: a copy is not added to them
# (the organizer chooses whether an endpoint limited to some events gets the new one).
ORGANIZER_SETTINGS = frozenset({"webhooks.WebhookEndpoint"})

Copier = Callable[[EventCopy], None]


def copy_questions(copy: EventCopy) -> None:
    """Questions in their order, limited to the new ticket types; the answers' settings."""
    for old in Question.objects.filter(event=copy.source).prefetch_related("ticket_types"):
        question = Question.objects.create(
            event=copy.event,
            label=old.label,
            help_text=old.help_text,
            kind=old.kind,
            required=old.required,
            scope=old.scope,
            position=old.position,
            choices=list(old.choices or []),
            translations=copy_translations(old),
        )
        question.ticket_types.set(copy.new_ticket_types(list(old.ticket_types.all())))
    question_services.note_asked(copy.event.pk)
    settings = AnswerSettings.objects.filter(event=copy.source).first()
    if settings is not None:
        AnswerSettings.objects.create(
            event=copy.event,
            buyers_edit=settings.buyers_edit,
            buyer_edit_hours_before=settings.buyer_edit_hours_before,
        )


def copy_check_in_lists(copy: EventCopy) -> None:
    """Entrances with their ticket types; a list of a date the copy leaves out (cancelled)
    is left out too (without its date it would admit every date)."""
    for old in CheckInList.objects.filter(event=copy.source).prefetch_related("ticket_types"):
        if old.date_id is not None and old.date_id not in copy.dates:
            continue
        entrance = CheckInList.objects.create(
            event=copy.event,
            date=copy.dates[old.date_id] if old.date_id is not None else None,
            name=old.name,
            all_ticket_types=old.all_ticket_types,
            allow_exits=old.allow_exits,
        )
        entrance.ticket_types.set(copy.new_ticket_types(list(old.ticket_types.all())))


def copy_room(copy: EventCopy) -> None:
    """The on-sale room's settings, its times moved; its queue and ticker state start afresh.
    Written through onsale.services.configure, so the room's own log has its settings."""
    room = Room.objects.filter(event=copy.source).first()
    if room is None:
        return
    onsale_services.configure(
        copy.event,
        actor=None,
        actor_label="Maticko (event duplicated)",
        enabled=room.enabled,
        queue_opens_at=copy.shift(room.queue_opens_at, gettext("Queue opens")),
        sale_starts_at=copy.shift(room.sale_starts_at, gettext("Sale starts")),
        admissions_per_minute=room.admissions_per_minute,
        max_active_shoppers=room.max_active_shoppers,
        session_minutes=room.session_minutes,
        mode=room.mode,
    )


def copy_waitlist_settings(copy: EventCopy) -> None:
    settings = WaitlistSettings.objects.filter(event=copy.source).first()
    if settings is not None:
        WaitlistSettings.objects.create(
            event=copy.event, enabled=settings.enabled, offer_hours=settings.offer_hours
        )


def copy_email_texts(copy: EventCopy) -> None:
    """The event's own email texts (subjects and bodies; their change log stays behind) and
    its reminder setting (hours before each date, so nothing to move)."""
    EmailText.objects.bulk_create(
        EmailText(
            event=copy.event,
            kind=old.kind,
            subject=old.subject,
            body=old.body,
            translations=copy_translations(old),
            updated_by=old.updated_by,
        )
        for old in EmailText.objects.filter(event=copy.source)
    )
    reminder = ReminderSettings.objects.filter(event=copy.source).first()
    if reminder is not None:
        ReminderSettings.objects.create(event=copy.event, hours_before=reminder.hours_before)


def copy_vouchers(copy: EventCopy) -> None:
    """Vouchers with the same codes (codes are unique per event), unused, their validity
    moved; one limited to dates the copy leaves out is left out (it would fit every date)."""
    for old in Voucher.objects.filter(event=copy.source).prefetch_related("ticket_types", "dates"):
        old_dates = list(old.dates.all())
        new_dates = copy.new_dates(old_dates)
        if old_dates and not new_dates:
            continue
        voucher = Voucher.objects.create(
            event=copy.event,
            code=old.code,
            kind=old.kind,
            value=old.value,
            max_usages=old.max_usages,
            valid_from=copy.shift_optional(old.valid_from, gettext("Voucher valid from")),
            valid_until=copy.shift_optional(old.valid_until, gettext("Voucher valid until")),
        )
        voucher.ticket_types.set(copy.new_ticket_types(list(old.ticket_types.all())))
        voucher.dates.set(new_dates)


def configuration_copiers(*, vouchers: bool) -> list[Copier]:
    """Every per-event configuration a copy takes, after the event's own rows. A new kind
    of per-event configuration adds its copier here."""
    copiers: list[Copier] = [
        copy_questions,
        copy_check_in_lists,
        copy_room,
        copy_waitlist_settings,
        copy_email_texts,
    ]
    if vouchers:
        copiers.append(copy_vouchers)
    return copiers


def duplicate_event(
    source: Event, *, new_start: dt.datetime, title: str = "", vouchers: bool = False, actor: Actor
) -> Event:
    """A new draft copy of ``source`` whose first date starts at ``new_start`` (aware), every
    other date-time moved by the same wall-clock offset; titled ``title`` or the source's
    with "(copy)". All or nothing; recorded in both events' audit logs. ValidationError
    keyed by field (``starts_at``) when a moved time would leave the window."""
    with transaction.atomic():
        copy = copy_event(source, title=title, new_start=new_start)
        for copier in configuration_copiers(vouchers=vouchers):
            copier(copy)
        event = copy.event
        audit.record(
            event,
            "duplicated_from",
            user=actor.user,
            label=actor.label,
            source=source.slug,
            source_title=source.title,
            vouchers=vouchers,
        )
        audit.record(
            source,
            "duplicated",
            user=actor.user,
            label=actor.label,
            copy=event.slug,
            copy_title=event.title,
            vouchers=vouchers,
        )
    return event
