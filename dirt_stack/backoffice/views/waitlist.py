"""Back office: an event's waiting list (managers only, as editing the event).

``Manage/Waitlist`` lists the entries (status, place, quantity, offers), saves the list's
settings (``WaitlistSettingsForm``), offers an entry its tickets now or removes it, and
exports the list as CSV. The rules are ``waitlist.services``'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from backoffice import reports
from backoffice.access import MANAGERS, managed_event
from backoffice.forms import WaitlistSettingsForm
from backoffice.schemas import EventInZone, WaitlistPageProps
from backoffice.serializers import waitlist_entries, waitlist_settings
from core.inertia import form_errors, form_page, render_page, render_with_errors, submitted_data
from core.input import parse_id
from events.models import Event
from sales.audit import Actor
from sales.exceptions import OrderConflict
from storefront.schemas import OrganizerRef
from waitlist import services
from waitlist.models import Entry


def _props(event: Event) -> WaitlistPageProps:
    organizer = event.organizer
    return WaitlistPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        settings=waitlist_settings(event),
        entries=waitlist_entries(event),
        export_url=reverse(
            "backoffice:waitlist_export", kwargs={"organizer_slug": organizer.slug, "event_slug": event.slug}
        ),
        currency=event.currency,
    )


def _waitlist_url(_request: HttpRequest, organizer_slug: str, event_slug: str, **_: object) -> str:
    """The waiting list's page, where its entries' buttons are."""
    return reverse("backoffice:waitlist", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug})


def _back(event: Event) -> HttpResponse:
    return redirect("backoffice:waitlist", organizer_slug=event.organizer.slug, event_slug=event.slug)


def _entry(event: Event, entry_id: str) -> Entry:
    pk = parse_id(entry_id)
    entry = Entry.objects.filter(event=event, pk=pk).first() if pk else None
    if entry is None:
        raise Http404("No such waiting-list entry.")
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def waitlist_page(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The list; POST saves its settings."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    title = {"page_title": gettext("Waiting list: %(event)s") % {"event": event.title}}
    if request.method == "GET":
        return render_page(request, _props(event), template_data=title)
    form = WaitlistSettingsForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _props(event), form_errors(form))
    services.configure(event, **form.cleaned_data)
    messages.success(request, gettext("The waiting list's settings are saved."))
    return _back(event)


@login_required
@form_page(_waitlist_url)
def waitlist_offer(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, entry_id: str
) -> HttpResponse:
    """Offer an entry its tickets now, from what is free."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    entry = _entry(event, entry_id)
    try:
        services.offer_now(entry, made_by=Actor(user=request.user).label)
    except OrderConflict as exc:
        return render_with_errors(request, _props(event), {"form": str(exc)}, status=409)
    messages.success(
        request,
        gettext("The tickets are held for %(email)s; the offer is on its way.") % {"email": entry.email},
    )
    return _back(event)


@login_required
@form_page(_waitlist_url)
def waitlist_remove(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, entry_id: str
) -> HttpResponse:
    """Remove an entry (an open offer is withdrawn and passes to the next entry)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    entry = _entry(event, entry_id)
    if services.remove(entry):
        messages.success(request, gettext("%(email)s is off the waiting list.") % {"email": entry.email})
    return _back(event)


@login_required
@require_GET
def waitlist_export(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str
) -> StreamingHttpResponse:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    response = StreamingHttpResponse(
        reports.waitlist_csv(waitlist_entries(event)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-waitlist.csv"'
    return response
