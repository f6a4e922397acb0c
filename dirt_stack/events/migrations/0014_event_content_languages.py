"""Translated event content (ADR 0035): an event's enabled languages and the translations of
its and its ticket types' texts. Existing texts are their event's language's (the columns)."""

from typing import Any

from django.db import migrations, models

import events.models


def enable_own_language(apps: Any, schema_editor: Any) -> None:
    Event = apps.get_model("events", "Event")
    for locale in Event.objects.values_list("locale", flat=True).distinct():
        Event.objects.filter(locale=locale).update(locales=[locale])


class Migration(migrations.Migration):
    dependencies = [("events", "0013_event_country_event_locale")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="locales",
            field=models.JSONField(
                default=events.models.default_locales, validators=[events.models.validate_locales]
            ),
        ),
        migrations.AddField(
            model_name="event",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="tickettype",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(enable_own_language, migrations.RunPython.noop),
    ]
