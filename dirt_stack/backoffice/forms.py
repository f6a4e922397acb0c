"""Back-office and account forms. Validation lives here; views only call them.

Date-times arrive as wall-clock values in the event's own time zone (see
events.forms, whose EventForm and TicketTypeForm the domain services use).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pycountry
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts import embedding, tokens
from accounts.models import Membership, Organizer, User
from checkin.models import CheckInList
from core.input import InputRulesMixin, SingleLineField, parse_id, text_problem
from core.locales import LANGUAGE_CODES
from core.translated import TranslationsField, clean_form_translations
from events.forms import LocalDateTimeField, read_times
from events.models import Event, EventDate, TicketType
from messaging.models import MAX_REMINDER_HOURS
from messaging.services import CHECKED_IN_CHOICES, Filters
from questions import services as questions
from questions.models import QUESTION_TEXTS, Question
from sales import email_texts, vouchers
from sales.models import Order, Voucher
from taxes import vat_ids
from taxes.rates import is_eu
from waitlist.models import MAX_OFFER_HOURS


def _ticket_types_field(form: forms.BaseForm) -> forms.ModelMultipleChoiceField[TicketType]:
    """A model form's ``ticket_types`` field: a ModelMultipleChoiceField, as for every many-to-many field."""
    return cast("forms.ModelMultipleChoiceField[TicketType]", form.fields["ticket_types"])


class ModelIdsField(forms.ModelMultipleChoiceField):
    """Choices of a many-to-many field by id; a value that cannot be an id (text, NUL
    bytes, a number beyond 64 bits) is refused before it reaches the database."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if isinstance(pk, bool) or parse_id(pk) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super().clean(value)


def _date_field(form: forms.BaseForm) -> forms.ModelChoiceField[EventDate]:
    """A model form's ``date`` field: a ModelChoiceField, as for every foreign key."""
    return cast("forms.ModelChoiceField[EventDate]", form.fields["date"])


def _dates_field(form: forms.BaseForm) -> forms.ModelMultipleChoiceField[EventDate]:
    """A model form's ``dates`` field: a ModelMultipleChoiceField, as for every many-to-many field."""
    return cast("forms.ModelMultipleChoiceField[EventDate]", form.fields["dates"])


class SignupForm(InputRulesMixin, forms.Form):
    """The first step: the address the signup link goes to. It never says whether the
    address has an account (accounts.signup)."""

    email = forms.EmailField(max_length=254)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()


class SignupConfirmForm(forms.Form):
    """The second step, from the emailed link: the name and the password."""

    full_name = SingleLineField(max_length=200)
    password = forms.CharField(strip=False, max_length=4096)

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password = cleaned.get("password")
        if password:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class OrganizerForm(InputRulesMixin, forms.ModelForm):
    class Meta:
        model = Organizer
        fields = ["name", "slug", "contact_email"]
        # Names reach email subjects and PDFs: control characters and line breaks go.
        field_classes = {"name": SingleLineField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["contact_email"].required = True

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("name", ""))
        if not slug:
            raise forms.ValidationError(
                gettext("Choose a short name for the URL (letters, digits, hyphens).")
            )
        if Organizer.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("This URL name is taken; choose another."))
        return slug


class OrganizerSettingsForm(InputRulesMixin, forms.ModelForm):
    class Meta:
        model = Organizer
        fields = [
            "name",
            "contact_email",
            "bank_transfer_details",
            "admit_unpaid_bank_transfers",
            "require_two_factor",
        ]
        field_classes = {"name": SingleLineField}


LEGAL_ADDRESS_MAX_LENGTH = 500


class SellerForm(InputRulesMixin, forms.ModelForm):
    """The seller on invoices (accounts.Organizer's legal fields); the VAT ID checked with
    python-stdnum for a country in the EU (taxes.vat_ids)."""

    class Meta:
        model = Organizer
        fields = ["legal_name", "legal_address", "country", "vat_id"]
        field_classes = {"legal_name": SingleLineField}
        widgets = {"legal_address": forms.Textarea}

    def clean_legal_address(self) -> str:
        address = (self.cleaned_data.get("legal_address") or "").strip()
        if len(address) > LEGAL_ADDRESS_MAX_LENGTH:
            raise forms.ValidationError(
                gettext("Use at most %(limit)s characters.") % {"limit": LEGAL_ADDRESS_MAX_LENGTH}
            )
        return address

    def clean_country(self) -> str:
        country = (self.cleaned_data.get("country") or "").strip().upper()
        if country and pycountry.countries.get(alpha_2=country) is None:
            raise forms.ValidationError(gettext("Choose the country."))
        return country

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        vat_id = (cleaned.get("vat_id") or "").strip()
        country = cleaned.get("country") or ""
        if vat_id and not country and "country" not in self.errors:
            self.add_error("country", gettext("Choose the country the VAT ID belongs to."))
        elif vat_id and is_eu(country):
            try:
                cleaned["vat_id"] = vat_ids.normalize(vat_id, country)
            except vat_ids.InvalidVatId as exc:
                self.add_error("vat_id", str(exc))
        else:
            cleaned["vat_id"] = vat_id
        return cleaned


class InvitationForm(InputRulesMixin, forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices)

    def __init__(self, *args: Any, organizer: Organizer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizer = organizer

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if Membership.objects.filter(organizer=self.organizer, user__email__iexact=email).exists():
            raise forms.ValidationError(gettext("This person is already a member."))
        return email


class MembershipRoleForm(InputRulesMixin, forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ApiTokenForm(InputRulesMixin, forms.Form):
    name = SingleLineField(max_length=100)
    role = forms.ChoiceField(choices=Membership.Role.choices)
    expires_at = forms.DateField(
        required=False, help_text=gettext_lazy("Optional last day of validity (UTC).")
    )

    def clean_expires_at(self) -> dt.date | None:
        expires: dt.date | None = self.cleaned_data.get("expires_at")
        if expires is not None:
            try:
                tokens.check_expiry(tokens.end_of_day(expires))
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error
        return expires


class VoucherForm(InputRulesMixin, forms.ModelForm):
    valid_from = LocalDateTimeField(required=False)
    valid_until = LocalDateTimeField(required=False)

    class Meta:
        model = Voucher
        fields = ["code", "kind", "value", "max_usages", "valid_from", "valid_until", "ticket_types", "dates"]
        field_classes = {"ticket_types": ModelIdsField, "dates": ModelIdsField}
        error_messages = {
            "dates": {
                "invalid_choice": gettext_lazy("Choose among the event's dates."),
                "invalid_pk_value": gettext_lazy("Choose among the event's dates."),
            }
        }

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.instance.event = event
        _ticket_types_field(self).queryset = event.ticket_types.all()
        self.fields["ticket_types"].required = False
        # None chosen: valid on every date (sales.vouchers.find_voucher).
        _dates_field(self).queryset = event.dates.all()
        self.fields["dates"].required = False
        self.fields["max_usages"].validators.append(MinValueValidator(1))
        self.fields["code"].required = False

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if not code:
            # No code given: a long random one, which cannot be guessed (security review M-4).
            return vouchers.generate_code()
        if not code.replace("-", "").replace("_", "").isalnum():
            raise forms.ValidationError(gettext("Use letters, digits, hyphens and underscores only."))
        if Voucher.objects.filter(event=self.event, code__iexact=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext("This event already has a voucher with this code."))
        return code

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        read_times(self, ("valid_from", "valid_until"), self.event.tz)
        if (
            cleaned.get("valid_from")
            and cleaned.get("valid_until")
            and cleaned["valid_until"] <= cleaned["valid_from"]
        ):
            self.add_error("valid_until", gettext("The voucher must end after it starts."))
        if cleaned.get("kind") == Voucher.Kind.PERCENT and (cleaned.get("value") or 0) > 100:
            self.add_error("value", gettext("A percentage cannot exceed 100."))
        if cleaned.get("value") is not None and cleaned["value"] < 0:
            self.add_error("value", gettext("The discount cannot be negative."))
        return cleaned


class CheckInListForm(InputRulesMixin, forms.ModelForm):
    class Meta:
        model = CheckInList
        fields = ["name", "date", "all_ticket_types", "ticket_types", "allow_exits"]
        field_classes = {"ticket_types": ModelIdsField}
        error_messages = {
            "date": {"invalid_choice": gettext_lazy("Choose one of the event's dates, or every date.")}
        }

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.event = event
        _ticket_types_field(self).queryset = event.ticket_types.all()
        self.fields["ticket_types"].required = False
        # Empty: the list admits tickets of every date.
        _date_field(self).queryset = event.dates.all()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("all_ticket_types") and not cleaned.get("ticket_types"):
            self.add_error(
                "ticket_types", gettext("Choose the ticket types this entrance admits, or admit all.")
            )
        return cleaned


class QuestionForm(InputRulesMixin, forms.ModelForm):
    """A checkout question. ``choices`` arrive as one option per line (choice kinds only)."""

    choices = forms.CharField(
        widget=forms.Textarea,
        required=False,
        max_length=questions.CHOICES_MAX * (questions.CHOICE_MAX_LENGTH + 2),
    )

    # ``label``, ``help_text`` and ``choices`` (a list, or one option per line) in the event's
    # other languages (core.translated); a translation's options match the options one for one.
    translations = TranslationsField(required=False)

    class Meta:
        model = Question
        fields = ["label", "help_text", "kind", "required", "scope", "ticket_types", "translations"]
        field_classes = {
            "label": SingleLineField,
            "help_text": SingleLineField,
            "ticket_types": ModelIdsField,
        }

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.instance.event = event
        _ticket_types_field(self).queryset = event.ticket_types.all()
        self.fields["ticket_types"].required = False  # none: every ticket type
        if self.instance.pk is not None and not self.is_bound:
            self.initial["choices"] = "\n".join(self.instance.choices)

    def clean_choices(self) -> list[str]:
        options: list[str] = []
        for line in str(self.cleaned_data.get("choices") or "").splitlines():
            option = line.strip()
            if not option:
                continue
            if len(option) > questions.CHOICE_MAX_LENGTH:
                raise ValidationError(
                    gettext("Keep each option under %(limit)s characters.")
                    % {"limit": questions.CHOICE_MAX_LENGTH}
                )
            if option in options:
                raise ValidationError(gettext("“%(option)s” is listed twice.") % {"option": option})
            options.append(option)
        if len(options) > questions.CHOICES_MAX:
            raise ValidationError(
                gettext("A question can offer at most %(limit)s options.") % {"limit": questions.CHOICES_MAX}
            )
        return options

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("kind") in Question.CHOICE_KINDS:
            if len(cleaned.get("choices") or []) < 2 and "choices" not in self.errors:
                self.add_error("choices", gettext("List at least two options, one per line."))
        else:
            cleaned["choices"] = []
        self.instance.choices = cleaned.get("choices") or []
        self._clean_translations(cleaned)
        return cleaned

    def _clean_translations(self, cleaned: dict[str, Any]) -> None:
        sent = cleaned.get("translations")
        if isinstance(sent, dict):
            # The page sends a translation's options as its textarea's lines.
            for fields in sent.values():
                if isinstance(fields, dict) and isinstance(fields.get("choices"), str):
                    fields["choices"] = [
                        line.strip() for line in fields["choices"].splitlines() if line.strip()
                    ]
        translations = clean_form_translations(
            self,
            QUESTION_TEXTS,
            enabled=self.event.locales,
            default=self.event.locale,
            current=self.instance.translations,
        )
        if translations is None:
            return
        options = cleaned.get("choices") or []
        for code, fields in translations.items():
            if not options:
                fields.pop("choices", None)
            elif "choices" in fields and len(fields["choices"]) != len(options):
                self.add_error(
                    "translations",
                    ngettext(
                        "%(language)s choices: one for the %(count)s option.",
                        "%(language)s choices: one for each of the %(count)s options, in their order.",
                        len(options),
                    )
                    % {"language": code, "count": len(options)},
                )
                return
        cleaned["translations"] = self.instance.translations = {
            code: fields for code, fields in translations.items() if fields
        }

    def ticket_type_ids(self) -> list[int]:
        return [ticket_type.pk for ticket_type in self.cleaned_data.get("ticket_types") or []]


class AnswerSettingsForm(InputRulesMixin, forms.Form):
    """Whether and until when buyers may change their answers (questions.AnswerSettings)."""

    buyers_edit = forms.BooleanField(required=False)
    buyer_edit_hours_before = forms.IntegerField(min_value=0, max_value=questions.EDIT_HOURS_MAX)


class CancelEventForm(InputRulesMixin, forms.Form):
    """Why an event is cancelled: told to every buyer and kept with their refunds."""

    reason = forms.CharField(required=False, max_length=200)


class RoomForm(InputRulesMixin, forms.Form):
    """An event's on-sale room: its times are wall-clock values in the event's zone; the
    rules between the settings (onsale.services.configure) are checked by the service."""

    enabled = forms.BooleanField(required=False)
    queue_opens_at = LocalDateTimeField(label=gettext_lazy("Queue opens"))
    sale_starts_at = LocalDateTimeField(label=gettext_lazy("Sale starts"))
    admissions_per_minute = forms.IntegerField(min_value=1, max_value=100_000)
    max_active_shoppers = forms.IntegerField(min_value=1, max_value=100_000)
    session_minutes = forms.IntegerField(min_value=1, max_value=60)
    mode = forms.ChoiceField(
        choices=[
            ("random", gettext_lazy("Random at opening")),
            ("fifo", gettext_lazy("First come, first served")),
        ]
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        read_times(self, ("queue_opens_at", "sale_starts_at"), self.event.tz)
        return cleaned


class RoomRateForm(InputRulesMixin, forms.Form):
    """A new admission rate, changed while the room runs."""

    admissions_per_minute = forms.IntegerField(min_value=1, max_value=100_000)


class WaitlistSettingsForm(InputRulesMixin, forms.Form):
    """An event's waiting list: on or off, and how many hours an offer holds its tickets."""

    enabled = forms.BooleanField(required=False)
    offer_hours = forms.IntegerField(min_value=1, max_value=MAX_OFFER_HOURS)


class DuplicateEventForm(InputRulesMixin, forms.Form):
    """Duplicating an event: the copy's title (empty: the source's with "(copy)"), when its
    first date starts (a wall-clock time in the event's zone), and whether vouchers come too."""

    title = SingleLineField(required=False, max_length=Event._meta.get_field("title").max_length)
    starts_at = LocalDateTimeField(label=gettext_lazy("New start"))
    copy_vouchers = forms.BooleanField(required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def _sent_as_text(self, name: str, *, breaks: bool = False) -> None:
        # Django's fields take str() of an object and let a NUL after a date through;
        # a title's pasted line breaks are SingleLineField's to fold.
        raw = self.data.get(name)
        if raw is None:
            return
        if not isinstance(raw, str):
            raise forms.ValidationError(gettext("Send text here."))
        problem = text_problem(raw, multiline=breaks)
        if problem:
            raise forms.ValidationError(problem)

    def clean_title(self) -> str:
        self._sent_as_text("title", breaks=True)
        return str(self.cleaned_data.get("title") or "")

    def clean_starts_at(self) -> dt.datetime | None:
        self._sent_as_text("starts_at")
        return self.cleaned_data.get("starts_at")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        read_times(self, ("starts_at",), self.event.tz)
        return cleaned


class EmailTextForm(InputRulesMixin, forms.Form):
    """An email's subject and Markdown body (placeholders are checked by sales.email_texts)."""

    subject = forms.CharField(max_length=email_texts.MAX_SUBJECT)
    body = forms.CharField(max_length=email_texts.MAX_BODY, widget=forms.Textarea)
    # Which of the event's languages the text is in (empty: the event's own).
    locale = forms.ChoiceField(choices=[(code, code) for code in LANGUAGE_CODES], required=False)

    def clean(self) -> dict[str, Any] | None:
        # A JSON list or object would otherwise be read as its Python text ("['a']").
        for name in ("subject", "body"):
            if not isinstance(self.data.get(name, ""), str):
                self.add_error(name, gettext("Send text here."))
        return super().clean()


class ReminderForm(InputRulesMixin, forms.Form):
    """The reminder email: hours before each date starts; empty turns it off."""

    hours_before = forms.IntegerField(min_value=1, max_value=MAX_REMINDER_HOURS, required=False)


class MessageForm(EmailTextForm):
    """A message to buyers: its text and which orders it goes to."""

    date = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    ticket_type = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    statuses = forms.MultipleChoiceField(choices=Order.Status.choices)
    checked_in = forms.ChoiceField(choices=[(c, c) for c in CHECKED_IN_CHOICES], required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def clean_date(self) -> int | None:
        value = self.cleaned_data.get("date")
        if value is not None and not self.event.dates.filter(pk=value).exists():
            raise ValidationError(gettext("Choose one of the event's dates."))
        return value

    def clean_ticket_type(self) -> int | None:
        value = self.cleaned_data.get("ticket_type")
        if value is not None and not self.event.ticket_types.filter(pk=value).exists():
            raise ValidationError(gettext("Choose one of the event's ticket types."))
        return value

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            date_id=data.get("date"),
            ticket_type_id=data.get("ticket_type"),
            statuses=tuple(data["statuses"]),
            checked_in=data.get("checked_in") or "any",
        )


class EmbedOriginsForm(InputRulesMixin, forms.Form):
    """The websites that may frame the organizer's shop widget, one origin a line
    (accounts.embedding); empty: any website."""

    embed_origins = forms.CharField(
        required=False,
        strip=False,
        max_length=embedding.MAX_ORIGINS * (embedding.MAX_ORIGIN_LENGTH + 2),
        widget=forms.Textarea,
    )

    def clean_embed_origins(self) -> list[str]:
        try:
            return embedding.parse_origins(self.cleaned_data["embed_origins"])
        except embedding.OriginsInvalid as exc:
            raise ValidationError(str(exc)) from exc


class ScannerDeviceForm(InputRulesMixin, forms.Form):
    """A scanner device for the event's door: its name, its gate, and its lists (all of the
    event's, or the ones chosen)."""

    name = SingleLineField(max_length=100)
    gate = SingleLineField(max_length=100)
    all_lists = forms.BooleanField(required=False)
    lists = ModelIdsField(queryset=CheckInList.objects.none(), required=False)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            "forms.ModelMultipleChoiceField[CheckInList]", self.fields["lists"]
        ).queryset = event.check_in_lists.all()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all_lists") and not cleaned.get("lists"):
            self.add_error(
                "lists", gettext("Choose the check-in lists this device scans for, or all of them.")
            )
        return cleaned
