"""Events and ticket types as the back office's editor (and the REST API's event fields) show them."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext

from backoffice.schemas import (
    CancellationImpact,
    CancellationProgress,
    DateChoice,
    EventFormValues,
    FailedRefundRow,
    ManagedTicketType,
    ManualRefundRow,
    PaymentRow,
    RefundRow,
    RoomChangeRow,
    RoomCounts,
    RoomSettings,
    WaitlistEntryRow,
    WaitlistOfferRow,
    WaitlistSettingsOut,
    WebhookAttemptRow,
    WebhookChangeRow,
    WebhookDeliveryDetail,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)
from backoffice.schemas.common import IdName
from core import domain_events
from core.schemas import Option
from events.forms import local_input_value
from events.models import Event, EventDate, TicketType
from onsale import services as onsale
from onsale.models import Room, RoomChange
from sales import event_cancellation, lifecycle
from sales.models import Order
from waitlist import services as waitlist
from waitlist.models import Entry
from webhooks.models import EndpointChange, WebhookDelivery, WebhookEndpoint


def event_form_values(event: Event) -> EventFormValues:
    """The event's fields as the editor's inputs show them (times in the event's zone)."""
    tz = event.tz
    return EventFormValues(
        title=event.title,
        slug=event.slug,
        description=event.description,
        venue_name=event.venue_name,
        venue_address=event.venue_address,
        is_online=event.is_online,
        timezone=event.timezone,
        starts_at=local_input_value(event.starts_at, tz),
        ends_at=local_input_value(event.ends_at, tz),
        currency=event.currency,
        capacity=event.capacity,
        hold_minutes=event.hold_minutes,
        collect_attendee_names=event.collect_attendee_names,
        payment_methods=event.payment_methods,
        offline_payment_days=event.offline_payment_days,
        buyer_share_percent=event.buyer_share_percent,
        max_tickets_per_buyer=event.max_tickets_per_buyer,
        confirm_bank_transfers=event.confirm_bank_transfers,
        max_tickets_per_email=event.max_tickets_per_email,
        name_change_deadline_hours=event.name_change_deadline_hours,
        locale=event.locale,
        locales=list(event.locales),
        translations=event.translations,
    )


def ticket_type_manage(event: Event, ticket_type: TicketType, sold: int) -> ManagedTicketType:
    """A ticket type in the editor; ``allocated`` is on all its dates together."""
    tz = event.tz
    allocated = ticket_type.date_ticket_types.aggregate(n=Sum("allocated"))["n"] or 0
    return ManagedTicketType(
        id=ticket_type.pk,
        name=ticket_type.name,
        description=ticket_type.description,
        translations=ticket_type.translations,
        price=ticket_type.price,
        capacity=ticket_type.capacity,
        sold=sold,
        allocated=allocated,
        sales_start=local_input_value(ticket_type.sales_start, tz),
        sales_end=local_input_value(ticket_type.sales_end, tz),
        min_per_order=ticket_type.min_per_order,
        max_per_order=ticket_type.max_per_order,
        max_tickets_per_email=ticket_type.max_tickets_per_email,
        hidden=ticket_type.hidden,
        can_delete=ticket_type.can_be_deleted(),
    )


def date_choice(event: Event, date: EventDate) -> DateChoice:
    return DateChoice(id=date.pk, starts_at=date.starts_at.astimezone(event.tz), status=date.status)


def date_choices(event: Event) -> list[DateChoice]:
    """The event's dates, soonest first, for a date filter or a form's choices (one query)."""
    return [date_choice(event, date) for date in event.dates.order_by("starts_at", "id")]


def cancellation_impact(impact: event_cancellation.Impact) -> CancellationImpact:
    return CancellationImpact(**dataclasses.asdict(impact))


def cancellation_progress(event: Event, progress: event_cancellation.Progress) -> CancellationProgress:
    """An event's cancellation's progress, its times in the event's zone."""
    cancellation = progress.cancellation
    if cancellation.created_by is not None:
        cancelled_by = cancellation.created_by.email
    elif cancellation.token_name:
        cancelled_by = gettext("API token “%(name)s”") % {"name": cancellation.token_name}
    else:
        cancelled_by = ""
    return CancellationProgress(
        status=cancellation.status,
        reason=cancellation.reason,
        cancelled_by=cancelled_by,
        cancelled_at=cancellation.created_at.astimezone(event.tz),
        finished_at=cancellation.finished_at.astimezone(event.tz) if cancellation.finished_at else None,
        orders_total=cancellation.orders_total,
        orders_settled=cancellation.orders_settled,
        refunds_failed=cancellation.refunds_failed,
        manual_refunds=cancellation.manual_refunds,
        stalled=progress.stalled,
        failed=[FailedRefundRow(**dataclasses.asdict(row)) for row in progress.failed],
        manual=[ManualRefundRow(**dataclasses.asdict(row)) for row in progress.manual],
    )


def payment_rows(order: Order) -> list[PaymentRow]:
    return [
        PaymentRow(
            provider=p.provider,
            amount=p.amount,
            status=p.status,
            reference=p.reference,
            needs_refund=p.needs_refund,
        )
        for p in order.payments.all()
    ]


def refund_rows(order: Order) -> list[RefundRow]:
    """The order's refunds as the back office shows them (pending and failed ones too)."""
    retryable = set(order.refunds.filter(lifecycle.retryable_refunds()).values_list("pk", flat=True))
    return [
        RefundRow(
            id=r.pk,
            amount=r.amount,
            reason=r.reason,
            status=r.status,
            reference=r.reference,
            error=r.error,
            paid_back_by_organizer=r.paid_back_by_organizer,
            tickets=len(r.ticket_ids),
            retryable=r.pk in retryable,
            created_at=r.created_at,
        )
        for r in order.refunds.all()
    ]


# --- The on-sale room ----------------------------------------------------------------------


def room_settings(event: Event, room: Room | None) -> RoomSettings:
    """The room's settings as the form shows them; a new room's defaults when none."""
    tz = event.tz
    if room is None:
        room = Room(event=event)  # its defaults, unsaved
    return RoomSettings(
        enabled=room.enabled,
        queue_opens_at=local_input_value(room.queue_opens_at, tz),
        sale_starts_at=local_input_value(room.sale_starts_at, tz),
        admissions_per_minute=room.admissions_per_minute,
        max_active_shoppers=room.max_active_shoppers,
        session_minutes=room.session_minutes,
        mode=room.mode,
    )


def room_counts(room: Room | None) -> RoomCounts:
    if room is None:
        return RoomCounts(
            prequeued=0,
            queued=0,
            admitted=0,
            used=0,
            active_holds=0,
            admissions_last_minute=0,
            sold_out=False,
            paused=False,
            active=False,
        )
    counts = onsale.counts(room)
    return RoomCounts(
        prequeued=counts.prequeued,
        queued=counts.queued,
        admitted=counts.admitted,
        used=counts.used,
        active_holds=counts.active_holds,
        admissions_last_minute=counts.admissions_last_minute,
        sold_out=counts.sold_out,
        paused=counts.paused,
        active=room.active,
    )


def _change_summary(detail: Any) -> str:
    """``{"before": {...}, "after": {...}}`` as "name: old → new" for each value that changed."""
    if not isinstance(detail, dict):
        return ""
    before, after = detail.get("before"), detail.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        return ", ".join(
            f"{name}: {before.get(name)} → {after.get(name)}"
            for name in sorted(set(before) | set(after))
            if before.get(name) != after.get(name)
        )
    return ", ".join(f"{name}: {value}" for name, value in sorted(detail.items()))


def room_changes(room: Room | None, limit: int = 50) -> list[RoomChangeRow]:
    if room is None:
        return []
    return [
        RoomChangeRow(
            action=change.action,
            summary=_change_summary(change.detail),
            actor=change.actor_label,
            created_at=change.created_at,
        )
        for change in RoomChange.objects.filter(room=room).order_by("-created_at", "-pk")[:limit]
    ]


# --- The waiting list ----------------------------------------------------------------------


def waitlist_settings(event: Event) -> WaitlistSettingsOut:
    found = waitlist.settings_of(event)
    return WaitlistSettingsOut(enabled=found.enabled, offer_hours=found.offer_hours)


def waitlist_entries(event: Event) -> list[WaitlistEntryRow]:
    """Every entry of the event, by date, ticket type and FIFO order (offers settled first);
    ``position`` counts the waiting entries of the same ticket type on the same date."""
    waitlist.settle_offers(event.dates.values_list("id", flat=True))
    tz = event.tz
    entries = list(
        Entry.objects.filter(event=event)
        .select_related("date", "ticket_type")
        .prefetch_related("offers__order")
        .order_by(
            "date__starts_at", "date_id", "ticket_type__position", "ticket_type_id", "confirmed_at", "id"
        )
    )
    places: dict[tuple[int, int], int] = {}
    rows = []
    for entry in entries:
        position = None
        if entry.status == Entry.Status.WAITING:
            key = (entry.date_id, entry.ticket_type_id)
            places[key] = position = places.get(key, 0) + 1
        rows.append(
            WaitlistEntryRow(
                id=entry.pk,
                status=entry.status,
                position=position,
                email=entry.email,
                quantity=entry.quantity,
                date_id=entry.date_id,
                date_starts_at=entry.date.starts_at.astimezone(tz),
                ticket_type_id=entry.ticket_type_id,
                ticket_type=entry.ticket_type.name,
                created_at=entry.created_at.astimezone(tz),
                confirmed_at=entry.confirmed_at.astimezone(tz) if entry.confirmed_at else None,
                offers=[
                    WaitlistOfferRow(
                        id=offer.pk,
                        status=offer.status,
                        quantity=offer.quantity,
                        unit_price=offer.unit_price,
                        created_at=offer.created_at.astimezone(tz),
                        expires_at=offer.expires_at.astimezone(tz),
                        made_by=offer.made_by,
                        order_code=offer.order.code if offer.order else None,
                    )
                    for offer in entry.offers.all()
                ],
            )
        )
    return rows


# --- webhooks ------------------------------------------------------------------------------------


def webhook_endpoint(endpoint: WebhookEndpoint) -> WebhookEndpointRow:
    return WebhookEndpointRow(
        id=endpoint.pk,
        url=endpoint.url,
        description=endpoint.description,
        event_types=list(endpoint.event_types),
        events=sorted(e.pk for e in endpoint.events.all()),
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        failing_since=endpoint.failing_since,
        previous_secret_until=endpoint.previous_secret_until
        if endpoint.previous_secret and endpoint.previous_secret_until
        else None,
        created_at=endpoint.created_at,
    )


def _strings(values: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


def webhook_delivery(delivery: WebhookDelivery) -> WebhookDeliveryRow:
    return WebhookDeliveryRow(
        id=delivery.pk,
        endpoint_id=delivery.endpoint_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        event=delivery.event.title if delivery.event_id and delivery.event else None,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
    )


def webhook_delivery_detail(delivery: WebhookDelivery) -> WebhookDeliveryDetail:
    return WebhookDeliveryDetail(
        **webhook_delivery(delivery).model_dump(),
        payload=delivery.payload,
        attempts_made=[
            WebhookAttemptRow(
                attempted_at=a.attempted_at,
                request_headers=_strings(a.request_headers),
                response_status=a.response_status,
                response_headers=_strings(a.response_headers),
                response_body=a.response_body,
                duration_ms=a.duration_ms,
                error=a.error,
            )
            for a in delivery.attempts_made.all()
        ],
    )


def webhook_changes(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookChangeRow]:
    return [
        WebhookChangeRow(
            action=change.action,
            actor=change.actor_label or (change.actor.email if change.actor else ""),
            detail=change.detail if isinstance(change.detail, dict) else {},
            created_at=change.created_at,
        )
        for change in EndpointChange.objects.filter(endpoint=endpoint).select_related("actor")[:limit]
    ]


def webhook_event_type_options() -> list[Option]:
    return [Option(value=t, label=t) for t in domain_events.TYPES]


def webhook_event_options(organizer_id: int) -> list[IdName]:
    return [
        IdName(id=pk, name=title)
        for pk, title in Event.objects.filter(organizer_id=organizer_id)
        .order_by("-starts_at")
        .values_list("pk", "title")
    ]
