"""The stock counters live on the dates now (0002 copied them there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_event_dates"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="event",
            name="event_allocated_within_capacity",
        ),
        migrations.RemoveConstraint(
            model_name="tickettype",
            name="ticket_type_allocated_within_capacity",
        ),
        migrations.RemoveField(
            model_name="event",
            name="allocated",
        ),
        migrations.RemoveField(
            model_name="tickettype",
            name="allocated",
        ),
    ]
