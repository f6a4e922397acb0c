"""Translated question texts (ADR 0035): label, help text and choices in the event's other
languages; the existing texts are the event's language's."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("questions", "0003_events_ask_their_questions")]

    operations = [
        migrations.AddField(
            model_name="question",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
