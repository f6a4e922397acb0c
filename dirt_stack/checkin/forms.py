from __future__ import annotations

from typing import Any

from django import forms

from checkin.models import CheckInList
from events.models import Event


class CheckInListForm(forms.ModelForm):
    class Meta:
        model = CheckInList
        fields = ["name", "all_ticket_types", "ticket_types"]

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.event = event
        self.fields["ticket_types"].queryset = event.ticket_types.all()
        self.fields["ticket_types"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("all_ticket_types") and not cleaned.get("ticket_types"):
            self.add_error("ticket_types", "Choose the ticket types this entrance admits, or admit all.")
        return cleaned
