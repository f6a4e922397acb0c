"""An event's email texts (``Manage/EmailTexts``) and its messages to buyers (``Manage/Messages``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from backoffice.schemas.common import DateChoice, EventInZone, IdName
from core.schemas import IsoDateTime, OneOf, PageProps, Shape, TranslatedTexts
from sales.models import EmailText, EmailTextChange
from storefront.schemas import OrganizerRef

EmailKind = Annotated[str, OneOf(EmailText.Kind.values)]


class Placeholder(Shape):
    name: str = Field(description="Written in braces: {event}.")
    description: str


class EmailTextOut(Shape):
    kind: EmailKind
    label: str
    subject: str
    body: str = Field(description="Markdown with placeholders.")
    customized: bool = Field(description="False: Maticko's own email is sent.")
    default_subject: str
    default_body: str
    placeholders: list[str] = Field(description="The placeholders this email may use.")
    updated_at: IsoDateTime | None
    updated_by: str
    translations: TranslatedTexts = Field(
        description="Subject and body in the event's other languages; a language without one "
        "sends the event language's text."
    )


class EmailTextChangeRow(Shape):
    kind: EmailKind
    action: Annotated[str, OneOf(EmailTextChange.Action.values)]
    actor: str
    created_at: IsoDateTime


class EmailTextsPageProps(PageProps):
    component = "Manage/EmailTexts"

    organizer: OrganizerRef
    event: EventInZone
    texts: list[EmailTextOut]
    placeholders: list[Placeholder]
    reminder_hours: int | None = Field(description="Hours before each date the reminder goes; None: off.")
    changes: list[EmailTextChangeRow]
    # Not ``locale``/``locales``: those are the shared props (the page's own language).
    event_locale: str = Field(description="The event's language: the texts' own subject and body are in it.")
    event_locales: list[str] = Field(description="The event's languages; the others get translations.")


class EmailPreview(Shape):
    """A text rendered with a real order of the event (``sample``: with made-up values)."""

    subject: str
    html: str = Field(description="Sanitized HTML of the body.")
    text: str
    sample: bool
    order_code: str | None
    recipients: int | None = Field(default=None, description="Messages: how many buyers it would go to.")
    errors: dict[str, str]


class MessageRow(Shape):
    id: int
    subject: str
    created_at: IsoDateTime
    created_by: str
    total: int
    queued: int
    sent: int
    failed: int


class MessagesPageProps(PageProps):
    component = "Manage/Messages"

    organizer: OrganizerRef
    event: EventInZone
    dates: list[DateChoice]
    ticket_types: list[IdName]
    statuses: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(
        description="[value, label] of every order status."
    )
    placeholders: list[Placeholder]
    messages: list[MessageRow]
    batch_size: int = Field(description="Emails handed out per batch, one batch a minute.")
