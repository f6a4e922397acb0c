"""Holds and orders are for one date of their event; vouchers may be limited to some dates.

Every event has exactly one date when this runs (events 0002), so each hold and
order takes its event's date.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def rows_to_dates(apps, schema_editor):
    EventDate = apps.get_model("events", "EventDate")
    the_date = Subquery(EventDate.objects.filter(event=OuterRef("event")).order_by("pk").values("pk")[:1])
    for name in ("Hold", "Order"):
        apps.get_model("sales", name).objects.update(date=the_date)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_event_dates"),
        ("sales", "0002_ticket_voided_at_auditentry"),
    ]

    operations = [
        migrations.AddField(
            model_name="hold",
            name="date",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="holds",
                to="events.eventdate",
            ),
        ),
        migrations.AddField(
            model_name="order",
            name="date",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to="events.eventdate",
            ),
        ),
        migrations.RunPython(rows_to_dates, migrations.RunPython.noop),
    ]
