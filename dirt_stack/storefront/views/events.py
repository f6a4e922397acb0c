"""Public storefront: the event list, event pages and organizer pages."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Organizer
from core import ratelimit
from core.inertia import paginate, render_page
from core.input import parse_id, search_text
from core.language import use_event_language
from core.markdown import plain_text_excerpt
from core.schemas import Pagination
from core.search import Folded, fold
from core.translated import resolve
from events.models import Event, EventDate
from sales import hoarding
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import Voucher
from sales.pricing import discounted_prices
from sales.vouchers import TooManyGuesses, find_voucher
from storefront import room
from storefront.schemas import (
    EventFilters,
    EventPageProps,
    HomePageProps,
    ListedEvent,
    OrganizerContact,
    OrganizerPageProps,
    VoucherCheck,
    VoucherPrice,
    WaitlistRef,
)
from storefront.serializers import event_detail, event_json_ld, listed_events
from waitlist.services import enabled as waitlist_enabled

EVENTS_PER_PAGE = 12
# What the storefront's search box looks in.
SEARCHED_COLUMNS = ("title", "description", "venue_name", "venue_address", "organizer__name")
INVERTED_RANGE = gettext_lazy("The “To” date is before the “From” date: pick a “To” date on or after it.")


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _listed(request: HttpRequest, events: QuerySet[Event]) -> tuple[list[ListedEvent], Pagination]:
    page, pagination = paginate(request, events, EVENTS_PER_PAGE)
    return listed_events(list(page.object_list)), pagination


def home(request: HttpRequest) -> HttpResponse:
    """Upcoming published events, with text search and a date range."""
    query = search_text(request.GET.get("q"))
    date_from = _parse_date(request.GET.get("from"))
    date_to = _parse_date(request.GET.get("to"))
    events = Event.objects.listed()
    if query:
        # Accents and case do not matter: "Zurich" finds "Zürich" (core.search).
        events = events.alias(
            **{f"folded_{n}": Folded(column) for n, column in enumerate(SEARCHED_COLUMNS)}
        ).filter(
            functools.reduce(
                operator.or_,
                (Q(**{f"folded_{n}__contains": fold(query)}) for n in range(len(SEARCHED_COLUMNS))),
            )
        )
    errors: dict[str, str] | None = None
    if date_from and date_to and date_from > date_to:
        # Said as such: an empty list would read as "nothing on those days".
        errors = {"to": str(INVERTED_RANGE)}
        events = events.none()
    elif date_from or date_to:
        events = events.with_date_on_days(date_from, date_to)
    listed, pagination = _listed(request, events)
    props = HomePageProps(
        events=listed,
        pagination=pagination,
        filters=EventFilters.model_validate(
            {
                "q": query,
                "from": date_from.isoformat() if date_from else "",
                "to": date_to.isoformat() if date_to else "",
            }
        ),
    )
    return render_page(
        request, props, errors=errors, template_data={"page_title": gettext("Upcoming events")}
    )


def date_id_given(value: object) -> bool:
    """Whether a buyer sent a date at all (``?date=`` or a form's ``date``), valid or not."""
    return value is not None and value != ""


def chosen_date(event: Event, date_id: object, dates: list[EventDate] | None = None) -> EventDate | None:
    """The date a buyer chose (``?date=`` or a form's ``date``), or a single-date event's
    one date; None for a series until one is chosen, or when the id is not the event's.
    ``dates`` are all the event's dates when already loaded."""
    if date_id_given(date_id):
        wanted = parse_id(date_id)
        if wanted is None:
            return None
        if dates is not None:
            return next((d for d in dates if d.pk == wanted), None)
        return event.dates.filter(pk=wanted).first()
    only = dates if dates is not None else list(event.dates.all()[:2])
    return only[0] if len(only) == 1 else None


def shown_dates(dates: list[EventDate]) -> list[EventDate]:
    """The dates a buyer picks from: those not over yet (a past event shows its last)."""
    return [d for d in dates if not d.has_ended] or dates[-1:]


def event_page_props(
    request: HttpRequest,
    event: Event,
    voucher_code: str = "",
    date: EventDate | None = None,
    all_dates: list[EventDate] | None = None,
    voucher_client: str | None = None,
) -> EventPageProps:
    """The event page's props: its upcoming dates, and the ticket types of the chosen
    ``date``; a valid voucher code also shows the hidden ticket types it unlocks.
    ``all_dates`` are the event's dates when already loaded; ``voucher_client``, the
    address whose unknown voucher codes are counted (vouchers.TooManyGuesses)."""
    all_dates = list(event.dates.all()) if all_dates is None else all_dates
    voucher: VoucherCheck | None = None
    found: Voucher | None = None
    unlocked: set[int] = set()
    if voucher_code:
        try:
            found = find_voucher(event, voucher_code, date, client=voucher_client)
        except (OrderInvalid, OrderConflict) as exc:
            voucher = VoucherCheck(code=voucher_code, valid=False, message=str(exc))
        else:
            unlocked = {t.pk for t in found.ticket_types.all()} if found else set()
            voucher = VoucherCheck(
                code=voucher_code, valid=True, message=gettext("Voucher applied at checkout.")
            )
    ticket_types = [t for t in event.ticket_types.all() if not t.hidden or t.pk in unlocked]
    detail = event_detail(event, shown_dates(all_dates), date, ticket_types, date_count=len(all_dates))
    if voucher is not None and found is not None:
        # The prices the checkout will charge, from the date's prices the page shows.
        new_prices = discounted_prices(found, {t.id: t.price for t in detail.ticket_types})
        voucher.prices = [VoucherPrice(ticket_type=pk, price=each) for pk, each in new_prices.items()]
        if voucher.prices:
            voucher.message = gettext("Voucher applied: the discounted prices are shown.")
    return EventPageProps(event=detail, voucher=voucher)


def waitlist_ref(event: Event, sold_out_ids: list[int]) -> WaitlistRef | None:
    """The event page's waiting-list prop: the event's list is on and a shown type is sold out."""
    if not sold_out_ids or not waitlist_enabled(event):
        return None
    return WaitlistRef(
        join_url=reverse("waitlist:join", kwargs={"slug": event.slug}), ticket_type_ids=sold_out_ids
    )


def _event_template_data(request: HttpRequest, event: Event, props: EventPageProps) -> dict[str, Any]:
    chosen = props.event.date
    # A chosen date of a series is its own page for search engines (its direct link).
    path = chosen.url if chosen is not None and props.event.date_count > 1 else f"/events/{event.slug}/"
    url = request.build_absolute_uri(path)
    title = props.event.title  # in the reader's language (core.translated)
    description = plain_text_excerpt(resolve(event, "description")) or f"{title} — tickets on Maticko."
    cover = props.event.cover_image_url
    return {
        "page_title": title,
        "meta_description": description,
        "json_ld": event_json_ld(event, props.event, url),
        # Open Graph / Twitter card: the preview a shared link gets (base.html escapes them).
        "open_graph": {
            "title": title,
            "description": description,
            "url": url,
            "image": request.build_absolute_uri(cover) if cover else None,
        },
    }


def render_event_page(
    request: HttpRequest,
    event: Event,
    *,
    date: EventDate | None = None,
    all_dates: list[EventDate] | None = None,
    voucher_code: str = "",
    voucher_client: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    challenge: bool = False,
) -> HttpResponse:
    """The event page; with ``challenge`` (or the date under pressure) its ticket form
    solves a proof of work before reserving. With an active on-sale room it says where
    this browser stands (``room``) and, on its turn, sets the admission cookie."""
    props = event_page_props(request, event, voucher_code, date, all_dates, voucher_client)
    if challenge or (date is not None and hoarding.date_under_pressure(date)):
        props.challenge_url = reverse("sales:challenge")
    props.room, queue_status = room.room_ref(request, event)
    if date is not None:
        props.waitlist = waitlist_ref(
            event, [t.id for t in props.event.ticket_types if t.state == "sold_out"]
        )
    response = render_page(
        request,
        props,
        status=status,
        errors=errors or None,
        template_data=_event_template_data(request, event, props),
    )
    if props.room is not None:
        # What the page shows depends on this browser's place in the queue.
        patch_cache_control(response, no_store=True, private=True)
    if queue_status is not None:
        room.status_headers(response, queue_status, event.pk)
        del response["Retry-After"]
    return response


def event_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The event; for a series, its dates to choose from and, with ``?date=<id>`` (the
    direct link to one date), that date's ticket types."""
    event = get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)
    use_event_language(request, event.locale)
    all_dates = list(event.dates.with_pressure())
    date = chosen_date(event, request.GET.get("date"), all_dates)
    if date is None and date_id_given(request.GET.get("date")):
        raise Http404(gettext("This event has no such date."))
    try:
        return render_event_page(
            request,
            event,
            date=date,
            all_dates=all_dates,
            voucher_code=request.GET.get("voucher", "").strip()[:50],
            voucher_client=ratelimit.client_ip(request),
        )
    except TooManyGuesses as exc:
        return too_many_voucher_guesses(request, event, date, exc, all_dates)


def too_many_voucher_guesses(
    request: HttpRequest,
    event: Event,
    date: EventDate | None,
    exc: TooManyGuesses,
    all_dates: list[EventDate] | None = None,
) -> HttpResponse:
    """The event page without the voucher, answered 429: the address tried too many unknown codes."""
    response = render_event_page(
        request, event, date=date, all_dates=all_dates, errors={"voucher": str(exc)}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def organizer_page(request: HttpRequest, slug: str) -> HttpResponse:
    organizer = get_object_or_404(Organizer, slug=slug)
    listed, pagination = _listed(request, Event.objects.listed().filter(organizer=organizer))
    props = OrganizerPageProps(
        organizer=OrganizerContact(
            name=organizer.name, slug=organizer.slug, contact_email=organizer.contact_email
        ),
        events=listed,
        pagination=pagination,
    )
    return render_page(
        request,
        props,
        template_data={
            "page_title": organizer.name,
            "meta_description": gettext("Upcoming events by %(organizer)s.") % {"organizer": organizer.name},
        },
    )
