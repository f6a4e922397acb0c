"""The questions an event asks its buyers at checkout.

Answers are not rows of their own: each order stores its answers in ``Order.answers``
(sales), written by the same statement as the order, with each question's label and
kind copied in, so an order keeps its answers when a question is edited or deleted
(questions.services).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from core.translated import Text
from events.models import Event, TicketType

# The question's translatable texts (core.translated): a translation's choices are labels of
# the same options, one for one; the answer stored is the option in the event's language.
QUESTION_TEXTS = {
    "label": Text(200, name=True),
    "help_text": Text(500, name=True),
    "choices": Text(200, items=50),
}


class Question(models.Model):
    TRANSLATED = QUESTION_TEXTS

    class Kind(models.TextChoices):
        TEXT = "text", gettext_lazy("Text")
        LONG_TEXT = "long_text", gettext_lazy("Long text")
        NUMBER = "number", gettext_lazy("Number")
        DATE = "date", gettext_lazy("Date")
        SINGLE_CHOICE = "single_choice", gettext_lazy("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", gettext_lazy("Multiple choice")
        CHECKBOX = "checkbox", "Checkbox"
        COUNTRY = "country", "Country"
        PHONE = "phone", "Phone number"

    class Scope(models.TextChoices):
        ORDER = "order", gettext_lazy("Once per order")
        TICKET = "ticket", gettext_lazy("For every ticket")

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    # Asked only for these ticket types (per ticket), or only of orders with one of them
    # (per order); none: for every ticket type.
    ticket_types = models.ManyToManyField(TicketType, blank=True, related_name="questions")
    label = models.CharField(max_length=200)
    help_text = models.CharField(max_length=500, blank=True, default="")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=False)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.ORDER)
    # The order in which the checkout asks; lower first.
    position = models.PositiveIntegerField(default=0)
    # The options of a single or multiple choice, as shown and stored.
    choices = models.JSONField(default=list, blank=True)
    # ``label``, ``help_text`` and ``choices`` in the event's other languages (core.translated).
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["event", "position"], name="question_event_position_idx")]

    def __str__(self) -> str:
        return self.label


class AnswerSettings(models.Model):
    """Whether and until when buyers may change their answers on their order's page
    (organizers always may). An event without a row: buyers may, until their date starts."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="answer_settings")
    buyers_edit = models.BooleanField(default=True)
    # Buyers' changes close this many hours before their order's date starts.
    buyer_edit_hours_before = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Answer settings of {self.event_id}"
