from django.db import migrations


def set_flags(apps, schema_editor):
    """Set ``Event.invoices_when_paid`` for the organizers who already invoice when paid."""
    Event = apps.get_model("events", "Event")
    InvoiceSettings = apps.get_model("invoicing", "InvoiceSettings")
    organizers = InvoiceSettings.objects.filter(mode="paid").values("organizer_id")
    Event.objects.filter(organizer_id__in=organizers).update(invoices_when_paid=True)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0016_event_invoices_when_paid"),
        ("invoicing", "0001_initial"),
    ]

    operations = [migrations.RunPython(set_flags, migrations.RunPython.noop)]
