"""Move date-times stored outside core.datetimes' window (year 10000 in UTC, written
before the forms checked it) to its nearest edge, so that the next migration's CHECK
constraints can be added. Orderings hold: a start never passes its end, and a sales
window's start stays a second before its end."""

import datetime as dt

from django.db import migrations

from core.datetimes import LAST_SECOND, WINDOW_START, move_into_window

SECOND = dt.timedelta(seconds=1)


def forwards(apps, schema_editor):
    event, date, ticket_type = (apps.get_model("events", name) for name in ("Event", "EventDate", "TicketType"))
    for model, field in [(event, "starts_at"), (event, "ends_at"), (date, "starts_at"), (date, "ends_at")]:
        move_into_window(model, field)
    move_into_window(date, "admission_at")
    for model in (date, ticket_type):
        move_into_window(model, "sales_start", highest=LAST_SECOND - SECOND)
        move_into_window(model, "sales_end", lowest=WINDOW_START + SECOND)


class Migration(migrations.Migration):
    dependencies = [("events", "0003_remove_event_allocated")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
