"""Back office: the organizer's webhook endpoints, their secrets, test messages and the
delivery log (owners only; the services in webhooks.services audit every action)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from accounts.permissions import membership_for, require_role
from backoffice.access import OWNERS
from backoffice.reauth import require_recent_authentication
from backoffice.schemas import (
    DeliveryFilters,
    WebhookDeliveriesPageProps,
    WebhookDeliveryPageProps,
    WebhookPageProps,
    WebhooksPageProps,
)
from backoffice.serializers import (
    webhook_changes,
    webhook_delivery,
    webhook_delivery_detail,
    webhook_endpoint,
    webhook_event_options,
    webhook_event_type_options,
)
from core.inertia import form_errors, form_page, paginate, render_page, render_with_errors, submitted_data
from core.schemas import Option
from core.text import single_line
from sales.audit import Actor
from storefront.schemas import OrganizerRef
from webhooks import services
from webhooks.forms import EndpointForm, ReplayForm, form_data
from webhooks.models import WebhookDelivery, WebhookEndpoint

PAGE_SIZE = 50


def _owner(request: AuthenticatedHttpRequest, organizer_slug: str) -> Membership:
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, OWNERS)
    return membership


def _endpoint(membership: Membership, endpoint_id: int) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.prefetch_related("events"), pk=endpoint_id, organizer=membership.organizer
    )


def _ref(membership: Membership) -> OrganizerRef:
    return OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug)


def _label(request: AuthenticatedHttpRequest) -> str:
    return Actor(user=request.user).label


def _list_props(membership: Membership) -> WebhooksPageProps:
    organizer = membership.organizer
    return WebhooksPageProps(
        organizer=_ref(membership),
        endpoints=[
            webhook_endpoint(e)
            for e in WebhookEndpoint.objects.filter(organizer=organizer).prefetch_related("events")
        ],
        event_types=webhook_event_type_options(),
        events=webhook_event_options(organizer.pk),
    )


def _page_props(
    membership: Membership, endpoint: WebhookEndpoint, secrets: list[str] | None = None
) -> WebhookPageProps:
    return WebhookPageProps(
        organizer=_ref(membership),
        endpoint=webhook_endpoint(endpoint),
        event_types=webhook_event_type_options(),
        events=webhook_event_options(membership.organizer_id),
        secrets=secrets,
        changes=webhook_changes(endpoint),
    )


def _title(endpoint: WebhookEndpoint) -> dict[str, str]:
    return {"page_title": gettext("Webhook: %(url)s") % {"url": single_line(endpoint.url)[:80]}}


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: AuthenticatedHttpRequest, organizer_slug: str) -> HttpResponse:
    """The endpoints; POST adds one (after a recent sign-in: it sends data elsewhere)."""
    membership = _owner(request, organizer_slug)
    if request.method == "GET":
        return render_page(
            request, _list_props(membership), template_data={"page_title": gettext("Webhooks")}
        )
    refused = require_recent_authentication(request, reverse("backoffice:webhooks", args=[organizer_slug]))
    if refused:
        return refused
    form = EndpointForm(form_data(dict(submitted_data(request).items())), organizer=membership.organizer)
    if not form.is_valid():
        return render_with_errors(request, _list_props(membership), form_errors(form))
    endpoint = services.save_endpoint(
        membership.organizer, None, form.cleaned_data, actor=request.user, actor_label=_label(request)
    )
    messages.success(request, gettext("The endpoint is added. Reveal its secret to verify the signatures."))
    return redirect("backoffice:webhook", organizer_slug=organizer_slug, endpoint_id=endpoint.pk)


@login_required
@require_http_methods(["GET", "POST"])
def webhook(request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int) -> HttpResponse:
    """One endpoint; POST saves its settings."""
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    if request.method == "GET":
        return render_page(request, _page_props(membership, endpoint), template_data=_title(endpoint))
    form = EndpointForm(form_data(dict(submitted_data(request).items())), organizer=membership.organizer)
    if not form.is_valid():
        return render_with_errors(request, _page_props(membership, endpoint), form_errors(form))
    services.save_endpoint(
        membership.organizer, endpoint, form.cleaned_data, actor=request.user, actor_label=_label(request)
    )
    messages.success(request, gettext("The endpoint is saved."))
    return redirect("backoffice:webhook", organizer_slug=organizer_slug, endpoint_id=endpoint.pk)


def _webhook_url(request: HttpRequest, organizer_slug: str, endpoint_id: int) -> str:
    return reverse(
        "backoffice:webhook", kwargs={"organizer_slug": organizer_slug, "endpoint_id": endpoint_id}
    )


@login_required
@form_page(_webhook_url)
def webhook_test(request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int) -> HttpResponse:
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    sent = services.send_test(endpoint, actor=request.user, actor_label=_label(request))
    messages.success(
        request,
        gettext("A test message (%(message)s) is on its way; see the log.") % {"message": sent.message_id},
    )
    return redirect("backoffice:webhook", organizer_slug=organizer_slug, endpoint_id=endpoint.pk)


@login_required
@form_page(_webhook_url)
def webhook_secret(request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int) -> HttpResponse:
    """Reveal the signing secrets (after a recent sign-in)."""
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    refused = require_recent_authentication(request, _webhook_url(request, organizer_slug, endpoint_id))
    if refused:
        return refused
    secrets = services.reveal(endpoint, actor=request.user, actor_label=_label(request))
    return render_page(request, _page_props(membership, endpoint, secrets), template_data=_title(endpoint))


@login_required
@form_page(_webhook_url)
def webhook_rotate(request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int) -> HttpResponse:
    """A new secret; the old one signs too for a day (after a recent sign-in)."""
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    refused = require_recent_authentication(request, _webhook_url(request, organizer_slug, endpoint_id))
    if refused:
        return refused
    rotated = services.rotate(endpoint, actor=request.user, actor_label=_label(request))
    secrets = services.reveal(rotated, actor=request.user, actor_label=_label(request))
    messages.success(request, gettext("A new secret signs from now on; the old one signs too for 24 hours."))
    return render_page(request, _page_props(membership, rotated, secrets), template_data=_title(rotated))


@login_required
@form_page(_webhook_url)
def webhook_replay(request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int) -> HttpResponse:
    """Send again the failed messages since a moment."""
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    form = ReplayForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _page_props(membership, endpoint), form_errors(form))
    count = services.replay(
        endpoint, form.cleaned_data["since"], actor=request.user, actor_label=_label(request)
    )
    messages.success(
        request,
        ngettext("%(count)s failed message sent again.", "%(count)s failed messages sent again.", count)
        % {"count": count},
    )
    return redirect("backoffice:webhook_deliveries", organizer_slug=organizer_slug, endpoint_id=endpoint.pk)


@login_required
@form_page(_webhook_url)
def webhook_delete(request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int) -> HttpResponse:
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    services.delete_endpoint(endpoint, actor=request.user, actor_label=_label(request))
    messages.success(request, gettext("The endpoint is deleted."))
    return redirect("backoffice:webhooks", organizer_slug=organizer_slug)


def _status_options() -> list[Option]:
    return [Option(value="", label=gettext("Any status"))] + [
        Option(value=value, label=str(label)) for value, label in WebhookDelivery.Status.choices
    ]


@login_required
@require_GET
def webhook_deliveries(
    request: AuthenticatedHttpRequest, organizer_slug: str, endpoint_id: int
) -> HttpResponse:
    """The endpoint's delivery log (30 days), newest first, by status and event type."""
    membership = _owner(request, organizer_slug)
    endpoint = _endpoint(membership, endpoint_id)
    status = request.GET.get("status", "")
    event_type = request.GET.get("event_type", "")
    found = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if status in WebhookDelivery.Status.values:
        found = found.filter(status=status)
    else:
        status = ""
    types = [o.value for o in webhook_event_type_options()] + ["webhook.test"]
    if event_type in types:
        found = found.filter(event_type=event_type)
    else:
        event_type = ""
    page, pagination = paginate(request, found, PAGE_SIZE)
    props = WebhookDeliveriesPageProps(
        organizer=_ref(membership),
        endpoint=webhook_endpoint(endpoint),
        deliveries=[webhook_delivery(d) for d in page],
        filters=DeliveryFilters(status=status, event_type=event_type),
        statuses=_status_options(),
        event_types=[Option(value="", label=gettext("Any type"))] + [Option(value=t, label=t) for t in types],
        pagination=pagination,
    )
    return render_page(request, props, template_data={"page_title": gettext("Webhook deliveries")})


def _delivery(membership: Membership, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint", "event").prefetch_related("endpoint__events"),
        pk=delivery_id,
        endpoint__organizer=membership.organizer,
    )


@login_required
@require_GET
def webhook_delivery_page(
    request: AuthenticatedHttpRequest, organizer_slug: str, delivery_id: int
) -> HttpResponse:
    """One delivery: the request and every attempt's answer."""
    membership = _owner(request, organizer_slug)
    sent = _delivery(membership, delivery_id)
    props = WebhookDeliveryPageProps(
        organizer=_ref(membership),
        endpoint=webhook_endpoint(sent.endpoint),
        delivery=webhook_delivery_detail(sent),
    )
    return render_page(
        request,
        props,
        template_data={"page_title": gettext("Webhook %(message)s") % {"message": sent.message_id}},
    )


def _delivery_url(request: HttpRequest, organizer_slug: str, delivery_id: int) -> str:
    return reverse(
        "backoffice:webhook_delivery", kwargs={"organizer_slug": organizer_slug, "delivery_id": delivery_id}
    )


@login_required
@form_page(_delivery_url)
def webhook_resend(request: AuthenticatedHttpRequest, organizer_slug: str, delivery_id: int) -> HttpResponse:
    membership = _owner(request, organizer_slug)
    sent = _delivery(membership, delivery_id)
    services.resend(sent, actor=request.user, actor_label=_label(request))
    messages.success(request, gettext("The message is sent again, with the same webhook-id."))
    return redirect("backoffice:webhook_delivery", organizer_slug=organizer_slug, delivery_id=sent.pk)
