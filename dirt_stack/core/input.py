"""The rules every input passes, in one place: text (no NUL or control characters, at most
its column's length), ids (digits naming a 64-bit row id), decimals (finite, bounded, with
their places) and JSON bodies (strict JSON, bounded depth).

Forms use ``InputRulesMixin``, Inertia bodies ``core.inertia.submitted_data`` (``load_json``),
URL paths ``core.middleware.HostileInputMiddleware``, query strings ``search_text`` and
``parse_id``, the API's pydantic schemas ``TextRules``, ``NameRules`` and ``Id``; services
call ``check_text``, ``parse_id`` and ``parse_decimal`` on what reaches them otherwise. Names and
titles refuse NUL and control characters like all text, but a pasted line break or tab becomes a
space (``clean_name``). A refusal is ``InputError``, a ``ValueError`` with a message written for
people.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from annotated_types import GroupedMetadata, MaxLen
from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.db import models
from django.utils.translation import gettext, ngettext
from pydantic import AfterValidator, Field, Strict

from core.text import single_line

# Row ids are positive 64-bit integers (PostgreSQL bigint).
MAX_ID = 2**63 - 1
# Deeper JSON is never sent by our pages or API clients; parsing it costs recursion.
MAX_JSON_DEPTH = 32

# NUL, the other C0 controls, DEL and lone surrogates (which JSON can carry and no database
# can store). Tab, LF and CR are allowed in multi-line text only.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]{1,19}")


class InputError(ValueError):
    """Input refused by one of the rules here; the message is shown to people."""


class RefusedInput(BadRequest):
    """A request refused by these rules (answered 400); the message is shown to people."""


def text_problem(value: str, *, max_length: int | None = None, multiline: bool = False) -> str | None:
    """Why ``value`` is not acceptable text, or None when it is."""
    if "\x00" in value:
        return gettext("Remove the NUL character (\\0): text cannot contain it.")
    if (_CONTROL if multiline else _CONTROL_OR_BREAK).search(value):
        if multiline:
            return gettext("Remove the control characters: only tabs and line breaks are allowed.")
        return gettext("Keep this on one line, without control characters.")
    if max_length is not None and len(value) > max_length:
        return too_long(max_length, len(value))
    return None


def too_long(max_length: int, length: int) -> str:
    """The refusal of a text of ``length`` characters where ``max_length`` fit."""
    return ngettext(
        "Use at most %(max)s character (this has %(length)s).",
        "Use at most %(max)s characters (this has %(length)s).",
        max_length,
    ) % {"max": max_length, "length": length}


def check_text(value: Any, *, max_length: int | None = None, multiline: bool = False) -> str:
    """``value`` as acceptable text (see ``text_problem``); InputError otherwise."""
    if not isinstance(value, str):
        raise InputError(gettext("Send text here."))
    problem = text_problem(value, max_length=max_length, multiline=multiline)
    if problem:
        raise InputError(problem)
    return value


def clean_name(value: str) -> str:
    """A name or a title: NUL and the other control characters are refused (InputError);
    line breaks and tabs, as a paste brings them, become spaces (``single_line``)."""
    if _CONTROL.search(value):
        raise InputError(gettext("Remove the control characters (such as NUL): plain text on one line only."))
    return single_line(value)


def search_text(value: Any, max_length: int = 100) -> str:
    """A search box's text (``?q=``) on one line, trimmed to ``max_length``; NUL and other
    control characters are refused (RefusedInput, answered 400)."""
    text = value if isinstance(value, str) else ""
    if _CONTROL.search(text):
        raise RefusedInput(gettext("Search text cannot contain control characters (such as NUL)."))
    return single_line(text)[:max_length]


def column_length(model: type[models.Model], field: str) -> int:
    """The length of ``model``'s text column ``field``: what a value may have at most."""
    column = model._meta.get_field(field)
    length = column.max_length if isinstance(column, models.Field) else None
    if length is None:
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return length


def is_ip_literal(email: str) -> bool:
    """Whether ``email``'s domain is an IP address (``a@[127.0.0.1]``): valid by the RFC,
    but no buyer's mailbox, and a way to make the platform mail arbitrary hosts."""
    domain = email.rpartition("@")[2]
    if domain.startswith("["):
        return True
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        return False
    return True


def is_id(value: int) -> bool:
    """Whether ``value`` can name a row: a larger number cannot (and SQLite refuses to compare it)."""
    return 0 < value <= MAX_ID


def parse_id(value: Any) -> int | None:
    """A submitted id, or None: a positive int below 2**63, or a string of ASCII digits
    naming one (spaces around it aside). ``1.5``, ``true``, Arabic-Indic digits and ``"1e3"`` are not ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if is_id(value) else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value)
        return number if is_id(number) else None
    return None


def parse_decimal(
    value: Any, *, places: int = 2, max_digits: int = 12, minimum: Decimal | None = None
) -> Decimal:
    """A submitted amount: finite, at most ``max_digits`` digits and ``places`` decimal
    places, not below ``minimum``. Accepts a number or a string; InputError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise InputError(gettext("Enter a number, e.g. 12.50."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InputError(gettext("Enter a number, e.g. 12.50.")) from exc
    if not number.is_finite():
        raise InputError(gettext("Enter a number, e.g. 12.50."))
    _, digits, exponent = number.as_tuple()
    exponent = int(exponent)  # finite: an int
    decimals = max(0, -exponent)
    if decimals > places:
        raise InputError(
            ngettext(
                "Use at most %(places)s decimal place.", "Use at most %(places)s decimal places.", places
            )
            % {"places": places}
        )
    if len(digits) + max(0, exponent) - decimals > max_digits - places:
        raise InputError(gettext("Enter a number below %(limit)s.") % {"limit": 10 ** (max_digits - places)})
    if minimum is not None and number < minimum:
        raise InputError(gettext("Enter a number of at least %(minimum)s.") % {"minimum": minimum})
    return number


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise InputError(gettext("Numbers in the request body must be finite."))
    return number


def _no_constant(name: str) -> Any:
    raise InputError(gettext("%(name)s is not a number JSON allows.") % {"name": name})


def _float_or_text(text: str) -> float | str:
    number = float(text)
    return text if number in (float("inf"), float("-inf")) else number


def too_deep() -> str:
    return gettext("The request body nests deeper than %(depth)s levels.") % {"depth": MAX_JSON_DEPTH}


def json_depth(data: Any) -> int:
    """How deeply ``data``'s arrays and objects nest (0 for a scalar)."""
    depth, level = 0, [(data, 1)]
    while level:
        item, at = level.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            depth = max(depth, at)
            level.extend((child, at + 1) for child in children)
    return depth


def load_json(body: bytes | str, *, non_finite_as_text: bool = False) -> Any:
    """A request body parsed as strict JSON: no NaN or Infinity, numbers finite, nested at
    most MAX_JSON_DEPTH deep. InputError otherwise. With ``non_finite_as_text``, NaN,
    Infinity and numbers beyond a float stay text ("NaN", "1e999"), for a form to refuse
    in the field that has them."""
    if non_finite_as_text:
        parse_float: Any = _float_or_text
        parse_constant: Any = str
    else:
        parse_float, parse_constant = _finite_float, _no_constant
    try:
        data = json.loads(body, parse_float=parse_float, parse_constant=parse_constant)
    except InputError:
        raise
    except RecursionError as exc:
        raise InputError(too_deep()) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(gettext("The request body is not valid JSON.")) from exc
    if json_depth(data) > MAX_JSON_DEPTH:
        raise InputError(too_deep())
    return data


# --- pydantic (the API's schemas) -------------------------------------------------------------


@dataclass(frozen=True)
class TextRules(GroupedMetadata):
    """pydantic metadata for text: ``Annotated[str, TextRules(200)]`` is a string of at most
    200 characters without NUL or control characters (tabs and line breaks only when
    ``multiline``)."""

    max_length: int
    multiline: bool = False

    def __iter__(self) -> Iterator[object]:
        yield MaxLen(self.max_length)
        multiline = self.multiline

        def validate(value: str) -> str:
            problem = text_problem(value, multiline=multiline)
            if problem:
                raise ValueError(problem)
            return value

        yield AfterValidator(validate)


@dataclass(frozen=True)
class NameRules(GroupedMetadata):
    """pydantic metadata for a name or a title: without control characters, put on one
    line (``clean_name``), then at most ``max_length`` characters."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield AfterValidator(clean_name)
        yield AfterValidator(_at_most(self.max_length))


def _at_most(max_length: int) -> Any:
    def validate(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(too_long(max_length, len(value)))
        return value

    return validate


# An id in a JSON body: an integer (not 1.5, true or "1") naming a 64-bit row.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
# An id in a query string or a path, where every value is text: digits naming a 64-bit row.
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
# An integer in a JSON body, not 1.5, true or "1" (its range is the service's to check).
StrictInt = Annotated[int, Strict()]


# --- Django forms -------------------------------------------------------------------------------


def no_control_characters(value: str) -> None:
    """A form validator: one line, no NUL or control characters."""
    problem = text_problem(value)
    if problem:
        raise ValidationError(problem, code="control_characters")


def no_control_characters_multiline(value: str) -> None:
    """A form validator for multi-line text: tabs and line breaks are fine."""
    problem = text_problem(value, multiline=True)
    if problem:
        raise ValidationError(problem, code="control_characters")


class SingleLineField(forms.CharField):
    """A form field for a name or a title (``clean_name``): NUL and control characters are
    refused, a pasted line break becomes a space."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            # JSON can send a list or an object where a name belongs; its text is no name.
            raise ValidationError(gettext("Enter a text, not a list."), code="invalid")
        value = super().to_python(value)
        if not isinstance(value, str):
            return value
        try:
            return clean_name(value)
        except InputError as exc:
            raise ValidationError(str(exc), code="control_characters") from exc


class InputRulesMixin:
    """For every form: its text fields refuse NUL and control characters (line breaks and
    tabs only in a Textarea). Lengths come from the fields' ``max_length`` (a model form's
    is its column's). ``SingleLineField`` checks its own."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            if isinstance(form_field, forms.CharField) and not isinstance(form_field, SingleLineField):
                multiline = isinstance(form_field.widget, forms.Textarea)
                form_field.validators.append(
                    no_control_characters_multiline if multiline else no_control_characters
                )
