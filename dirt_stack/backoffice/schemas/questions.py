"""The checkout questions page's shapes."""

from __future__ import annotations

from pydantic import Field

from backoffice.schemas.common import EventInZone, IdName
from core.schemas import Option, PageProps, Shape
from storefront.schemas import OrganizerRef, QuestionKind, QuestionScope


class ManagedQuestion(Shape):
    """A question as its editor shows it."""

    id: int
    label: str
    help_text: str
    kind: QuestionKind
    kind_label: str
    required: bool
    scope: QuestionScope
    ticket_type_ids: list[int] = Field(description="Asked only for these ticket types; empty: all.")
    choices: list[str]


class QuestionsPageProps(PageProps):
    component = "Manage/Questions"

    organizer: OrganizerRef
    event: EventInZone
    questions: list[ManagedQuestion] = Field(description="In the order the checkout asks them.")
    ticket_types: list[IdName]
    kinds: list[Option]
    scopes: list[Option]
