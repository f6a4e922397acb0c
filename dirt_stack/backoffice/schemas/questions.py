"""The checkout questions page's shapes."""

from __future__ import annotations

from pydantic import Field

from backoffice.schemas.common import EventInZone, IdName
from core.schemas import Option, PageProps, Shape, TranslatedQuestionTexts
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
    translations: TranslatedQuestionTexts = Field(
        description="Label, help text and options in the event's other languages."
    )


class AnswerSettingsValues(Shape):
    buyers_edit: bool = Field(description="Buyers may change their answers on their order's page.")
    buyer_edit_hours_before: int = Field(description="Until this many hours before their date starts.")


class QuestionsPageProps(PageProps):
    component = "Manage/Questions"

    organizer: OrganizerRef
    event: EventInZone
    questions: list[ManagedQuestion] = Field(description="In the order the checkout asks them.")
    ticket_types: list[IdName]
    kinds: list[Option]
    scopes: list[Option]
    answer_settings: AnswerSettingsValues
    # Not ``locale``/``locales``: those are the shared props (the page's own language).
    event_locale: str = Field(description="The event's language: the questions' own texts are in it.")
    event_locales: list[str] = Field(description="The event's languages; the others get translations.")
