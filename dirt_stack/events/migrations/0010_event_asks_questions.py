from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_per_person_limits_and_name_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="asks_questions",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
    ]
