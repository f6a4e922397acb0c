"""The on-sale room's pages: the queue page, joining it, and its status answer.

Joining needs a solved proof of work (``sales.challenges``) and stays within
``ONSALE_JOINS_PER_ADDRESS_PER_MINUTE`` joins per client address; one entry per
browser (``onsale.services.join_queue`` checks and writes all three). The
status answer is the request the waiting crowd repeats: a small JSON document that
writes no session, with ``Retry-After`` (the page adds jitter) and, on the visitor's
turn, the admission cookie (``storefront.room``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from core import ratelimit
from core.inertia import render_page, submitted_data
from core.translated import resolve
from events.models import Event
from onsale import services as onsale
from onsale.exceptions import ProofRefused, RoomClosed, TooManyJoins
from storefront import room
from storefront.schemas import EventRef, QueuePageProps
from waitlist.services import enabled as waitlist_enabled


def _event(slug: str) -> Event:
    return get_object_or_404(Event.objects.public().select_related("organizer"), slug=slug)


def _current_status(request: HttpRequest, event: Event) -> onsale.QueueStatus:
    return onsale.status(event, room.browser_id(request))


def _queue_page(
    request: HttpRequest,
    event: Event,
    status: onsale.QueueStatus,
    *,
    errors: dict[str, str] | None = None,
    code: int = 200,
) -> HttpResponse:
    props = QueuePageProps(
        event=EventRef(slug=event.slug, title=resolve(event, "title")),
        event_url=reverse("events:detail", kwargs={"slug": event.slug}),
        status=room.status_out(status),
        status_url=reverse("events:queue_status", kwargs={"slug": event.slug}),
        join_url=reverse("events:queue_join", kwargs={"slug": event.slug}),
        challenge_url=reverse("sales:challenge"),
        # When the room says "sold out", the event page's waiting list is the way on.
        waitlist_url=reverse("events:detail", kwargs={"slug": event.slug})
        if waitlist_enabled(event)
        else None,
    )
    response = render_page(
        request,
        props,
        status=code,
        errors=errors,
        template_data={"page_title": gettext("Queue: %(event)s") % {"event": resolve(event, "title")}},
    )
    room.status_headers(response, status, event.pk)
    del response["Retry-After"]  # the page itself is not polled
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_GET
def queue_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The visitor's place in the event's on-sale room (a countdown before the sale)."""
    event = _event(slug)
    return _queue_page(request, event, _current_status(request, event))


@require_POST
def queue_join(request: HttpRequest, slug: str) -> HttpResponse:
    """Join the event's on-sale room with a solved proof of work; back to the queue page."""
    browser = room.browser_id(request)
    # The event, its room and this browser's entry, read once: a refused join's page
    # shows the status from these rows.
    found = onsale.lookup(browser_id=browser, slug=slug)
    if found is None:
        raise Http404(gettext("No event with this address."))
    new_browser = browser is None
    joiner = browser or room.new_browser_id()
    try:
        onsale.join_queue(
            found,
            browser_id=joiner,
            address=ratelimit.client_ip(request),
            proof=submitted_data(request).get("altcha"),
        )
    except TooManyJoins as exc:
        response = _refused_join(request, slug, found, browser, {"form": str(exc)}, 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ProofRefused:
        message = gettext("The anti-bot check failed or expired. Please wait for it, then join.")
        return _refused_join(request, slug, found, browser, {"altcha": message}, 428)
    except RoomClosed as exc:
        return _refused_join(request, slug, found, browser, {"form": str(exc)}, 409)
    response = redirect("events:queue", slug=slug)
    if new_browser:
        room.set_browser_cookie(response, joiner)
    return response


def _refused_join(
    request: HttpRequest,
    slug: str,
    found: onsale.Lookup,
    browser: str | None,
    errors: dict[str, str],
    code: int,
) -> HttpResponse:
    """The queue page with the join's errors and the status from the join's own read."""
    status = onsale.current_status(found, browser)
    return _queue_page(request, _event(slug), status, errors=errors, code=code)


@require_GET
def queue_status(request: HttpRequest, slug: str) -> HttpResponse:
    """The visitor's status as tiny JSON (storefront.schemas.QueueStatusOut). Usually
    answered earlier, by ``storefront.middleware.QueueStatusMiddleware``."""
    response = room.status_answer(request, slug, api=False)
    if response is None:
        raise Http404(gettext("No event with this address."))
    return response
