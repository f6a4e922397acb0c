"""Event lifecycle and ticket-type management. Views call these; they own the rules."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext

from accounts.models import Organizer
from core import domain_events, translated
from events import dates
from events.forms import EventForm, TicketTypeForm
from events.models import Event, EventDate, TicketType


@transaction.atomic
def save_event(form: EventForm, organizer: Organizer) -> Event:
    """Create or update an event from a valid form.

    A new event gets its first date from the form's times. Editing a
    single-date event moves its date's times with the event's; a series'
    times are its dates' (sales.date_changes moves those and tells the buyers).
    Dates that followed the event's capacity take the new one.
    """
    creating = form.instance.pk is None
    previous_capacity = form.initial.get("capacity")
    event = form.save(commit=False)
    event.organizer = organizer
    event.save()
    if creating:
        dates.add_dates(event, [dates.DateTimes(event.starts_at, event.ends_at)])
        domain_events.record(domain_events.EVENT_CREATED, event, event_id=event.pk, status=str(event.status))
        return event
    domain_events.record(domain_events.EVENT_UPDATED, event, event_id=event.pk, status=str(event.status))
    previous_locale = form.initial.get("locale", event.locale)
    if previous_locale != event.locale or set(form.initial.get("locales") or []) - set(event.locales):
        # Its ticket types', questions' and email texts' translations follow (core.translated).
        translated.follow_event_languages(event, previous_locale, event.locale, event.locales)
    dates.follow_event_capacity(event, previous_capacity)
    if not form.is_series:
        # Only a date whose times change: its calendar SEQUENCE goes up (sales.calendar).
        times = {"starts_at": event.starts_at, "ends_at": event.ends_at}
        EventDate.objects.filter(event=event).exclude(**times).update(
            **times, calendar_sequence=F("calendar_sequence") + 1
        )
    return event


# Allowed status changes. Cancelling is not one of them: sales.event_cancellation.cancel_event
# cancels an event and settles its orders.
_TRANSITIONS = {
    (Event.Status.DRAFT, Event.Status.PUBLISHED),
    (Event.Status.PUBLISHED, Event.Status.DRAFT),
}


def _transition_refusal(current: str, new_status: str) -> str:
    """Why an event in ``current`` status cannot be changed to ``new_status``."""
    if current == Event.Status.CANCELLED:
        return gettext("This event is cancelled; it cannot be published or unpublished.")
    if current == new_status == Event.Status.PUBLISHED:
        return gettext("This event is already published.")
    if current == new_status == Event.Status.DRAFT:
        return gettext("This event is already a draft.")
    return gettext("An event is published or unpublished, nothing else.")


@transaction.atomic
def change_status(event: Event, new_status: str) -> Event:
    """Publish or unpublish ``event`` (cancelling it is sales.event_cancellation's)."""
    event = Event.objects.select_for_update(no_key=True).get(pk=event.pk)
    if new_status == Event.Status.CANCELLED:
        raise ValidationError(
            gettext("An event is cancelled through its cancellation, which settles its orders.")
        )
    if (event.status, new_status) not in _TRANSITIONS:
        raise ValidationError(_transition_refusal(event.status, new_status))
    if new_status == Event.Status.PUBLISHED:
        if event.has_ended:
            raise ValidationError(gettext("This event has already ended; it cannot be published."))
        if not event.ticket_types.exists():
            raise ValidationError(gettext("Add at least one ticket type before publishing."))
    event.status = new_status
    event.save(update_fields=["status", "updated_at"])
    domain_events.record(domain_events.EVENT_UPDATED, event, event_id=event.pk, status=str(event.status))
    return event


@transaction.atomic
def save_ticket_type(form: TicketTypeForm) -> TicketType:
    """Create or update a ticket type. A new one is offered on every date of the event
    with its capacity; dates that followed its capacity take the new one."""
    ticket_type = form.save(commit=False)
    creating = ticket_type.pk is None
    if creating:
        last = TicketType.objects.filter(event=form.event).aggregate(last=Max("position"))["last"]
        ticket_type.position = 0 if last is None else last + 1
    ticket_type.save()
    if creating:
        dates.add_stock_rows(EventDate.objects.filter(event=form.event), [ticket_type])
    else:
        dates.follow_ticket_type_capacity(ticket_type, form.initial["capacity"])
    domain_events.record(
        domain_events.TICKET_TYPE_CREATED if creating else domain_events.TICKET_TYPE_UPDATED,
        form.event,
        ticket_type_id=ticket_type.pk,
        event_id=form.event.pk,
    )
    return ticket_type


@transaction.atomic
def delete_ticket_type(ticket_type: TicketType) -> None:
    locked = TicketType.objects.select_for_update().get(pk=ticket_type.pk)
    if not locked.can_be_deleted():
        raise ValidationError(gettext("Tickets of this type are sold or reserved; it cannot be deleted."))
    locked.delete()


@transaction.atomic
def move_ticket_type(ticket_type: TicketType, direction: str) -> None:
    """Swap a ticket type with its neighbour above ("up") or below ("down")."""
    siblings = list(
        TicketType.objects.select_for_update(no_key=True)
        .filter(event_id=ticket_type.event_id)
        .order_by("position", "id")
    )
    index = next(i for i, t in enumerate(siblings) if t.pk == ticket_type.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in {"up", "down"} or not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
