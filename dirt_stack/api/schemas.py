"""Responses of the REST API that add to the pages' shapes, its query parameters, and its
problem documents (OpenAPI at /api/v1/openapi.json). Shapes the pages share live in
storefront.schemas and backoffice.schemas; request bodies live next to their endpoints."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from core.schemas import TranslatedQuestionTexts, TranslatedTexts
from storefront.schemas import (
    CheckoutQuestion,
    DatePublic,
    EventDetail,
    EventSummary,
    QuestionScope,
    TicketTypePublic,
)

TRANSLATIONS = (
    "The organizer's texts in every language of the event, its own (`locale`) included: "
    "{language: {field: text}}. The fields themselves are in the reader's language (`?locale=`, "
    "else `Accept-Language`), falling back to the event's language, then to any."
)


class EventSummaryOut(EventSummary):
    url: str = Field(description="The event's page.")


class QuestionOut(CheckoutQuestion):
    """A question the checkout asks; answer it in the purchase's `answers`."""

    scope: QuestionScope = Field(description="`order`: asked once per order; `ticket`: for every ticket.")
    ticket_type_ids: list[int] = Field(
        description=(
            "Asked only for tickets of these types (per ticket), or only of orders with one of them "
            "(per order); empty: for every ticket type."
        )
    )
    translations: TranslatedQuestionTexts = Field(description=TRANSLATIONS)


class TicketTypeOut(TicketTypePublic):
    translations: TranslatedTexts = Field(description=TRANSLATIONS)


class EventDetailOut(EventDetail):
    description: str = Field(description="Markdown.")
    url: str = Field(description="The event's page.")
    more_dates: bool = Field(
        description="More dates are coming than `dates` lists: page through them at /events/{slug}/dates."
    )
    questions: list[QuestionOut] = Field(
        description="The checkout's questions, in the order it asks them (`answers` of a purchase)."
    )
    ticket_types: list[TicketTypeOut] = Field(description="On the chosen date; empty without one.")  # type: ignore[assignment]
    locale: str = Field(description="The event's own language (`title` and `description` fall back to it).")
    locales: list[str] = Field(description="The languages the event is written in.")
    translations: TranslatedTexts = Field(description=TRANSLATIONS)


class DateFilters(Schema):
    date_from: dt.date | None = Field(
        None, alias="from", description="Dates taking place on this day (the event's time zone) or later."
    )
    date_to: dt.date | None = Field(
        None, alias="to", description="Dates taking place on this day (the event's time zone) or earlier."
    )
    page: int = Field(1, ge=1, le=100_000)


class DatePageOut(Schema):
    items: list[DatePublic]
    count: int = Field(description="Dates matching, on all pages.")
    page: int
    pages: int


class FieldProblemOut(Schema):
    """One request field at fault and what is wrong with it."""

    field: str
    detail: str


class ProblemOut(Schema):
    """An RFC 7807 problem: what went wrong, in words a person can read."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = Field(
        None, description="The request field at fault, when there is one (e.g. `date`, `quantities`)."
    )
    field_errors: list[FieldProblemOut] | None = Field(
        None,
        description="Every request field at fault, the first one (the one in `field`) first, so a form "
        "can show all of them at once (422 on a purchase).",
    )
    order_code: str | None = Field(None, description="The order the problem is about, when one was written.")
    order_url: str | None = Field(
        None, description="That order's secret page, where the buyer retries (e.g. the card payment)."
    )
    challenge_url: str | None = Field(
        None,
        description="Where to get a proof-of-work challenge to solve, when one is (or will be) needed.",
    )
    reason: str | None = Field(
        None,
        description="Why an admission to the on-sale room was refused (403): `missing`, `invalid`, "
        "`expired`, `other_browser` or `used`.",
    )
    queue_url: str | None = Field(None, description="The event's queue page, to wait for an admission.")
