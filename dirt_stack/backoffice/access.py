"""Which organizer and event a back-office request is about, and whether the user may act.

An organizer the user does not belong to, or an event it does not have, answers
404 (accounts.permissions.membership_for); a role that does not allow the page
answers 403, checked before the event is looked up.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from accounts.models import Membership
from accounts.permissions import membership_for, require_role
from core.input import parse_id
from events.models import Event, EventDate

MANAGERS = Membership.EVENT_MANAGERS
OWNERS = (Membership.Role.OWNER,)


def managed_event(
    request: HttpRequest, organizer_slug: str, event_slug: str, roles: Iterable[str] | None = None
) -> tuple[Membership, Event]:
    """The user's membership of the organizer and the organizer's event; with ``roles``,
    only for a member with one of them."""
    membership = membership_for(request.user, organizer_slug)
    if roles is not None:
        require_role(membership, roles)
    event = get_object_or_404(
        Event.objects.select_related("organizer"), organizer=membership.organizer, slug=event_slug
    )
    return membership, event


def event_date(event: Event, raw: object) -> EventDate | None:
    """The event's date whose id is ``raw`` (a query string's ``date``), or None when
    ``raw`` is empty, not an id or not one of the event's dates."""
    date_id = parse_id(raw)
    date = event.dates.filter(pk=date_id).first() if date_id is not None else None
    if date is not None:
        date.event = event
    return date
