"""Load demo data: two organizers with their users, and events in every state.

Idempotent: running it again updates the same rows (and moves the demo events'
dates so they stay where they belong relative to today) instead of adding new
ones.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organizer, User
from core.models import OutboxMessage
from demo.data import DEMO_EMAIL, DEMO_EVENTS, DEMO_PASSWORD, DOOR_EMAIL, ORGANIZERS, DemoEvent
from events import dates
from events.models import Event, EventDate, TicketType
from sales import lifecycle, pricing, purchase
from sales.models import Voucher


class Command(BaseCommand):
    help = "Create or refresh the demo organizers, their users and events in every state."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        organizers = {slug: self._organizer(slug, name, email) for slug, (name, email) in ORGANIZERS.items()}
        owner = self._user(DEMO_EMAIL, "Dana Demo")
        door = self._user(DOOR_EMAIL, "Dominik Door")
        for organizer in organizers.values():
            Membership.objects.update_or_create(
                organizer=organizer, user=owner, defaults={"role": Membership.Role.OWNER}
            )
        Membership.objects.update_or_create(
            organizer=organizers["maticko-demo"], user=door, defaults={"role": Membership.Role.DOOR_STAFF}
        )
        today = timezone.now().date()
        last_message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for demo in DEMO_EVENTS:
            event = self._event(demo, organizers[demo.organizer], today)
            self._vouchers(demo, event)
            self._sales(demo, event)
        # Demo buyers get no confirmation emails.
        OutboxMessage.objects.filter(pk__gt=last_message, sent_at__isnull=True).delete()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(DEMO_EVENTS)} events by {len(organizers)} organizers. "
                f"Organizer login: {DEMO_EMAIL} / {DEMO_PASSWORD} "
                f"(door staff: {DOOR_EMAIL} / {DEMO_PASSWORD})"
            )
        )

    def _organizer(self, slug: str, name: str, email: str) -> Organizer:
        organizer, _ = Organizer.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "contact_email": email,
                "bank_transfer_details": f"{name}\nIBAN CZ65 0800 0000 1920 0014 5399\nBIC GIBACZPX",
            },
        )
        return organizer

    def _vouchers(self, demo: DemoEvent, event: Event) -> None:
        for spec in demo.vouchers:
            voucher, _ = Voucher.objects.update_or_create(
                event=event,
                code=spec.code,
                defaults={"kind": spec.kind, "value": Decimal(spec.value), "max_usages": spec.max_usages},
            )
            voucher.ticket_types.set(event.ticket_types.filter(name__in=spec.unlocks))

    def _sales(self, demo: DemoEvent, event: Event) -> None:
        """Sell demo tickets through the purchase service, once; later runs find them sold."""
        if not demo.sold or event.orders.exists():
            return
        first_date = event.dates.order_by("starts_at").select_related("event")[0]
        for name, count in demo.sold.items():
            ticket_type = event.ticket_types.get(name=name)
            for n in range(count):
                details = pricing.BuyerDetails(
                    name=f"Demo Buyer {n + 1}",
                    email=f"buyer{n + 1}@example.com",
                    payment_method="offline",
                    attendee_names=[f"Demo Buyer {n + 1}"] if event.collect_attendee_names else [],
                )
                placed = purchase.place_order(
                    first_date, {ticket_type.pk: 1}, details, base_url="http://127.0.0.1:8000/"
                )
                lifecycle.mark_paid(placed.order, reference="demo data")

    def _user(self, email: str, name: str) -> User:
        user = User.objects.filter(email=email).first() or User.objects.create_user(email, full_name=name)
        user.set_password(DEMO_PASSWORD)
        user.full_name = name
        user.save(update_fields=["password", "full_name"])
        return user

    def _event(self, demo: DemoEvent, organizer: Organizer, today: dt.date) -> Event:
        tz = zoneinfo.ZoneInfo(demo.timezone)
        starts_at = dt.datetime.combine(
            today + dt.timedelta(days=demo.days_ahead), dt.time(demo.start_hour), tzinfo=tz
        )
        event, _ = Event.objects.update_or_create(
            slug=demo.slug,
            defaults={
                "organizer": organizer,
                "title": demo.title,
                "description": demo.description,
                "venue_name": demo.venue_name,
                "venue_address": demo.venue_address,
                "is_online": demo.is_online,
                "timezone": demo.timezone,
                "currency": demo.currency,
                "starts_at": starts_at,
                "ends_at": starts_at + dt.timedelta(hours=demo.hours),
                "status": demo.status,
                "capacity": demo.capacity,
                "collect_attendee_names": demo.collect_attendee_names,
                "payment_methods": ["demo", "offline", "stripe"],
            },
        )
        for position, ticket in enumerate(demo.ticket_types):
            sales_start = (
                dt.datetime.combine(
                    today + dt.timedelta(days=ticket.sales_start_days), dt.time(10), tzinfo=tz
                )
                if ticket.sales_start_days is not None
                else None
            )
            TicketType.objects.update_or_create(
                event=event,
                name=ticket.name,
                defaults={
                    "price": Decimal(ticket.price),
                    "capacity": ticket.capacity,
                    "sales_start": sales_start,
                    "hidden": ticket.hidden,
                    "description": ticket.description,
                    "position": position,
                },
            )
        self._dates(demo, event, starts_at)
        return event

    def _dates(self, demo: DemoEvent, event: Event, starts_at: dt.datetime) -> None:
        """The event's dates, weekly from ``starts_at``: existing ones move, missing ones are added."""
        wanted = [starts_at + dt.timedelta(weeks=n) for n in range(demo.weekly_dates)]
        existing = list(event.dates.order_by("starts_at", "pk"))
        for date, start in zip(existing, wanted, strict=False):
            EventDate.objects.filter(pk=date.pk).update(
                starts_at=start, ends_at=start + dt.timedelta(hours=demo.hours)
            )
        dates.add_dates(
            event,
            [
                dates.DateTimes(start, start + dt.timedelta(hours=demo.hours))
                for start in wanted[len(existing) :]
            ],
        )
        dates.add_stock_rows(event.dates.all(), list(event.ticket_types.all()))
        if demo.status == Event.Status.CANCELLED:
            event.dates.update(status=EventDate.Status.CANCELLED)
        dates.refresh_span(event)
