"""Back office: the shop widget (ADR 0032), for managers. ``Manage/OrganizerWidget`` has the
snippet of the organizer's event list and the websites that may frame the widget (saved by
``accounts.embedding.set_embed_origins``, in the organizer's audit log);
``Manage/EventWidget`` has an event's snippets (inline shop or button). Both preview the
widget on this site."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import embedding
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organizer, OrganizerChange
from accounts.permissions import membership_for, require_role
from backoffice.access import MANAGERS, managed_event
from backoffice.forms import EmbedOriginsForm
from backoffice.schemas import (
    EventInZone,
    EventWidgetPageProps,
    OrganizerWidgetPageProps,
    WidgetOriginsChange,
)
from core.inertia import form_errors, render_page, render_with_errors, submitted_data
from events.models import Event
from storefront.schemas import OrganizerRef

CHANGES_SHOWN = 20


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _organizer_props(request: HttpRequest, organizer: Organizer) -> OrganizerWidgetPageProps:
    changes = OrganizerChange.objects.filter(
        organizer=organizer, action=OrganizerChange.Action.EMBED_ORIGINS_CHANGED
    )[:CHANGES_SHOWN]
    return OrganizerWidgetPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        site_url=_site_url(request),
        embed_origins=list(organizer.embed_origins or []),
        changes=[
            WidgetOriginsChange(
                at=change.created_at,
                by=change.actor_label,
                before=list(change.detail.get("before", [])),
                after=list(change.detail.get("after", [])),
            )
            for change in changes
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def organizer_widget(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    """The organizer's widget page; POST saves the websites that may frame it."""
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, MANAGERS)
    organizer = membership.organizer
    if request.method == "GET":
        return render_page(
            request,
            _organizer_props(request, organizer),
            template_data={"page_title": gettext("Shop widget")},
        )
    form = EmbedOriginsForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _organizer_props(request, organizer), form_errors(form))
    if embedding.set_embed_origins(organizer, form.cleaned_data["embed_origins"], request.user):
        messages.success(request, gettext("The widget's websites are saved."))
    else:
        messages.info(request, gettext("Nothing changed."))
    return redirect("backoffice:organizer_widget", organizer_slug=organizer.slug)


@login_required
@require_GET
def event_widget(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """An event's snippets and preview."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    organizer = event.organizer
    props = EventWidgetPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        site_url=_site_url(request),
        embed_origins=list(organizer.embed_origins or []),
        published=event.status != Event.Status.DRAFT,
    )
    return render_page(
        request,
        props,
        template_data={"page_title": gettext("Shop widget: %(event)s") % {"event": event.title}},
    )
