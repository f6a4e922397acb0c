"""Translated email texts (ADR 0035): subject and body in the event's other languages; the
existing texts are the event's language's."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0014_order_locale_tax_invoice_address")]

    operations = [
        migrations.AddField(
            model_name="emailtext",
            name="translations",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
