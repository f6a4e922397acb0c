"""Forms for events and ticket types; events.services validates with them for the back office and the API.

Date-times arrive as wall-clock values ("2026-12-01T19:30", from
``<input type="datetime-local">``) and mean that time in the event's own time
zone, wherever the organizer's browser is.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import slugify

from events.models import (
    DateTicketType,
    Event,
    EventDate,
    TicketType,
    capacity_below_allocated,
    validate_timezone,
)

# The payment methods an organizer may offer (sales.payments shows those configured).
PAYMENT_METHOD_CHOICES = [("stripe", "Card (Stripe)"), ("offline", "Bank transfer"), ("demo", "Card (demo)")]

COVER_IMAGE_MAX_BYTES = 5 * 1024 * 1024
COVER_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def in_zone(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """Read a parsed date-time's wall-clock time as a time in ``tz``."""
    if value is None:
        return None
    return value.replace(tzinfo=None).replace(tzinfo=tz)


def local_input_value(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """A stored date-time as the event-local value of a datetime-local input."""
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else ""


class LocalDateTimeField(forms.DateTimeField):
    input_formats = LOCAL_INPUT_FORMATS


class EventForm(forms.ModelForm):
    starts_at = LocalDateTimeField()
    ends_at = LocalDateTimeField()
    timezone = forms.CharField(max_length=64, validators=[validate_timezone])

    class Meta:
        model = Event
        fields = [
            "title",
            "slug",
            "description",
            "venue_name",
            "venue_address",
            "is_online",
            "timezone",
            "starts_at",
            "ends_at",
            "currency",
            "capacity",
            "cover_image",
            "hold_minutes",
            "collect_attendee_names",
            "payment_methods",
            "offline_payment_days",
        ]

    payment_methods = forms.MultipleChoiceField(
        choices=PAYMENT_METHOD_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        # Checkout settings keep their current (or default) values when a form leaves them out.
        for name in ("hold_minutes", "offline_payment_days"):
            self.fields[name].required = False
        # A series' times are its dates' (edited one by one); a single-date event
        # edits its one date's times here.
        self.is_series = self.instance.pk is not None and self.instance.dates.count() > 1
        if self.is_series:
            del self.fields["starts_at"], self.fields["ends_at"]

    def clean_capacity(self) -> int | None:
        capacity = self.cleaned_data.get("capacity")
        if self.instance.pk is not None and capacity is not None:
            # The dates that follow the event's capacity take the new one.
            following = EventDate.objects.filter(event=self.instance, capacity=self.instance.capacity)
            most = max(following.values_list("allocated", flat=True), default=0)
            if most > capacity:
                raise forms.ValidationError(capacity_below_allocated(most))
        return capacity

    def clean_hold_minutes(self) -> int:
        return self.cleaned_data.get("hold_minutes") or self.instance.hold_minutes

    def clean_offline_payment_days(self) -> int:
        return self.cleaned_data.get("offline_payment_days") or self.instance.offline_payment_days

    def clean_payment_methods(self) -> list[str]:
        if "payment_methods" not in self.data:
            return self.instance.payment_methods
        return list(self.cleaned_data.get("payment_methods") or [])

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("title", ""))[:100]
        if not slug:
            raise forms.ValidationError("Choose a URL name (letters, digits, hyphens).")
        if Event.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another event already uses this URL name; choose another.")
        return slug

    def clean_cover_image(self) -> Any:
        image = self.cleaned_data.get("cover_image")
        if isinstance(image, UploadedFile):
            if image.size is not None and image.size > COVER_IMAGE_MAX_BYTES:
                raise forms.ValidationError("The image is larger than 5 MB.")
            # forms.ImageField has already opened it with Pillow.
            opened = getattr(image, "image", None)
            if opened is None or opened.format not in COVER_IMAGE_FORMATS:
                raise forms.ValidationError("Upload a JPEG, PNG or WebP image.")
        return image

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("timezone") and "timezone" not in self.errors:
            tz = zoneinfo.ZoneInfo(cleaned["timezone"])
            for name in ("starts_at", "ends_at"):
                if name in self.fields:
                    cleaned[name] = in_zone(cleaned.get(name), tz)
                    setattr(self.instance, name, cleaned.get(name))
        if not cleaned.get("is_online") and not cleaned.get("venue_name"):
            self.add_error("venue_name", "Give the venue, or mark the event as online.")
        return cleaned


class TicketTypeForm(forms.ModelForm):
    sales_start = LocalDateTimeField(required=False)
    sales_end = LocalDateTimeField(required=False)

    class Meta:
        model = TicketType
        fields = [
            "name",
            "description",
            "price",
            "capacity",
            "sales_start",
            "sales_end",
            "min_per_order",
            "max_per_order",
            "hidden",
        ]

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.instance.event = event

    def clean_capacity(self) -> int | None:
        capacity = self.cleaned_data.get("capacity")
        if self.instance.pk is not None and capacity is not None:
            # The dates that follow the ticket type's capacity take the new one.
            following = DateTicketType.objects.filter(
                ticket_type=self.instance, capacity=self.instance.capacity
            )
            most = max(following.values_list("allocated", flat=True), default=0)
            if most > capacity:
                raise forms.ValidationError(capacity_below_allocated(most))
        return capacity

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in ("sales_start", "sales_end"):
            cleaned[name] = in_zone(cleaned.get(name), self.event.tz)
            setattr(self.instance, name, cleaned[name])
        return cleaned


# The years a date's times may fall in: anything else is a typing error, and near the
# calendar's ends a time no longer converts between zones.
DATE_YEARS = range(1970, 3000)


def _check_times(form: forms.BaseForm, names: tuple[str, ...], tz: zoneinfo.ZoneInfo) -> None:
    """Read ``names`` in the event's zone and refuse times outside ``DATE_YEARS``."""
    cleaned = form.cleaned_data
    for name in names:
        value = in_zone(cleaned.get(name), tz)
        if value is not None and value.year not in DATE_YEARS:
            form.add_error(name, f"Give a time between the years {DATE_YEARS[0]} and {DATE_YEARS[-1]}.")
            value = None
        cleaned[name] = value


class NewDateForm(forms.Form):
    """Another date of an event (times event-local, as the editor's)."""

    starts_at = LocalDateTimeField()
    ends_at = LocalDateTimeField()
    admission_at = LocalDateTimeField(required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def clean(self) -> dict[str, Any]:
        super().clean()
        _check_times(self, ("starts_at", "ends_at", "admission_at"), self.event.tz)
        cleaned = self.cleaned_data
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        admission = cleaned.get("admission_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", "A date cannot end before it starts.")
        if admission and ends and admission > ends:
            self.add_error("admission_at", "Doors must open before the date ends.")
        if starts and EventDate.objects.filter(event=self.event, starts_at=starts).exists():
            self.add_error("starts_at", "The event already has a date at this time.")
        return cleaned


class DateSettingsForm(forms.ModelForm):
    """What may change on one date without moving it: doors, sales window, venue,
    capacity, and whether it is on sale or stopped as sold out. Moving and cancelling a
    date concern its buyers (sales.date_changes)."""

    admission_at = LocalDateTimeField(required=False)
    sales_start = LocalDateTimeField(required=False)
    sales_end = LocalDateTimeField(required=False)
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (EventDate.Status.ON_SALE, EventDate.Status.SOLD_OUT)]
    )

    class Meta:
        model = EventDate
        fields = [
            "admission_at",
            "sales_start",
            "sales_end",
            "venue_name",
            "venue_address",
            "capacity",
            "status",
        ]

    # The model's clean() refuses a capacity below what is allocated and a sales window
    # that ends before it starts; events.dates.save_date_settings checks again under a lock.

    def clean(self) -> dict[str, Any]:
        super().clean()
        _check_times(self, ("admission_at", "sales_start", "sales_end"), self.instance.event.tz)
        cleaned = self.cleaned_data
        for name in ("admission_at", "sales_start", "sales_end"):
            setattr(self.instance, name, cleaned.get(name))
        admission = cleaned.get("admission_at")
        if admission and admission > self.instance.ends_at:
            self.add_error("admission_at", "Doors must open before the date ends.")
        return cleaned
