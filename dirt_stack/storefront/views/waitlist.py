"""The waiting list's public pages: joining from the event page, and the links of its emails
(confirm, unsubscribe, the offer that leads to the checkout of its hold). The rules are in
``waitlist.services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core import ratelimit
from core.inertia import form_page, render_page, show_form_page_at, submitted_data
from core.input import parse_id
from core.language import request_language, use_event_language
from core.translated import resolve
from events.models import Event, TicketType
from sales.exceptions import OrderConflict, OrderInvalid
from storefront.schemas import EventRef, WaitlistLinkPageProps
from storefront.serializers import date_url
from storefront.views.events import chosen_date, render_event_page
from waitlist import services
from waitlist.models import Entry

STATUS_SENTENCES = {
    Entry.Status.PENDING: gettext_lazy("Your place awaits your confirmation."),
    Entry.Status.WAITING: gettext_lazy("You are on the waiting list."),
    Entry.Status.OFFERED: gettext_lazy("Tickets are held for you: see the offer in your email."),
    Entry.Status.CLAIMED: gettext_lazy("You bought the tickets offered to you."),
    Entry.Status.LAPSED: gettext_lazy("The offer made to you has ended."),
    Entry.Status.REMOVED: gettext_lazy("You are no longer on the waiting list."),
}


def _event_page_url(request: HttpRequest, slug: str) -> str:
    return reverse("events:detail", args=[slug])


@form_page(_event_page_url)
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """The event page's "Join the waiting list" form (date, ticket_type, quantity, email)."""
    event = get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)
    use_event_language(request, event.locale)
    data = submitted_data(request)
    date = chosen_date(event, data.get("date"))
    if date is None:
        return render_event_page(
            request, event, errors={"waitlist_form": gettext("Choose a date.")}, status=422
        )
    date.event = event
    show_form_page_at(request, date_url(event, date))
    ticket_type_id = parse_id(data.get("ticket_type"))
    ticket_type = (
        TicketType.objects.filter(event=event, pk=ticket_type_id).first() if ticket_type_id else None
    )

    def refused(field: str, message: str, status: int) -> HttpResponse:
        return render_event_page(
            request, event, date=date, errors={f"waitlist_{field}": message}, status=status
        )

    if ticket_type is None:
        return refused("ticket_type", gettext("Choose a ticket type of this date."), 422)
    try:
        services.count_join(ratelimit.client_ip(request))
        services.join(
            date,
            ticket_type,
            str(data.get("email", "")),
            data.get("quantity"),
            locale=request_language(request),
        )
    except services.TooManyJoins as exc:
        response = refused("form", str(exc), 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except OrderInvalid as exc:
        return render_event_page(
            request, event, date=date, errors={f"waitlist_{k}": v for k, v in exc.errors.items()}, status=422
        )
    except OrderConflict as exc:
        return refused("form", str(exc), 409)
    messages.success(
        request,
        gettext("Almost there: we sent you an email. Confirm your place on the waiting list with its link."),
    )
    return redirect(date_url(event, date))


def _link_page(
    request: HttpRequest, kind: str, entry: Entry, action_url: str | None, status: int = 200
) -> HttpResponse:
    event = entry.event
    props = WaitlistLinkPageProps(
        kind=kind,
        event=EventRef(slug=event.slug, title=resolve(event, "title")),
        event_url=date_url(event, entry.date),
        ticket_type=resolve(entry.ticket_type, "name"),
        quantity=entry.quantity,
        status=str(STATUS_SENTENCES[Entry.Status(entry.status)]),
        action_url=action_url,
    )
    return render_page(
        request,
        props,
        status=status,
        template_data={"page_title": gettext("Waiting list: %(event)s") % {"event": resolve(event, "title")}},
    )


def _entry(token: str, salt: str, confirm: bool = False) -> Entry:
    try:
        if confirm:
            return services.entry_of_link(token[:300], salt, services.CONFIRM_LINK_MAX_AGE)
        return services.entry_of_link(token[:300], salt)
    except services.LinkInvalid as exc:
        raise Http404(gettext("This link is not valid or has expired.")) from exc


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation email's link: GET shows a button (mail scanners that open links
    confirm nothing), POST confirms."""
    entry = _entry(token, services.CONFIRM_SALT, confirm=True)
    use_event_language(request, entry.locale)
    if request.method == "POST":
        entry = services.confirm(token[:300])
        if entry.status == Entry.Status.REMOVED:
            messages.error(request, gettext("This entry was removed from the waiting list."))
        else:
            messages.success(request, gettext("Your place on the waiting list is confirmed."))
        return redirect(request.path)
    pending = entry.status == Entry.Status.PENDING
    return _link_page(request, "confirm", entry, request.path if pending else None)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Every waiting-list email's unsubscribe link: GET shows a button, POST leaves the list."""
    entry = _entry(token, services.UNSUBSCRIBE_SALT)
    use_event_language(request, entry.locale)
    if request.method == "POST":
        if services.remove(entry):
            messages.success(request, gettext("You left the waiting list."))
        return redirect(request.path)
    active = entry.status in Entry.ACTIVE
    return _link_page(request, "unsubscribe", entry, request.path if active else None)


@require_GET
def offer(request: HttpRequest, token: str) -> HttpResponse:
    """The offer email's link: while the offer is open, the checkout of its hold; once
    bought or lapsed the link is spent (410)."""
    try:
        found = services.offer_of_token(token[:300])
    except services.LinkInvalid as exc:
        raise Http404(gettext("This link is not valid.")) from exc
    if services.claimable(found):
        return redirect("sales:checkout", token=found.hold.token)
    entry = Entry.objects.select_related("event", "date", "ticket_type").get(pk=found.entry_id)
    use_event_language(request, entry.locale)
    return _link_page(request, "offer", entry, None, status=410)
