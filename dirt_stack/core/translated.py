"""Organizer-written texts in several languages (ADR 0035): the one resolver and its rules.

A translatable model keeps each text's column as the value in its event's language
(``Event.locale``), so every reader that knows nothing of languages still reads the default,
and adds ``translations``, a JSON object ``{code: {field: value}}`` with the other enabled
languages' values (``Event.locales``). The model names its translatable fields and their
rules in ``TRANSLATED`` (a mapping of field to ``Text``).

``resolve(obj, field, locale)`` is what buyers see: the requested language's value, else the
default language's (the column), else any language's that is not empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation.trans_real import parse_accept_lang_header

from core.input import InputError, clean_name, json_depth, load_json, text_problem
from core.locales import DEFAULT_LANGUAGE, LANGUAGE_CODES


@dataclass(frozen=True)
class Text:
    """The rules of one translatable field, the same as its column's: at most ``max_length``
    characters; ``name``: one line (a pasted line break becomes a space, ``clean_name``);
    ``multiline``: tabs and line breaks allowed; ``items``: a list of at most that many
    one-line texts, each at most ``max_length`` (a question's choices)."""

    max_length: int
    name: bool = False
    multiline: bool = False
    items: int | None = None


class Translatable(Protocol):
    """A row with translatable texts: a model with ``TRANSLATED`` and ``translations``."""

    @property
    def TRANSLATED(self) -> Mapping[str, Text]: ...

    @property
    def translations(self) -> Any: ...


# The deepest a stored map nests: {code: {field: [choice, ...]}}.
MAX_DEPTH = 3


def normalize(code: str | None) -> str | None:
    """A language code as Maticko knows it ("de-AT" -> "de"), or None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    if code in LANGUAGE_CODES:
        return code
    base = code.split("-", 1)[0]
    return base if base in LANGUAGE_CODES else None


def current_locale() -> str:
    """The active language (the request's, or an ``override``'s), as one of Maticko's codes."""
    return normalize(translation.get_language()) or DEFAULT_LANGUAGE


def _filled(value: Any) -> bool:
    return bool(value) and (not isinstance(value, str) or bool(value.strip()))


def resolve(obj: Translatable, field: str, locale: str | None = None) -> Any:
    """``obj.field`` for a reader of ``locale`` (default: the active language): its
    translation when there is one that is not empty, else the default language's value
    (the column), else the first non-empty translation in Maticko's order of languages."""
    if field not in obj.TRANSLATED:
        raise KeyError(f"{type(obj).__name__}.{field} is not translatable")
    own = getattr(obj, field)
    translations = obj.translations if isinstance(obj.translations, dict) else {}
    code = normalize(locale) if locale else current_locale()
    wanted = (translations.get(code) or {}).get(field) if code else None
    if _filled(wanted):
        return wanted
    if _filled(own):
        return own
    for other in LANGUAGE_CODES:
        value = (translations.get(other) or {}).get(field)
        if _filled(value):
            return value
    return own


def resolved(obj: Translatable, locale: str | None = None) -> dict[str, Any]:
    """Every translatable field of ``obj`` resolved for ``locale``."""
    return {field: resolve(obj, field, locale) for field in obj.TRANSLATED}


def full_map(obj: Translatable, default: str) -> dict[str, dict[str, Any]]:
    """Every language's values, the default language's (``default``, the columns) included."""
    translations = obj.translations if isinstance(obj.translations, dict) else {}
    mapped = {default: {field: getattr(obj, field) for field in obj.TRANSLATED}}
    for code in LANGUAGE_CODES:
        if code != default and translations.get(code):
            mapped[code] = dict(translations[code])
    return mapped


def request_locale(request: HttpRequest) -> str:
    """The language an API reader asked for: ``?locale=`` (one of Maticko's codes, else
    ignored), else ``Accept-Language``, else the active language."""
    asked = request.GET.get("locale")
    if isinstance(asked, str) and text_problem(asked, max_length=16) is None and normalize(asked):
        return normalize(asked) or DEFAULT_LANGUAGE
    header = request.headers.get("Accept-Language", "")
    if header and text_problem(header) is None:
        for code, _ in parse_accept_lang_header(header):
            found = normalize(code)
            if found:
                return found
    return current_locale()


# --- validation -----------------------------------------------------------------------------


def clean_locales(value: Any, default: str) -> list[str]:
    """The enabled languages: Maticko's codes, each once, the default among them (added when
    missing), in Maticko's order. ValidationError otherwise."""
    if value in (None, ""):
        return [default]
    if not isinstance(value, list) or len(value) > len(LANGUAGE_CODES) * 2:
        raise ValidationError(gettext("Choose languages from the list."))
    for code in value:
        if not isinstance(code, str) or code not in LANGUAGE_CODES:
            shown = code if isinstance(code, str) and text_problem(code, max_length=16) is None else "?"
            raise ValidationError(gettext("“%(code)s” is not one of Maticko's languages.") % {"code": shown})
    chosen = {*value, default}
    return [code for code in LANGUAGE_CODES if code in chosen]


def _clean_value(rules: Text, value: Any) -> Any:
    if rules.items is not None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InputError(gettext("Send a list of texts here."))
        if len(value) > rules.items:
            raise InputError(
                ngettext("Give at most %(count)s option.", "Give at most %(count)s options.", rules.items)
                % {"count": rules.items}
            )
        return [_clean_text(Text(rules.max_length, name=True), item) for item in value]
    return _clean_text(rules, value)


def _clean_text(rules: Text, value: Any) -> str:
    if not isinstance(value, str):
        raise InputError(gettext("Send text here."))
    if rules.name:
        value = clean_name(value)
    problem = text_problem(value, max_length=rules.max_length, multiline=rules.multiline)
    if problem:
        raise InputError(problem)
    return value.strip() if rules.name else value


def translations_shape() -> str:
    return gettext("Send the translations as {language: {field: text}}.")


def clean_translations(
    spec: Mapping[str, Text], value: Any, *, enabled: Iterable[str], default: str
) -> dict[str, dict[str, Any]]:
    """``value`` as a stored map: an object of enabled languages other than the default, each
    an object of translatable fields, each value by its field's rules; empty values are left
    out (the reader gets the fallback). Anything else is a ValidationError keyed
    ``translations.<code>.<field>`` (or ``translations``), whose message people can read."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or json_depth(value) > MAX_DEPTH:
        raise ValidationError({"translations": translations_shape()})
    allowed = set(enabled) - {default}
    errors: dict[str, str] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for code, fields in value.items():
        if code == default:
            errors[f"translations.{code}"] = gettext(
                "“%(code)s” is the event's language: its texts are the fields themselves."
            ) % {"code": code}
            continue
        if code not in allowed:
            shown = code if text_problem(code, max_length=16) is None else "?"
            errors["translations"] = gettext("“%(code)s” is not one of the event's languages.") % {
                "code": shown
            }
            continue
        if not isinstance(fields, dict):
            errors[f"translations.{code}"] = gettext("Send an object of fields and their texts.")
            continue
        for field, text in fields.items():
            rules = spec.get(field)
            if rules is None:
                shown = field if text_problem(field, max_length=40) is None else "?"
                errors[f"translations.{code}"] = gettext("“%(field)s” cannot be translated.") % {
                    "field": shown
                }
                continue
            try:
                text = _clean_value(rules, text)
            except InputError as exc:
                errors[f"translations.{code}.{field}"] = str(exc)
                continue
            if _filled(text):
                cleaned.setdefault(code, {})[field] = text
    if errors:
        raise ValidationError(errors)
    return {code: cleaned[code] for code in LANGUAGE_CODES if code in cleaned}


def rebased(
    obj: Translatable, old: str, new: str, enabled: Iterable[str]
) -> dict[str, dict[str, Any]] | None:
    """When an event's language changes from ``old`` to ``new`` or languages are disabled:
    ``obj``'s columns take the ``new`` language's values (its columns' old values become
    ``old``'s translation) and languages no longer enabled are dropped. Sets the columns on
    ``obj`` and returns its new map, or None when nothing changes."""
    translations = dict(obj.translations) if isinstance(obj.translations, dict) else {}
    before = {code: dict(fields) for code, fields in translations.items()}
    if old != new:
        incoming = translations.pop(new, {})
        outgoing = {}
        for field in obj.TRANSLATED:
            current = getattr(obj, field)
            if _filled(current):
                outgoing[field] = current
            if _filled(incoming.get(field)):
                setattr(obj, field, incoming[field])
        if outgoing:
            translations[old] = outgoing
    keep = set(enabled) - {new}
    translations = {code: fields for code, fields in translations.items() if code in keep}
    if translations == before and old == new:
        return None
    return translations


def follow_event_languages(event: models.Model, old: str, new: str, enabled: Iterable[str]) -> None:
    """After ``event``'s language changed from ``old`` to ``new`` or some were disabled: every
    translatable row of the event (ticket types, questions, email texts: any model with
    ``TRANSLATED`` and an ``event``) rebased with ``rebased``. Inside the event's transaction."""
    enabled = list(enabled)
    for model in apps.get_models():
        if model is type(event) or not hasattr(model, "TRANSLATED"):
            continue
        if "event" not in {field.name for field in model._meta.get_fields()}:
            continue
        rows: Iterable[Any] = model._default_manager.select_for_update().filter(event=event).order_by("pk")
        for row in rows:
            translations = rebased(row, old, new, enabled)
            if translations is not None:
                row.translations = translations
                row.save(update_fields=["translations", *row.TRANSLATED])


# --- forms ----------------------------------------------------------------------------------


def _sent_json(value: Any) -> Any:
    """A form value that is JSON, or JSON in text (a multipart post, with a cover image, sends
    it so), parsed by the request rules (``load_json``: bounded depth, finite numbers)."""
    if isinstance(value, str) and value.strip():
        try:
            return load_json(value)
        except InputError as exc:
            raise ValidationError(
                gettext("Send this as JSON: a list of languages, or {language: {field: text}}.")
            ) from exc
    return value


class TranslationsField(forms.Field):
    """A form field for a ``translations`` map as Inertia and the API send it: a JSON object
    (checked against the event's languages by ``clean_translations`` in the form's clean), or
    that object as JSON text."""

    def to_python(self, value: Any) -> Any:
        value = _sent_json(value)
        if value in (None, ""):
            return {}
        if not isinstance(value, dict) or json_depth(value) > MAX_DEPTH:
            raise ValidationError(translations_shape())
        return value


class LocalesField(forms.Field):
    """A form field for the enabled languages: a list of Maticko's codes."""

    def to_python(self, value: Any) -> Any:
        value = _sent_json(value)
        if value in (None, ""):
            return None
        if not isinstance(value, list | tuple):
            raise ValidationError(gettext("Choose languages from the list."))
        return list(value)


def translation_errors(error: ValidationError) -> str:
    """``clean_translations``' errors as one message for the form's ``translations`` field."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    parts = []
    for key, messages in error.message_dict.items():
        where = key.removeprefix("translations").strip(".").replace(".", " ")
        parts.append(f"{where}: {' '.join(messages)}" if where else " ".join(messages))
    return " ".join(parts)


def clean_form_translations(
    form: forms.BaseForm, spec: Mapping[str, Text], *, enabled: Iterable[str], default: str, current: Any
) -> dict[str, dict[str, Any]] | None:
    """The ``translations`` a form was sent, checked (errors added to the form's
    ``translations`` field); without the key in its data, ``current`` (the stored map) minus
    languages no longer enabled. None when refused."""
    if "translations" not in form.data:
        keep = set(enabled) - {default}
        stored = current if isinstance(current, dict) else {}
        return {code: fields for code, fields in stored.items() if code in keep}
    try:
        return clean_translations(
            spec, form.cleaned_data.get("translations"), enabled=enabled, default=default
        )
    except ValidationError as error:
        form.add_error("translations", translation_errors(error))
        return None


def reading(locale: str | None) -> translation.override:
    """``with reading(order.locale):`` texts resolved (and templates rendered) for a reader of
    ``locale`` (Maticko's default language when it is none of Maticko's)."""
    return translation.override(normalize(locale) or DEFAULT_LANGUAGE)
