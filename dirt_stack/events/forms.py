"""Forms for events and ticket types; events.services validates with them for the back office and the API.

Date-times arrive as wall-clock values ("2026-12-01T19:30", from
``<input type="datetime-local">``) and mean that time in the event's own time
zone, wherever the organizer's browser is.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy

from core.datetimes import FIRST_YEAR, LAST_YEAR, field_label, to_utc
from core.input import InputRulesMixin, SingleLineField, text_problem
from core.locales import LANGUAGE_CODES
from core.translated import (
    LocalesField,
    TranslationsField,
    clean_form_translations,
    clean_locales,
    rebased,
)
from events.images import ImageRefused, reencode_cover
from events.models import (
    EVENT_TEXTS,
    OFFERABLE_PAYMENT_METHODS,
    TICKET_TYPE_TEXTS,
    DateTicketType,
    Event,
    EventDate,
    TicketType,
    capacity_below_allocated,
    validate_timezone,
)

COVER_IMAGE_MAX_BYTES = 5 * 1024 * 1024
COVER_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def read_times(form: forms.BaseForm, names: Iterable[str], tz: dt.tzinfo) -> None:
    """Read each of ``names`` the form has (a wall-clock date-time) as a time in ``tz``:
    its cleaned value becomes UTC inside core.datetimes' window, or the field gets that
    window's error. A field left empty or already refused is None."""
    cleaned = form.cleaned_data
    for name in names:
        if name not in form.fields:
            continue
        value = cleaned.get(name)
        cleaned[name] = None
        if value is None:
            continue
        try:
            cleaned[name] = to_utc(value, tz, field_label(name))
        except forms.ValidationError as error:
            form.add_error(name, error)


def local_input_value(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """A stored date-time as the event-local value of a datetime-local input."""
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") if value else ""


# Days outside these years are typing mistakes (or attacks): refused as typed. A date-time
# is then checked again in UTC (read_times), where a time zone may move it out of the window.
EARLIEST_YEAR, LATEST_YEAR = FIRST_YEAR, LAST_YEAR


class _TextOnly:
    """A date or time field that accepts text only: a JSON number, list or object is an
    invalid value, not a crash (Django's temporal fields call ``.strip()`` on it), and so is
    text with a control character (Python's ISO parser takes "2031-05-01T19:00\\x00")."""

    error_messages: dict[str, Any]

    def to_python(self, value: Any) -> Any:
        if value is not None and not isinstance(value, (str, dt.date, dt.time)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(value, str) and text_problem(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)  # type: ignore[misc]


def _within_years(value: dt.date | None) -> None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise forms.ValidationError(
            gettext("Give a date between the years %(first)s and %(last)s.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            code="out_of_range",
        )


class LocalDateTimeField(_TextOnly, forms.DateTimeField):
    input_formats = LOCAL_INPUT_FORMATS
    default_validators = [_within_years]


class BoundedDateField(_TextOnly, forms.DateField):
    """A day ("2031-10-03") between EARLIEST_YEAR and LATEST_YEAR."""

    input_formats = ["%Y-%m-%d"]
    default_validators = [_within_years]


class TimeOfDayField(_TextOnly, forms.TimeField):
    """A wall-clock time ("19:30")."""

    input_formats = ["%H:%M", "%H:%M:%S"]


class EventForm(InputRulesMixin, forms.ModelForm):
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
            "buyer_share_percent",
            "max_tickets_per_buyer",
            "confirm_bank_transfers",
            "max_tickets_per_email",
            "name_change_deadline_hours",
            "locale",
            "locales",
            "translations",
        ]
        # Titles reach email subjects and PDFs: control characters and line breaks go.
        field_classes = {"title": SingleLineField}

    # Only the names are checked here; sales.payments names the methods for people.
    payment_methods = forms.MultipleChoiceField(
        choices=[(name, name) for name in OFFERABLE_PAYMENT_METHODS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The event's language (its texts' columns) and the languages buyers may read it in.
    locale = forms.ChoiceField(choices=[(code, code) for code in LANGUAGE_CODES], required=False)
    locales = LocalesField(required=False)
    translations = TranslationsField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        # Checkout settings keep their current (or default) values when a form leaves them out.
        for name in ("hold_minutes", "offline_payment_days", "buyer_share_percent"):
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
            # A date's tickets: its stock rows' counters (its own is kept only under a capacity).
            counts = (
                DateTicketType.objects.filter(date__in=following)
                .order_by()
                .values("date_id")
                .annotate(n=Sum("allocated"))
                .values_list("n", flat=True)
            )
            most = max(counts, default=0)
            if most > capacity:
                raise forms.ValidationError(capacity_below_allocated(most))
        return capacity

    def clean_hold_minutes(self) -> int:
        return self.cleaned_data.get("hold_minutes") or self.instance.hold_minutes

    def clean_offline_payment_days(self) -> int:
        return self.cleaned_data.get("offline_payment_days") or self.instance.offline_payment_days

    def clean_buyer_share_percent(self) -> int:
        value = self.cleaned_data.get("buyer_share_percent")
        return self.instance.buyer_share_percent if value is None else value

    def clean_max_tickets_per_buyer(self) -> int | None:
        if "max_tickets_per_buyer" not in self.data:
            return self.instance.max_tickets_per_buyer
        return self.cleaned_data.get("max_tickets_per_buyer")

    def clean_max_tickets_per_email(self) -> int | None:
        if "max_tickets_per_email" not in self.data:
            return self.instance.max_tickets_per_email
        return self.cleaned_data.get("max_tickets_per_email")

    def clean_name_change_deadline_hours(self) -> int | None:
        if "name_change_deadline_hours" not in self.data:
            return self.instance.name_change_deadline_hours
        return self.cleaned_data.get("name_change_deadline_hours")

    def clean_confirm_bank_transfers(self) -> bool:
        if "confirm_bank_transfers" not in self.data:
            return self.instance.confirm_bank_transfers
        return bool(self.cleaned_data.get("confirm_bank_transfers"))

    def clean_payment_methods(self) -> list[str]:
        if "payment_methods" not in self.data:
            return self.instance.payment_methods
        return list(self.cleaned_data.get("payment_methods") or [])

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_locale(self) -> str:
        return self.cleaned_data.get("locale") or self.instance.locale

    def _clean_languages(self, cleaned: dict[str, Any]) -> None:
        """The event's languages and its texts' translations (core.translated). Without
        ``translations`` in the data, when the event's language changes, its texts move with
        their languages (the new language's translation becomes the columns)."""
        if "locale" not in cleaned:
            return
        default = cleaned["locale"]
        try:
            if "locales" in self.data:
                cleaned["locales"] = clean_locales(cleaned.get("locales"), default)
            else:
                cleaned["locales"] = clean_locales(self.instance.locales, default)
        except forms.ValidationError as error:
            self.add_error("locales", error)
            return
        enabled = cleaned["locales"]
        current = self.instance.translations
        if "translations" not in self.data and self.instance.pk is not None:
            texts = _Texts(EVENT_TEXTS, current, {f: cleaned.get(f, "") for f in EVENT_TEXTS})
            moved = rebased(texts, self.instance.locale, default, enabled)
            if moved is not None:
                current = moved
                cleaned.update({f: getattr(texts, f) for f in EVENT_TEXTS})
        translations = clean_form_translations(
            self, EVENT_TEXTS, enabled=enabled, default=default, current=current
        )
        if translations is not None:
            # Set here too: a model form leaves an omitted field's empty value unset.
            cleaned["translations"] = self.instance.translations = translations

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("title", ""))[:100]
        if not slug:
            raise forms.ValidationError(gettext("Choose a URL name (letters, digits, hyphens)."))
        if Event.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("Another event already uses this URL name; choose another."))
        return slug

    def clean_cover_image(self) -> Any:
        image = self.cleaned_data.get("cover_image")
        if isinstance(image, UploadedFile):
            if image.size is not None and image.size > COVER_IMAGE_MAX_BYTES:
                raise forms.ValidationError(gettext("The image is larger than 5 MB."))
            # forms.ImageField has already opened it with Pillow.
            opened = getattr(image, "image", None)
            if opened is None or opened.format not in COVER_IMAGE_FORMATS:
                raise forms.ValidationError(gettext("Upload a JPEG, PNG or WebP image."))
            # Stored re-encoded: bounded in pixels, without EXIF or anything else (events/images.py).
            try:
                return reencode_cover(image, image.name or "cover")
            except ImageRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
        return image

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("timezone") and "timezone" not in self.errors:
            read_times(self, ("starts_at", "ends_at"), zoneinfo.ZoneInfo(cleaned["timezone"]))
            for name in ("starts_at", "ends_at"):
                if name in self.fields:
                    setattr(self.instance, name, cleaned.get(name))
        if not cleaned.get("is_online") and not cleaned.get("venue_name"):
            self.add_error("venue_name", gettext("Give the venue, or mark the event as online."))
        self._clean_languages(cleaned)
        return cleaned


class _Texts:
    """A form's texts and a stored map, for core.translated.rebased."""

    def __init__(self, spec: Any, translations: Any, values: dict[str, Any]) -> None:
        self.TRANSLATED = spec
        self.translations = translations
        for field, value in values.items():
            setattr(self, field, value)


class TicketTypeForm(InputRulesMixin, forms.ModelForm):
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
            "max_tickets_per_email",
            "hidden",
            "translations",
        ]

    # ``name`` and ``description`` in the event's other languages (core.translated).
    translations = TranslationsField(required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.instance.event = event

    def clean_max_tickets_per_email(self) -> int | None:
        if "max_tickets_per_email" not in self.data:
            return self.instance.max_tickets_per_email
        return self.cleaned_data.get("max_tickets_per_email")

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
        read_times(self, ("sales_start", "sales_end"), self.event.tz)
        for name in ("sales_start", "sales_end"):
            setattr(self.instance, name, cleaned.get(name))
        translations = clean_form_translations(
            self,
            TICKET_TYPE_TEXTS,
            enabled=self.event.locales,
            default=self.event.locale,
            current=self.instance.translations,
        )
        if translations is not None:
            cleaned["translations"] = self.instance.translations = translations
        return cleaned


# --- Dates -------------------------------------------------------------------------------

# The largest capacity a date or a ticket type on a date may have.
MAX_CAPACITY = 1_000_000
# The statuses an organizer sets by hand (cancelling is sales.date_changes.cancel_date).
SETTABLE_DATE_STATUSES = [
    (EventDate.Status.ON_SALE.value, EventDate.Status.ON_SALE.label),
    (EventDate.Status.SOLD_OUT.value, EventDate.Status.SOLD_OUT.label),
]


def _capacity_field(required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(required=required, min_value=1, max_value=MAX_CAPACITY)


def _price_field() -> forms.DecimalField:
    return forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        max_value=Decimal("99999999.99"),
    )


def _doors_before_start(
    form: forms.BaseForm, admission_at: dt.datetime | None, starts_at: dt.datetime | None
) -> None:
    if admission_at is not None and starts_at is not None and admission_at > starts_at:
        form.add_error("admission_at", gettext("Doors cannot open after the date starts."))


ALREADY_A_DATE = gettext_lazy("The event already has a date at this time.")


def date_at(event: Event, starts_at: dt.datetime) -> bool:
    """Whether ``event`` has a date starting at ``starts_at`` (two dates never start together)."""
    return EventDate.objects.filter(event=event, starts_at=starts_at).exists()


class DateForm(InputRulesMixin, forms.ModelForm):
    """One date of an event: a new one with its times, or an existing one's admission,
    sales window, venue, capacity and status. An existing date's start and end move
    through sales.date_changes.move_date (MoveDateForm), which tells its buyers."""

    starts_at = LocalDateTimeField()
    ends_at = LocalDateTimeField()
    admission_at = LocalDateTimeField(required=False)
    sales_start = LocalDateTimeField(required=False)
    sales_end = LocalDateTimeField(required=False)
    capacity = _capacity_field()
    status = forms.ChoiceField(choices=SETTABLE_DATE_STATUSES, required=False)

    class Meta:
        model = EventDate
        fields = [
            "starts_at",
            "ends_at",
            "admission_at",
            "sales_start",
            "sales_end",
            "venue_name",
            "venue_address",
            "capacity",
            "status",
        ]

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.instance.event = event
        if self.instance.pk is not None:
            del self.fields["starts_at"], self.fields["ends_at"]

    def clean_status(self) -> str:
        return self.cleaned_data.get("status") or self.instance.status or EventDate.Status.ON_SALE

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        times = ("starts_at", "ends_at", "admission_at", "sales_start", "sales_end")
        read_times(self, times, self.event.tz)
        for name in times:
            if name in self.fields:
                setattr(self.instance, name, cleaned.get(name))
        starts_at = cleaned.get("starts_at") if "starts_at" in self.fields else self.instance.starts_at
        _doors_before_start(self, cleaned.get("admission_at"), starts_at)
        if "starts_at" in self.fields and starts_at and date_at(self.event, starts_at):
            self.add_error("starts_at", ALREADY_A_DATE)
        return cleaned


class DateTicketTypeForm(InputRulesMixin, forms.ModelForm):
    """A ticket type on one date: its capacity there, its own price (empty: the ticket
    type's) and whether it is offered. Prefixed ``tt<ticket type id>``."""

    capacity = _capacity_field(required=True)
    price = _price_field()

    class Meta:
        model = DateTicketType
        fields = ["capacity", "price", "offered"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance: DateTicketType = kwargs["instance"]
        kwargs.setdefault("prefix", f"tt{instance.ticket_type_id}")
        super().__init__(*args, **kwargs)

    def clean_offered(self) -> bool:
        # A form that leaves the box out keeps the current value (never un-offers by omission).
        if self.add_prefix("offered") not in self.data:
            return self.instance.offered
        return bool(self.cleaned_data.get("offered"))


class BulkDateForm(InputRulesMixin, forms.Form):
    """Changes to several dates at once; an empty field leaves that value as it is.
    Per ticket type ``tt<id>-capacity`` and ``tt<id>-price``."""

    dates = forms.MultipleChoiceField(error_messages={"required": gettext_lazy("Choose at least one date.")})
    capacity = _capacity_field()
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Unchanged")), *SETTABLE_DATE_STATUSES], required=False
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["dates"].choices = [  # type: ignore[attr-defined]
            (str(pk), str(pk)) for pk in EventDate.objects.filter(event=event).values_list("pk", flat=True)
        ]
        self.ticket_types = list(event.ticket_types.all())
        for ticket_type in self.ticket_types:
            self.fields[f"tt{ticket_type.pk}-capacity"] = _capacity_field()
            self.fields[f"tt{ticket_type.pk}-price"] = _price_field()

    def clean_dates(self) -> list[int]:
        return sorted(int(pk) for pk in self.cleaned_data["dates"])

    def ticket_type_changes(self) -> dict[int, tuple[int | None, Decimal | None]]:
        """Per ticket type id: its new capacity and price on the chosen dates (None: unchanged)."""
        changes = {}
        for ticket_type in self.ticket_types:
            capacity = self.cleaned_data.get(f"tt{ticket_type.pk}-capacity")
            price = self.cleaned_data.get(f"tt{ticket_type.pk}-price")
            if capacity is not None or price is not None:
                changes[ticket_type.pk] = (capacity, price)
        return changes

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        unchanged = cleaned.get("capacity") is None and not cleaned.get("status")
        if not self.errors and unchanged and not self.ticket_type_changes():
            raise forms.ValidationError(gettext("Give at least one change to make."))
        return cleaned


class MoveDateForm(InputRulesMixin, forms.Form):
    """A date's new start, end and admission (in the event's zone)."""

    starts_at = LocalDateTimeField()
    ends_at = LocalDateTimeField()
    admission_at = LocalDateTimeField(required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        read_times(self, ("starts_at", "ends_at", "admission_at"), self.event.tz)
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at < starts_at:
            self.add_error("ends_at", gettext("A date cannot end before it starts."))
        _doors_before_start(self, cleaned.get("admission_at"), starts_at)
        return cleaned


class CancelDateForm(InputRulesMixin, forms.Form):
    """Why a date is cancelled: told to its buyers and kept with their refunds."""

    reason = forms.CharField(required=False, max_length=200)
