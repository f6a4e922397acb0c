"""The shapes every page shares, and the building blocks of the others.

Whatever the server sends to a page or answers from the API is a pydantic schema
(django-ninja's ``Schema``); the frontend's TypeScript types are generated from
these schemas (``manage.py export_frontend_schema``, see DEVELOPMENT.md), so a
shape is written once, here or in an app's ``schemas`` module.

- ``Money`` and ``IsoDateTime`` fix how amounts and moments travel: ``"12.50"``
  and ISO 8601 with the UTC offset they were given.
- ``PageProps`` is the base of each Inertia page's props; a subclass names its
  page component and ``core.inertia.render_page`` renders it.
- ``SharedProps`` are the props every page receives (``core.middleware``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from django.utils.functional import Promise
from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, GetCoreSchemaHandler, PlainSerializer, WithJsonSchema
from pydantic_core import CoreSchema, core_schema

from core.money import money_str


class OneOf:
    """``Annotated[str, OneOf(Order.Status.values)]``: a string that is one of these
    values. pydantic validates it and the JSON schema lists the values (a union of
    string literals in TypeScript); a type checker sees a ``str``, so a model's
    CharField passes as it is. Built from a model's choices, it cannot drift from them."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = tuple(values)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.literal_schema(list(self.values))


def _isoformat(value: dt.datetime) -> str:
    return value.isoformat()


# An amount of money: a Decimal on the server, a string with two decimals on the wire ("12.50").
Money = Annotated[
    Decimal,
    PlainSerializer(money_str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12.50"]}),
]

# A moment, sent in JSON as Python's isoformat() with the UTC offset it carries
# (an event's times carry the event's own offset). The API's event endpoints, which
# django-ninja renders with Django's JSON encoder, keep that encoder's format
# (milliseconds, "Z" for UTC).
IsoDateTime = Annotated[
    dt.datetime,
    PlainSerializer(_isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


# Organizer-written texts in several languages (core.translated, ADR 0035):
# {language: {field: text}}; a question's ``choices`` are a list of texts.
TranslatedTexts = dict[str, dict[str, str]]
TranslatedQuestionTexts = dict[str, dict[str, str | list[str]]]


class Shape(Schema):
    """A shape the server sends: building one with a key it does not declare is an error.
    Fields with an alias (a wire name Python cannot use, e.g. ``from``) take either name."""

    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)


class PageProps(Shape):
    """The props of one Inertia page.

    A subclass sets ``component`` (the page's path under frontend/src/pages,
    e.g. ``"Orders/Show"``) and is registered in ``PageProps.pages``; the
    frontend's ``PageProps<"Orders/Show">`` is its generated type.
    """

    component: ClassVar[str]
    pages: ClassVar[dict[str, type[PageProps]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        component = cls.__dict__.get("component")
        if component is None:
            return
        known = PageProps.pages.get(component)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"Two page schemas for {component!r}: {known.__qualname__}, {cls.__qualname__}")
        PageProps.pages[component] = cls


# --- Props every page receives --------------------------------------------------------


class AppInfo(Shape):
    name: str
    version: str


class LocaleOption(Shape):
    """A language the buyer may choose, named in itself ("Deutsch")."""

    code: str
    name: str


class User(Shape):
    email: str
    name: str


class Auth(Shape):
    user: User | None


class SharedProps(Shape):
    """What ``core.middleware.InertiaSharedPropsMiddleware`` shares with every page.
    ``errors`` maps a form field (or ``form``) to its message; views replace it
    when a form is invalid (``core.inertia.render_with_errors``)."""

    app: AppInfo
    auth: Auth
    errors: dict[str, str]
    # The page is framed on another website (the shop widget, ``/embed/...``): shown without
    # the site's header and footer, its links stay in the frame.
    embed: bool = False
    # The language the server answered in (core.language: the buyer's choice, the browser's,
    # the event's, English) and the languages the switcher offers.
    locale: str
    locales: list[LocaleOption]


class FlashMessage(Shape):
    """One of Django's messages, as inertia-django puts them in the page's ``flash.messages``."""

    level: Literal["debug", "info", "success", "warning", "error"]
    message: str


# --- Building blocks of several pages ----------------------------------------------------


class Pagination(Shape):
    """A paged list's position, for the frontend's pager (``core.inertia.paginate``)."""

    page: int
    pages: int
    count: int
    has_previous: bool
    has_next: bool


def _text(value: Any) -> Any:
    """A lazily translated text (``gettext_lazy``) as its text in the active language."""
    return str(value) if isinstance(value, Promise) else value


# A label that may be lazily translated, as Django's choices carry them; sent as text.
if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Label = str | _StrPromise
else:
    Label = Annotated[str, BeforeValidator(_text)]


class Option(Shape):
    """One choice of a select field."""

    value: str
    label: Label


# --- Pages ------------------------------------------------------------------------------


class ErrorPageProps(PageProps):
    component = "Error"

    status: int
    message: str
    # An order not found: where a buyer gets the links of their orders again.
    find_orders_url: str | None = None
