"""Every event gets dates: an existing event becomes a series of one date.

The date takes the event's times, capacity and stock counter; each ticket type
gets its stock row on that date with its capacity and counter. Then the
counters leave Event and TicketType.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


def events_to_dates(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    EventDate = apps.get_model("events", "EventDate")
    TicketType = apps.get_model("events", "TicketType")
    DateTicketType = apps.get_model("events", "DateTicketType")
    for event in Event.objects.order_by("pk").iterator():
        date = EventDate.objects.create(
            event=event,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            status="cancelled" if event.status == "cancelled" else "on_sale",
            capacity=event.capacity,
            allocated=event.allocated,
        )
        DateTicketType.objects.bulk_create(
            DateTicketType(
                date=date,
                ticket_type=ticket_type,
                capacity=ticket_type.capacity,
                allocated=ticket_type.allocated,
            )
            for ticket_type in TicketType.objects.filter(event=event).order_by("pk")
        )


def dates_to_events(apps, schema_editor):
    """Back to one counter per event and ticket type: the sums over their dates."""
    Event = apps.get_model("events", "Event")
    TicketType = apps.get_model("events", "TicketType")
    EventDate = apps.get_model("events", "EventDate")
    DateTicketType = apps.get_model("events", "DateTicketType")
    for event in Event.objects.iterator():
        event.allocated = sum(EventDate.objects.filter(event=event).values_list("allocated", flat=True))
        event.save(update_fields=["allocated"])
    for ticket_type in TicketType.objects.iterator():
        ticket_type.allocated = sum(
            DateTicketType.objects.filter(ticket_type=ticket_type).values_list("allocated", flat=True)
        )
        ticket_type.save(update_fields=["allocated"])


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DateTicketType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("capacity", models.PositiveIntegerField()),
                ("allocated", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "price",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=10,
                        null=True,
                        validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                    ),
                ),
                ("offered", models.BooleanField(default=True)),
            ],
            options={
                "ordering": ["ticket_type__position", "ticket_type_id"],
            },
        ),
        migrations.CreateModel(
            name="EventDate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("admission_at", models.DateTimeField(blank=True, help_text="When doors open.", null=True)),
                ("sales_start", models.DateTimeField(blank=True, null=True)),
                ("sales_end", models.DateTimeField(blank=True, null=True)),
                ("venue_name", models.CharField(blank=True, max_length=200)),
                ("venue_address", models.CharField(blank=True, max_length=300)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("on_sale", "On sale"),
                            ("sold_out", "Sold out"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="on_sale",
                        max_length=12,
                    ),
                ),
                ("capacity", models.PositiveIntegerField(blank=True, null=True)),
                ("allocated", models.PositiveIntegerField(default=0, editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["starts_at", "id"],
            },
        ),
        migrations.AddField(
            model_name="datetickettype",
            name="ticket_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="date_ticket_types",
                to="events.tickettype",
            ),
        ),
        migrations.AddField(
            model_name="eventdate",
            name="event",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="dates", to="events.event"
            ),
        ),
        migrations.AddField(
            model_name="datetickettype",
            name="date",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="date_ticket_types",
                to="events.eventdate",
            ),
        ),
        migrations.AddIndex(
            model_name="eventdate",
            index=models.Index(fields=["event", "starts_at"], name="event_date_starts_idx"),
        ),
        migrations.AddConstraint(
            model_name="eventdate",
            constraint=models.CheckConstraint(
                condition=models.Q(("ends_at__gte", models.F("starts_at"))),
                name="event_date_ends_after_start",
            ),
        ),
        migrations.AddConstraint(
            model_name="eventdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("capacity__isnull", True), ("allocated__lte", models.F("capacity")), _connector="OR"
                ),
                name="event_date_allocated_within_capacity",
            ),
        ),
        migrations.AddConstraint(
            model_name="eventdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sales_start__isnull", True),
                    ("sales_end__isnull", True),
                    ("sales_end__gt", models.F("sales_start")),
                    _connector="OR",
                ),
                name="event_date_sales_window_ordered",
            ),
        ),
        migrations.AddConstraint(
            model_name="datetickettype",
            constraint=models.UniqueConstraint(fields=("date", "ticket_type"), name="date_ticket_type_once"),
        ),
        migrations.AddConstraint(
            model_name="datetickettype",
            constraint=models.CheckConstraint(
                condition=models.Q(("allocated__lte", models.F("capacity"))),
                name="date_ticket_type_allocated_within_capacity",
            ),
        ),
        migrations.AddConstraint(
            model_name="datetickettype",
            constraint=models.CheckConstraint(
                condition=models.Q(("price__isnull", True), ("price__gte", 0), _connector="OR"),
                name="date_ticket_type_price_not_negative",
            ),
        ),
        migrations.RunPython(events_to_dates, dates_to_events),
    ]
