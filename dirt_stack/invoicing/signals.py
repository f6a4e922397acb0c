"""Keeps ``Event.invoices_when_paid`` right however an event or the invoice settings are
saved (connected in apps.py): a saved event's flag is read from its organizer's settings (so a
copy loaded before the settings changed never writes a stale flag back), and settings saved
or deleted anywhere (the back office, the API, the admin, a shell) refresh the organizer's
events."""

from __future__ import annotations

from typing import Any

from events.models import Event
from invoicing.models import InvoiceSettings


def invoices_when_paid(organizer_id: int) -> bool:
    return InvoiceSettings.objects.filter(
        organizer_id=organizer_id, mode=InvoiceSettings.Mode.WHEN_PAID
    ).exists()


def refresh_flags(organizer_id: int) -> None:
    """Set ``invoices_when_paid`` on every event of the organizer from its settings."""
    wanted = invoices_when_paid(organizer_id)
    Event.objects.filter(organizer_id=organizer_id).exclude(invoices_when_paid=wanted).update(
        invoices_when_paid=wanted
    )


def event_flag(sender: type[Event], instance: Event, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if fields is not None and "invoices_when_paid" not in fields:
        return
    instance.invoices_when_paid = invoices_when_paid(instance.organizer_id)


def settings_changed(sender: type[InvoiceSettings], instance: InvoiceSettings, **kwargs: Any) -> None:
    refresh_flags(instance.organizer_id)
