"""Back office: the organizer's events, their ticket types and vouchers."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import TYPE_CHECKING, TypedDict

import pycountry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Organizer
from accounts.permissions import can_manage_events, membership_for, require_role
from backoffice.access import MANAGERS, managed_event
from backoffice.duplication import duplicate_event
from backoffice.forms import CancelEventForm, DuplicateEventForm, VoucherForm
from backoffice.schemas import (
    AuditRow,
    DuplicateEventValues,
    EditableEvent,
    EventCancellationPageProps,
    EventCancelPageProps,
    EventCreatePageProps,
    EventDuplicatePageProps,
    EventEditPageProps,
    EventInZone,
    EventRow,
    ManageHomePageProps,
    OrganizerBlock,
    OrganizerManagePageProps,
    OrganizerSettings,
    VoucherRow,
)
from backoffice.serializers import (
    cancellation_impact,
    cancellation_progress,
    date_choices,
    event_form_values,
    ticket_type_manage,
)
from backoffice.views.taxes import event_tax_settings
from core.inertia import (
    form_errors,
    form_page,
    render_page,
    render_with_errors,
    submitted_data,
    validation_errors,
)
from events import services
from events.duplication import copied_dates, copy_title
from events.forms import EventForm, TicketTypeForm, local_input_value
from events.models import DateTicketType, Event, TicketType
from sales import date_changes, event_cancellation, quotas
from sales.audit import Actor
from sales.models import EventCancellation, Voucher
from sales.payments import configured_methods
from sales.quotas import sold_counts
from storefront.schemas import OrganizerRef

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _EventTotals(TypedDict):  # what _events_of annotates
        total_capacity: int | None


@cache
def _timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


@cache
def _currencies() -> list[str]:
    return sorted(c.alpha_3 for c in pycountry.currencies)


def _event_row(event: WithAnnotations[Event, _EventTotals], sold: int) -> EventRow:
    return EventRow(
        slug=event.slug,
        title=event.title,
        status=event.status,
        starts_at=event.starts_at.astimezone(event.tz),
        timezone=event.timezone,
        tickets_sold=sold,
        capacity=event.total_capacity or 0,
    )


def _events_of(organizers: list[Organizer]) -> dict[int, list[EventRow]]:
    events = list(
        Event.objects.filter(organizer__in=organizers)
        .annotate(total_capacity=Sum("dates__date_ticket_types__capacity"))
        .order_by("-starts_at")
    )
    sold = quotas.sold_per_event([event.pk for event in events])
    by_organizer: dict[int, list[EventRow]] = {o.pk: [] for o in organizers}
    for event in events:
        by_organizer[event.organizer_id].append(_event_row(event, sold[event.pk]))
    return by_organizer


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My events: every organizer the user belongs to, with its events."""
    memberships = list(Membership.objects.filter(user=request.user).select_related("organizer"))
    events = _events_of([m.organizer for m in memberships])
    props = ManageHomePageProps(
        organizers=[
            OrganizerBlock(
                name=m.organizer.name,
                slug=m.organizer.slug,
                role=m.role,
                can_manage=can_manage_events(m),
                events=events[m.organizer.pk],
            )
            for m in memberships
        ]
    )
    return render_page(request, props, template_data={"page_title": gettext("My events")})


def organizer_props(membership: Membership) -> OrganizerManagePageProps:
    org = membership.organizer
    return OrganizerManagePageProps(
        organizer=OrganizerSettings(
            name=org.name,
            slug=org.slug,
            contact_email=org.contact_email,
            bank_transfer_details=org.bank_transfer_details,
            admit_unpaid_bank_transfers=org.admit_unpaid_bank_transfers,
            require_two_factor=org.require_two_factor,
        ),
        role=membership.role,
        can_manage=can_manage_events(membership),
        events=_events_of([org])[org.pk],
    )


@login_required
@require_GET
def organizer(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    membership = membership_for(request.user, organizer_slug)
    return render_page(
        request, organizer_props(membership), template_data={"page_title": membership.organizer.name}
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, MANAGERS)
    org = membership.organizer
    props = EventCreatePageProps(
        organizer=OrganizerRef(name=org.name, slug=org.slug),
        timezones=_timezones(),
        currencies=_currencies(),
        configured_payment_methods=configured_methods(),
    )
    if request.method == "GET":
        return render_page(request, props, template_data={"page_title": gettext("New event")})
    form = EventForm(submitted_data(request), request.FILES)
    if not form.is_valid():
        return render_with_errors(request, props, form_errors(form))
    event = services.save_event(form, org)
    messages.success(request, gettext("Event created as a draft. Add ticket types, then publish it."))
    return redirect("backoffice:event", organizer_slug=org.slug, event_slug=event.slug)


def _editor_props(membership: Membership, event: Event) -> EventEditPageProps:
    ticket_types = list(event.ticket_types.all())
    sold = sold_counts(event)
    return EventEditPageProps(
        organizer=OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug),
        event=EditableEvent(
            **dict(event_form_values(event)),
            status=event.status,
            allocated=DateTicketType.objects.filter(date__event=event).aggregate(n=Sum("allocated"))["n"]
            or 0,
            date_count=event.dates.count(),
            cover_image_url=event.cover_image.url if event.cover_image else None,
            public_url=f"/events/{event.slug}/",
        ),
        ticket_types=[ticket_type_manage(event, t, sold=sold[t.pk]) for t in ticket_types],
        vouchers=[
            _voucher_row(event, v)
            for v in event.vouchers.prefetch_related("ticket_types", "dates").order_by("code")
        ],
        dates=date_choices(event),
        can_manage=can_manage_events(membership),
        timezones=_timezones(),
        currencies=_currencies(),
        configured_payment_methods=configured_methods(),
        history=[
            AuditRow(action=a.action, actor=a.actor_label, detail=a.detail, created_at=a.created_at)
            for a in event.audit_entries.all()[:50]
        ],
        taxes=event_tax_settings(event),
    )


def _voucher_row(event: Event, voucher: Voucher) -> VoucherRow:
    return VoucherRow(
        id=voucher.pk,
        code=voucher.code,
        kind=voucher.kind,
        value=voucher.value,
        max_usages=voucher.max_usages,
        redeemed=voucher.redeemed,
        valid_from=local_input_value(voucher.valid_from, event.tz),
        valid_until=local_input_value(voucher.valid_until, event.tz),
        ticket_types=[t.name for t in voucher.ticket_types.all()],
        dates=[d.starts_at.astimezone(event.tz) for d in voucher.dates.all()],
        can_delete=voucher.redeemed == 0 and not voucher.orders.exists(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    # Door staff only check tickets in; the editor is for managers.
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    if request.method == "GET":
        return render_page(
            request, _editor_props(membership, event), template_data={"page_title": event.title}
        )
    form = EventForm(submitted_data(request), request.FILES, instance=event)
    if not form.is_valid():
        event.refresh_from_db()
        return render_with_errors(request, _editor_props(membership, event), form_errors(form))
    # A single-date event's new times move its date and tell its buyers.
    try:
        event = date_changes.save_event(
            form, membership.organizer, by=request.user, base_url=request.build_absolute_uri("/")
        )
    except ValidationError as error:
        event.refresh_from_db()
        return render_with_errors(request, _editor_props(membership, event), validation_errors(error))
    messages.success(request, gettext("Event saved."))
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=event.slug)


def _editor_url(request: HttpRequest, organizer_slug: str, event_slug: str, **_: object) -> str:
    """The event editor, where the ticket type, voucher and status forms live."""
    return reverse("backoffice:event", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug})


@login_required
@form_page(_editor_url)
def event_status(request: HttpRequest, organizer_slug: str, event_slug: str, action: str) -> HttpResponse:
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    # Cancelling is event_cancel's: it settles the event's orders.
    target = {"publish": Event.Status.PUBLISHED, "unpublish": Event.Status.DRAFT}
    try:
        event = services.change_status(event, target[action])
    except ValidationError as error:
        return render_with_errors(
            request, _editor_props(membership, event), {"status": " ".join(error.messages)}
        )
    done = {
        "publish": gettext("“%(event)s” is published."),
        "unpublish": gettext("“%(event)s” is unpublished."),
    }[action]
    messages.success(request, done % {"event": event.title})
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=event.slug)


def _cancel_props(membership: Membership, event: Event) -> EventCancelPageProps:
    return EventCancelPageProps(
        organizer=OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        currency=event.currency,
        impact=cancellation_impact(event_cancellation.impact(event)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Cancelling the event: what it will do, a reason, and the confirmation. Once it is
    cancelled this way, its progress page."""
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    if event_cancellation.progress(event) is not None:
        return redirect("backoffice:event_cancellation", organizer_slug=organizer_slug, event_slug=event.slug)
    if request.method == "GET":
        return render_page(
            request,
            _cancel_props(membership, event),
            template_data={"page_title": gettext("Cancel %(event)s") % {"event": event.title}},
        )
    form = CancelEventForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _cancel_props(membership, event), form_errors(form))
    cancellation = event_cancellation.cancel_event(
        event, by=request.user, base_url=request.build_absolute_uri("/"), reason=form.cleaned_data["reason"]
    )
    if cancellation.status == EventCancellation.Status.DONE:
        messages.success(request, gettext("“%(event)s” is cancelled.") % {"event": event.title})
    else:
        messages.success(
            request,
            gettext("“%(event)s” is cancelled; its orders are being settled.") % {"event": event.title},
        )
    return redirect("backoffice:event_cancellation", organizer_slug=organizer_slug, event_slug=event.slug)


@login_required
@require_GET
def event_cancellation_page(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str
) -> HttpResponse:
    """The progress of the event's cancellation (the page reloads itself while it runs)."""
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    progress = event_cancellation.progress(event)
    if progress is None:
        return redirect("backoffice:event_cancel", organizer_slug=organizer_slug, event_slug=event.slug)
    props = EventCancellationPageProps(
        organizer=OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        currency=event.currency,
        progress=cancellation_progress(event, progress),
    )
    return render_page(
        request,
        props,
        template_data={"page_title": gettext("%(event)s: cancellation") % {"event": event.title}},
    )


@login_required
@require_POST
def event_cancellation_retry(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str
) -> HttpResponse:
    """Settle again what is left: refunds the provider refused, or a run that stopped."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    if event_cancellation.progress(event) is None:
        return redirect("backoffice:event_cancel", organizer_slug=organizer_slug, event_slug=event.slug)
    event_cancellation.cancel_event(event, by=request.user, base_url=request.build_absolute_uri("/"))
    messages.success(request, gettext("Settling the orders that are left again."))
    return redirect("backoffice:event_cancellation", organizer_slug=organizer_slug, event_slug=event.slug)


def _duplicate_props(membership: Membership, event: Event) -> EventDuplicatePageProps:
    first = copied_dates(event)[0]
    return EventDuplicatePageProps(
        organizer=OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        initial=DuplicateEventValues(
            title=copy_title(event, ""),
            starts_at=local_input_value(first.starts_at, event.tz),
            copy_vouchers=False,
        ),
        date_count=len(copied_dates(event)),
        ticket_type_count=event.ticket_types.count(),
        voucher_count=event.vouchers.count(),
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_duplicate(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Duplicating the event into a new draft (title, new start, vouchers or not), then
    the draft's editor."""
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    if request.method == "GET":
        return render_page(
            request,
            _duplicate_props(membership, event),
            template_data={"page_title": gettext("Duplicate %(event)s") % {"event": event.title}},
        )
    form = DuplicateEventForm(submitted_data(request), event=event)
    if not form.is_valid():
        return render_with_errors(request, _duplicate_props(membership, event), form_errors(form))
    try:
        copy = duplicate_event(
            event,
            new_start=form.cleaned_data["starts_at"],
            title=form.cleaned_data["title"],
            vouchers=form.cleaned_data["copy_vouchers"],
            actor=Actor(user=request.user),
        )
    except ValidationError as error:
        return render_with_errors(request, _duplicate_props(membership, event), validation_errors(error))
    messages.success(
        request,
        gettext("“%(copy)s” was created as a draft copy of “%(event)s”.")
        % {"copy": copy.title, "event": event.title},
    )
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=copy.slug)


def _ticket_type_errors(
    request: HttpRequest, membership: Membership, event: Event, form: TicketTypeForm, key: str
) -> HttpResponse:
    # Errors are keyed per form ("new" or the ticket type id) so the editor shows them on the right row.
    errors = {f"{key}.{field}": message for field, message in form_errors(form).items()}
    return render_with_errors(request, _editor_props(membership, event), errors)


@login_required
@form_page(_editor_url)
def ticket_type_create(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    form = TicketTypeForm(submitted_data(request), event=event)
    if not form.is_valid():
        return _ticket_type_errors(request, membership, event, form, "new")
    ticket_type = services.save_ticket_type(form)
    messages.success(request, gettext("Ticket type “%(name)s” added.") % {"name": ticket_type.name})
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=event_slug)


@login_required
@form_page(_editor_url)
def ticket_type_update(
    request: HttpRequest, organizer_slug: str, event_slug: str, ticket_type_id: int
) -> HttpResponse:
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    ticket_type = get_object_or_404(TicketType, pk=ticket_type_id, event=event)
    data = submitted_data(request)
    action = data.get("action")
    try:
        if action == "delete":
            services.delete_ticket_type(ticket_type)
            messages.success(request, gettext("Ticket type “%(name)s” deleted.") % {"name": ticket_type.name})
        elif action in ("up", "down"):
            services.move_ticket_type(ticket_type, action)
        else:
            form = TicketTypeForm(data, instance=ticket_type, event=event)
            if not form.is_valid():
                return _ticket_type_errors(request, membership, event, form, str(ticket_type.pk))
            services.save_ticket_type(form)
            messages.success(request, gettext("Ticket type “%(name)s” saved.") % {"name": ticket_type.name})
    except ValidationError as error:
        return render_with_errors(
            request, _editor_props(membership, event), {f"{ticket_type.pk}.form": " ".join(error.messages)}
        )
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=event_slug)


@login_required
@form_page(_editor_url)
def voucher_create(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    form = VoucherForm(submitted_data(request), event=event)
    if not form.is_valid():
        errors = {f"voucher.{field}": message for field, message in form_errors(form).items()}
        return render_with_errors(request, _editor_props(membership, event), errors)
    voucher = form.save()
    messages.success(request, gettext("Voucher %(code)s created.") % {"code": voucher.code})
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=event_slug)


@login_required
@form_page(_editor_url)
def voucher_delete(
    request: HttpRequest, organizer_slug: str, event_slug: str, voucher_id: int
) -> HttpResponse:
    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    voucher = get_object_or_404(Voucher, pk=voucher_id, event=event)
    if voucher.redeemed or voucher.orders.exists():
        return render_with_errors(
            request,
            _editor_props(membership, event),
            {
                "voucher.form": gettext("Voucher %(code)s has been used; it cannot be deleted.")
                % {"code": voucher.code}
            },
        )
    voucher.delete()
    messages.success(request, gettext("Voucher %(code)s deleted.") % {"code": voucher.code})
    return redirect("backoffice:event", organizer_slug=organizer_slug, event_slug=event_slug)
