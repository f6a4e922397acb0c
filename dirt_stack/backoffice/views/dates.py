"""Back office: an event's dates (managers only). Add one or many from a rule (with a
preview), edit one or several, move, cancel or delete one.

Errors come back keyed by the form they belong to, so the page shows them in the
right place: ``add.<field>``, ``rule.<field>``, ``bulk.<field>`` and, for one date,
``<date id>.edit.<field>``, ``<date id>.move.<field>``, ``<date id>.cancel.<field>``
and ``<date id>.delete``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership
from backoffice.access import MANAGERS, managed_event
from backoffice.schemas import (
    DateInputs,
    DatesPageProps,
    DatesPreview,
    DatesTicketType,
    EventInZone,
    ManagedDate,
    ManagedDateOffer,
    PreviewDate,
)
from core.inertia import (
    form_errors,
    form_page,
    render_page,
    render_with_errors,
    submitted_data,
    validation_errors,
)
from events import date_services
from events.forms import (
    BulkDateForm,
    CancelDateForm,
    DateForm,
    DateTicketTypeForm,
    MoveDateForm,
    local_input_value,
)
from events.models import DateTicketType, Event, EventDate
from events.recurrence import RecurrenceForm
from sales import date_changes, quotas
from sales.order_actions import Actor
from storefront.schemas import OrganizerRef


def _dates_url(organizer_slug: str, event_slug: str) -> str:
    return f"/manage/{organizer_slug}/events/{event_slug}/dates/"


def _page_props(membership: Membership, event: Event) -> DatesPageProps:
    tz = event.tz
    dates = list(EventDate.objects.filter(event=event).order_by("starts_at", "pk"))
    for date in dates:
        date.event = event
    left = quotas.availability_by_date(dates)
    sold = quotas.sold_per_date(event)
    sold_by_type = quotas.sold_per_date_and_type(event)
    affected = date_changes.affected_per_date(event)
    offers: dict[int, list[DateTicketType]] = {date.pk: [] for date in dates}
    for row in DateTicketType.objects.filter(date__event=event).select_related("ticket_type"):
        offers[row.date_id].append(row)
    ticket_types = list(event.ticket_types.all())
    # Deletable: no orders ever and nothing held (vouchers limited to it are checked on delete).
    ordered = set(event.orders.values_list("date_id", flat=True).distinct())
    rows = []
    for date in dates:
        who = affected.get(date.pk, date_changes.Affected())
        rows.append(
            ManagedDate(
                id=date.pk,
                starts_at=date.starts_at.astimezone(tz),
                ends_at=date.ends_at.astimezone(tz),
                admission_at=date.admission_at.astimezone(tz) if date.admission_at else None,
                inputs=DateInputs(
                    starts_at=local_input_value(date.starts_at, tz),
                    ends_at=local_input_value(date.ends_at, tz),
                    admission_at=local_input_value(date.admission_at, tz),
                    sales_start=local_input_value(date.sales_start, tz),
                    sales_end=local_input_value(date.sales_end, tz),
                ),
                venue_name=date.venue_name,
                venue_address=date.venue_address,
                venue=date.venue_label,
                status=date.status,
                capacity=date.capacity,
                sold=sold[date.pk],
                allocated=sum(row.allocated for row in offers[date.pk]),
                available=left[date.pk].total,
                total_capacity=left[date.pk].capacity,
                has_ended=date.has_ended,
                orders=who.orders,
                buyers=who.buyers,
                can_delete=len(dates) > 1
                and not any(row.allocated for row in offers[date.pk])
                and date.pk not in ordered,
                offers=[
                    ManagedDateOffer(
                        ticket_type_id=row.ticket_type_id,
                        name=row.ticket_type.name,
                        capacity=row.capacity,
                        sold=sold_by_type[date.pk, row.ticket_type_id],
                        available=left[date.pk].per_ticket_type.get(row.ticket_type_id, 0),
                        price=row.price,
                        effective_price=row.effective_price,
                        offered=row.offered,
                        can_withdraw=row.allocated == 0,
                    )
                    for row in offers[date.pk]
                ],
            )
        )
    return DatesPageProps(
        organizer=OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        currency=event.currency,
        dates=rows,
        ticket_types=[
            DatesTicketType(id=t.pk, name=t.name, price=t.price, capacity=t.capacity) for t in ticket_types
        ],
    )


def _prefixed_errors(form: BaseForm) -> dict[str, str]:
    """A form's errors keyed by its inputs' names ("capacity", or "tt3-capacity" when prefixed)."""
    return {
        (field if field == "form" else form.add_prefix(field)): message
        for field, message in form_errors(form).items()
    }


def _submitted(
    request: HttpRequest,
    membership: Membership,
    event: Event,
    key: str,
    forms: Sequence[BaseForm],
    save: Callable[[], None],
) -> HttpResponse:
    """How every form of the page is answered: when ``forms`` are valid, ``save`` (which
    calls the service and says what it did) and back to the page; otherwise, or when the
    service refuses (ValidationError), the page again with the errors under ``key``
    ("add", "<date id>.edit", ...)."""
    errors: dict[str, str] = {}
    for form in forms:
        if not form.is_valid():
            errors.update(_prefixed_errors(form))
    if not errors:
        try:
            save()
        except ValidationError as error:
            errors = validation_errors(error)
    if errors:
        return render_with_errors(
            request,
            _page_props(membership, event),
            {f"{key}.{field}": message for field, message in errors.items()},
        )
    return redirect(_dates_url(membership.organizer.slug, event.slug))


def _managed(request: HttpRequest, organizer_slug: str, event_slug: str) -> tuple[Membership, Event]:
    return managed_event(request, organizer_slug, event_slug, MANAGERS)


def _managed_date(
    request: HttpRequest, organizer_slug: str, event_slug: str, date_id: int
) -> tuple[Membership, Event, EventDate]:
    membership, event = _managed(request, organizer_slug, event_slug)
    date = get_object_or_404(EventDate, pk=date_id, event=event)
    date.event = event
    return membership, event, date


def _actor(request: AuthenticatedHttpRequest) -> Actor:
    return Actor(user=request.user)


@login_required
@require_GET
def dates(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    membership, event = _managed(request, organizer_slug, event_slug)
    return render_page(
        request,
        _page_props(membership, event),
        template_data={"page_title": gettext("Dates · %(event)s") % {"event": event.title}},
    )


def _dates_page(request: HttpRequest, organizer_slug: str, event_slug: str, **_: object) -> str:
    """The dates page, where every date form lives."""
    return _dates_url(organizer_slug, event_slug)


@login_required
@form_page(_dates_page)
def date_create(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    membership, event = _managed(request, organizer_slug, event_slug)
    form = DateForm(submitted_data(request), event=event)

    def save() -> None:
        date = date_services.add_date(form)
        messages.success(
            request, gettext("Date added: %(date)s.") % {"date": date_services.date_label(date, event)}
        )

    return _submitted(request, membership, event, "add", [form], save)


def _rule_form(request: HttpRequest, event: Event) -> RecurrenceForm:
    return RecurrenceForm(submitted_data(request), tz=event.tz)


@login_required
@require_POST
def dates_preview(request: HttpRequest, organizer_slug: str, event_slug: str) -> JsonResponse:
    """The dates a rule would add, without adding anything (422 with errors when it is not valid)."""
    _, event = _managed(request, organizer_slug, event_slug)
    form = _rule_form(request, event)
    if not form.is_valid():
        return JsonResponse(
            DatesPreview(dates=[], new=0, errors=form_errors(form)).model_dump(mode="json"), status=422
        )
    taken = date_services.existing_starts(event, form.occurrences)
    preview = [
        PreviewDate(
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            admission_at=t.admission_at,
            exists=t.starts_at in taken,
        )
        for t in form.occurrences
    ]
    answer = DatesPreview(dates=preview, new=sum(not p.exists for p in preview), errors={})
    return JsonResponse(answer.model_dump(mode="json"))


@login_required
@form_page(_dates_page)
def dates_from_rule(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    membership, event = _managed(request, organizer_slug, event_slug)
    form = _rule_form(request, event)

    def save() -> None:
        added = date_services.add_dates_from_rule(event, form.occurrences)
        created, skipped = len(added.created), len(added.skipped)
        done = ngettext("%(count)s date added.", "%(count)s dates added.", created) % {"count": created}
        if skipped:
            existed = ngettext(
                "%(count)s date already existed.", "%(count)s dates already existed.", skipped
            ) % {"count": skipped}
            done = f"{done} {existed}"
        messages.success(request, done)

    return _submitted(request, membership, event, "rule", [form], save)


def _offer_forms(date: EventDate, data: Any) -> list[DateTicketTypeForm]:
    """A form for each of the date's ticket types the post changes (sends a ``tt<id>-`` field of)."""
    rows = DateTicketType.objects.filter(date=date).select_related("ticket_type")
    forms = [DateTicketTypeForm(data, instance=row) for row in rows]
    return [form for form in forms if any(str(name).startswith(f"{form.prefix}-") for name in data)]


@login_required
@form_page(_dates_page)
def date_update(request: HttpRequest, organizer_slug: str, event_slug: str, date_id: int) -> HttpResponse:
    membership, event, date = _managed_date(request, organizer_slug, event_slug, date_id)
    data = submitted_data(request)
    form = DateForm(data, instance=date, event=event)
    offers = _offer_forms(date, data)

    def save() -> None:
        saved = date_services.edit_date(form, offers)
        messages.success(
            request, gettext("%(date)s saved.") % {"date": date_services.date_label(saved, event)}
        )

    return _submitted(request, membership, event, f"{date.pk}.edit", [form, *offers], save)


@login_required
@form_page(_dates_page)
def dates_bulk(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    membership, event = _managed(request, organizer_slug, event_slug)
    form = BulkDateForm(submitted_data(request), event=event)

    def save() -> None:
        changed = date_services.bulk_edit(form)
        messages.success(
            request,
            ngettext("%(count)s date changed.", "%(count)s dates changed.", len(changed))
            % {"count": len(changed)},
        )

    return _submitted(request, membership, event, "bulk", [form], save)


@login_required
@form_page(_dates_page)
def date_move(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, date_id: int
) -> HttpResponse:
    membership, event, date = _managed_date(request, organizer_slug, event_slug, date_id)
    form = MoveDateForm(submitted_data(request), event=event)

    def save() -> None:
        moved = date_changes.move_date(
            date,
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            admission_at=form.cleaned_data["admission_at"],
            by=_actor(request),
            base_url=request.build_absolute_uri("/"),
        )
        if not moved.changed:
            messages.info(request, gettext("The times are the same; nothing changed."))
            return
        done = gettext("Date moved to %(date)s.") % {"date": date_services.date_label(date, event)}
        if moved.emails_queued:
            told = ngettext(
                "The buyers of %(count)s order are being emailed the new time.",
                "The buyers of %(count)s orders are being emailed the new time.",
                moved.emails_queued,
            ) % {"count": moved.emails_queued}
            done = f"{done} {told}"
        messages.success(request, done)

    return _submitted(request, membership, event, f"{date.pk}.move", [form], save)


@login_required
@form_page(_dates_page)
def date_cancel(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, date_id: int
) -> HttpResponse:
    membership, event, date = _managed_date(request, organizer_slug, event_slug, date_id)
    form = CancelDateForm(submitted_data(request))

    def save() -> None:
        result = date_changes.cancel_date(
            date,
            by=_actor(request),
            base_url=request.build_absolute_uri("/"),
            reason=form.cleaned_data["reason"],
        )
        # Translators: refunded, cancelled and emails are the three counts below.
        summary = gettext("%(date)s is cancelled: %(refunded)s, %(cancelled)s, %(emails)s.") % {
            "date": date_services.date_label(date, event),
            "refunded": ngettext(
                "%(count)s order refunded", "%(count)s orders refunded", result.orders_refunded
            )
            % {"count": result.orders_refunded},
            "cancelled": ngettext(
                "%(count)s unpaid order cancelled",
                "%(count)s unpaid orders cancelled",
                result.orders_cancelled,
            )
            % {"count": result.orders_cancelled},
            "emails": ngettext(
                "%(count)s email to the buyers", "%(count)s emails to the buyers", result.emails_queued
            )
            % {"count": result.emails_queued},
        }
        if result.refunds_failed:
            failed = ngettext(
                "The refund of %(orders)s failed; it stays paid. "
                "Cancel the date again to retry it, or refund it from its order page.",
                "The refunds of %(orders)s failed; they stay paid. "
                "Cancel the date again to retry them, or refund them from their order pages.",
                len(result.refunds_failed),
            ) % {"orders": ", ".join(result.refunds_failed)}
            messages.error(request, f"{summary} {failed}")
        else:
            messages.success(request, summary)

    return _submitted(request, membership, event, f"{date.pk}.cancel", [form], save)


@login_required
@form_page(_dates_page)
def date_delete(request: HttpRequest, organizer_slug: str, event_slug: str, date_id: int) -> HttpResponse:
    membership, event, date = _managed_date(request, organizer_slug, event_slug, date_id)
    label = date_services.date_label(date, event)
    try:
        date_services.delete_date(date)
    except ValidationError as error:
        errors = {f"{date.pk}.delete": " ".join(error.messages)}
        return render_with_errors(request, _page_props(membership, event), errors)
    messages.success(request, gettext("%(date)s deleted.") % {"date": label})
    return redirect(_dates_url(organizer_slug, event_slug))
