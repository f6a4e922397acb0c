"""The endpoint's form: the back office and the API validate with it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Organizer
from core import domain_events
from core.input import InputRulesMixin
from events.models import Event
from webhooks import net
from webhooks.delivery import KEEP_LOG
from webhooks.models import URL_MAX

TYPE_CHOICES = [(t, t) for t in domain_events.TYPES]


class EndpointForm(InputRulesMixin, forms.Form):
    url = forms.CharField(max_length=URL_MAX, strip=True)
    description = forms.CharField(max_length=200, required=False, strip=True)
    event_types = forms.MultipleChoiceField(
        choices=TYPE_CHOICES, required=False, help_text=gettext_lazy("None chosen: every type.")
    )
    events = forms.MultipleChoiceField(
        choices=(), required=False, help_text=gettext_lazy("None chosen: every event.")
    )
    enabled = forms.BooleanField(required=False)

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizer = organizer
        events = Event.objects.filter(organizer=organizer).order_by("-starts_at").values_list("pk", "title")
        choices = self.fields["events"]
        assert isinstance(choices, forms.MultipleChoiceField)  # noqa: S101 - declared above
        choices.choices = [(str(pk), title) for pk, title in events]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            net.check_url(url)
        except net.Refused as exc:
            raise forms.ValidationError(exc.translated()) from exc
        return url

    def clean_events(self) -> list[Event]:
        ids = [int(value) for value in self.cleaned_data.get("events") or []]
        return list(Event.objects.filter(organizer=self.organizer, pk__in=ids))


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """A JSON body (the API, Inertia) as the form's data: lists stay lists, ids become text."""
    data = dict(values)
    for name in ("events", "event_types"):
        raw = data.get(name)
        if isinstance(raw, list):
            data[name] = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in raw]
    return data


class ReplayForm(InputRulesMixin, forms.Form):
    """Since when failed messages are sent again: within the log's 30 days, not ahead."""

    since = forms.DateTimeField(help_text=gettext_lazy("An ISO 8601 moment within the last 30 days."))

    def clean_since(self) -> dt.datetime:
        since: dt.datetime = self.cleaned_data["since"]
        now = timezone.now()
        if since > now:
            raise forms.ValidationError(gettext("Choose a moment in the past."))
        if since < now - KEEP_LOG:
            raise forms.ValidationError(
                gettext("The log keeps %(days)s days; choose a moment within them.") % {"days": KEEP_LOG.days}
            )
        return since
