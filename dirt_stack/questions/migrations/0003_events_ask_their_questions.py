"""Events that already have questions say so on their row (``Event.asks_questions``)."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def mark(apps, schema_editor):
    Event = apps.get_model("events", "Event")
    Question = apps.get_model("questions", "Question")
    Event.objects.filter(Exists(Question.objects.filter(event=OuterRef("pk")))).update(asks_questions=True)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_event_asks_questions"),
        ("questions", "0002_answer_settings"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
