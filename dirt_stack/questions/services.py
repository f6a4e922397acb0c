"""Checkout questions: which an order asks, validating the answers, and keeping the list.

One validation for every way an order is placed: the web checkout and the purchase API
call ``clean_answers`` before placing the order and hand its result to sales in
``BuyerDetails.answers`` (its faults in ``answer_errors``, reported with the buyer's own),
and sales writes it into ``Order.answers`` with the order's own INSERT, so an order never
exists without its required answers.

Stored answers (``Order.answers``)::

    {"order": [answer, ...], "tickets": [[answer, ...], ...]}

with ``answer = {"question": id, "label": ..., "kind": ..., "value": ...}``: the ticket
lists follow the order's tickets (ticket types by id, then one after another, as
sales.order_writer builds them; the same order as the tickets' ids). The label and kind
are copied in, so an order keeps its answers, readable, when its question is edited or
deleted. Values: text for most kinds, a decimal as text for numbers, ``YYYY-MM-DD`` for
dates, a list of the chosen options for a multiple choice, ``true`` for a ticked
checkbox, an ISO 3166 alpha-2 code for a country, ``+`` and digits for a phone number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from core.input import InputError, parse_decimal, text_problem
from events.models import Event
from questions.models import AnswerSettings, Question

TEXT_MAX_LENGTH = 200
LONG_TEXT_MAX_LENGTH = 5000
CHOICES_MAX = 50
CHOICE_MAX_LENGTH = 200
QUESTIONS_MAX = 50  # per event
NUMBER_PLACES = 6
NUMBER_DIGITS = 18  # so every number is below 10^12 in size
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_COUNTRY = re.compile(r"[A-Z]{2}")
# E.164: a plus, a country code not starting with 0, at most 15 digits in all.
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_SEPARATORS = re.compile(r"[ .()/-]")

Answer = dict[str, Any]


class AnswersInvalid(Exception):
    """Some answers are missing or wrong: ``errors`` maps each field (``answers.<question
    id>``, ``answers.<question id>.<ticket position>`` for a question asked per ticket, or
    ``answers``) to its message, in the order the checkout asks them."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass
class Asked:
    """The questions an order asks: once for the order, and for each of its tickets."""

    order: list[Question]
    tickets: list[list[Question]]

    @property
    def any(self) -> bool:
        return bool(self.order) or any(self.tickets)


def event_questions(event: Event) -> list[Question]:
    """The event's questions in the checkout's order, with their ticket types (no query
    when the event's row says it has none: ``Event.asks_questions``)."""
    if not event.asks_questions:
        return []
    return list(Question.objects.filter(event=event).prefetch_related("ticket_types"))


def note_asked(event_id: int) -> bool:
    """Set ``Event.asks_questions`` from the event's questions (after one is saved or
    deleted); returns it."""
    asks = Question.objects.filter(event_id=event_id).exists()
    Event.objects.filter(pk=event_id).exclude(asks_questions=asks).update(asks_questions=asks)
    return asks


def type_ids(question: Question) -> set[int]:
    """The ticket types ``question`` is limited to (empty: all); from the prefetched rows."""
    return {ticket_type.pk for ticket_type in question.ticket_types.all()}


def asked(questions: Iterable[Question], ticket_type_ids: Sequence[int]) -> Asked:
    """Which of ``questions`` an order asks whose tickets are of ``ticket_type_ids`` (one
    per ticket, in the order's order): a question limited to some ticket types is asked of
    the tickets of those types (per ticket) or of orders with one of them (per order)."""
    in_order = set(ticket_type_ids)
    order: list[Question] = []
    tickets: list[list[Question]] = [[] for _ in ticket_type_ids]
    for question in questions:
        limited_to = type_ids(question)
        if question.scope == Question.Scope.TICKET:
            for position, ticket_type_id in enumerate(ticket_type_ids):
                if not limited_to or ticket_type_id in limited_to:
                    tickets[position].append(question)
        elif not limited_to or limited_to & in_order:
            order.append(question)
    return Asked(order, tickets)


def ticket_positions(quantities: Mapping[int, int]) -> list[int]:
    """The ticket type of each ticket of an order of ``quantities``, in the order
    sales.order_writer builds its tickets (ticket types by id)."""
    return [
        ticket_type_id for ticket_type_id in sorted(quantities) for _ in range(quantities[ticket_type_id])
    ]


def field_name(question_id: int, position: int | None = None) -> str:
    """The form field (and API ``field``) of an answer."""
    return f"answers.{question_id}" if position is None else f"answers.{question_id}.{position}"


def clean_answers(
    asked_questions: Asked,
    order_values: Mapping[Any, Any],
    ticket_values: Sequence[Mapping[Any, Any]] = (),
) -> dict[str, Any]:
    """The answers to store on the order (see the module), from what the buyer sent:
    ``order_values`` by question id (an int or its digits), ``ticket_values`` one such
    mapping per ticket. Every answer is checked before raising AnswersInvalid, so the
    buyer fixes them all in one round; an answer to a question not asked is refused."""
    errors: dict[str, str] = {}
    order_answers = _cleaned(asked_questions.order, order_values, None, errors)
    if len(ticket_values) > len(asked_questions.tickets):
        errors.setdefault("answers", gettext("Answer the questions of the order's tickets only."))
    ticket_answers = [
        _cleaned(
            questions, ticket_values[position] if position < len(ticket_values) else {}, position, errors
        )
        for position, questions in enumerate(asked_questions.tickets)
    ]
    if errors:
        raise AnswersInvalid(errors)
    if not order_answers and not any(ticket_answers):
        return {}
    return {"order": order_answers, "tickets": ticket_answers}


def _cleaned(
    questions: list[Question], values: Mapping[Any, Any], position: int | None, errors: dict[str, str]
) -> list[Answer]:
    if not isinstance(values, Mapping):
        errors.setdefault("answers", gettext("Send the answers as an object keyed by question id."))
        return []
    by_id = {str(question.pk): question for question in questions}
    if any(str(key) not in by_id for key in values):
        errors.setdefault(
            "answers",
            gettext("Answer only the questions asked of this order.")
            if position is None
            else gettext("Answer only the questions asked of ticket %(number)s.") % {"number": position + 1},
        )
    answers = []
    for question in questions:
        try:
            value = clean_value(question, values.get(str(question.pk), values.get(question.pk)))
        except InputError as exc:
            errors.setdefault(field_name(question.pk, position), str(exc))
            continue
        if value is None:
            if question.required:
                message = (
                    gettext("Tick this box to continue.")
                    if question.kind == Question.Kind.CHECKBOX
                    else gettext("Answer this question.")
                )
                errors.setdefault(field_name(question.pk, position), message)
            continue
        answers.append(
            {"question": question.pk, "label": question.label, "kind": question.kind, "value": value}
        )
    return answers


def clean_value(question: Question, raw: Any) -> Any:
    """The answer to store for ``raw`` (None: not answered); InputError with a message
    for the buyer when it is not an answer to ``question``."""
    kind = question.kind
    if raw is None:
        return None
    if kind == Question.Kind.CHECKBOX:
        if not isinstance(raw, bool):
            raise InputError(gettext("Tick the box or leave it empty."))
        return True if raw else None
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return _choices(question, raw)
    if kind == Question.Kind.NUMBER:
        return _number(raw)
    if not isinstance(raw, str):
        raise InputError(gettext("Answer with text."))
    multiline = kind == Question.Kind.LONG_TEXT
    problem = text_problem(
        raw, max_length=LONG_TEXT_MAX_LENGTH if multiline else TEXT_MAX_LENGTH, multiline=multiline
    )
    if problem:
        raise InputError(problem)
    text = raw.strip()
    if not text:
        return None
    if kind == Question.Kind.DATE:
        return _date(text)
    if kind == Question.Kind.SINGLE_CHOICE:
        if text not in question.choices:
            raise InputError(gettext("Choose one of the options."))
        return text
    if kind == Question.Kind.COUNTRY:
        code = text.upper()
        if not _COUNTRY.fullmatch(code) or pycountry.countries.get(alpha_2=code) is None:
            raise InputError(gettext("Choose a country from the list."))
        return code
    if kind == Question.Kind.PHONE:
        return _phone(text)
    return text


def _choices(question: Question, raw: Any) -> list[str] | None:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise InputError(gettext("Choose options from the list."))
    if len(raw) > CHOICES_MAX or any(item not in question.choices for item in raw):
        raise InputError(gettext("Choose options from the list."))
    chosen = [choice for choice in question.choices if choice in raw]  # the options' order, once each
    return chosen or None


def _number(raw: Any) -> str | None:
    if isinstance(raw, str):
        problem = text_problem(raw, max_length=40)
        if problem:
            raise InputError(problem)
        if not raw.strip():
            return None
    number = parse_decimal(raw, places=NUMBER_PLACES, max_digits=NUMBER_DIGITS)  # InputError says why
    return format(number.normalize(), "f") if number else "0"


def _date(text: str) -> str:
    if not _DATE.fullmatch(text):
        raise InputError(gettext("Enter a date as YYYY-MM-DD."))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(gettext("Enter a date that exists, as YYYY-MM-DD.")) from exc
    if not DATE_MIN <= day <= DATE_MAX:
        raise InputError(
            gettext("Enter a date between %(first)s and %(last)s.")
            % {"first": DATE_MIN.year, "last": DATE_MAX.year}
        )
    return day.isoformat()


def _phone(text: str) -> str:
    number = _PHONE_SEPARATORS.sub("", text)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _PHONE.fullmatch(number):
        raise InputError(gettext("Enter the phone number in international format, e.g. +43 660 1234567."))
    return number


# --- Reading stored answers -----------------------------------------------------------------


def _entries(value: Any) -> list[Answer]:
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict) and "question" in entry]


def order_answers(stored: Any) -> list[Answer]:
    """An order's answers to its per-order questions (``Order.answers``)."""
    return _entries(stored.get("order")) if isinstance(stored, dict) else []


def ticket_answers(stored: Any, position: int) -> list[Answer]:
    """The answers given for the order's ticket at ``position`` (its tickets in id order)."""
    tickets = stored.get("tickets") if isinstance(stored, dict) else None
    if not isinstance(tickets, list) or not 0 <= position < len(tickets):
        return []
    return _entries(tickets[position])


def answer_text(answer: Answer) -> str:
    """An answer as people read it (the order pages, the CSV exports)."""
    value, kind = answer.get("value"), answer.get("kind")
    if kind == Question.Kind.CHECKBOX:
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if kind == Question.Kind.COUNTRY and isinstance(value, str):
        country = pycountry.countries.get(alpha_2=value) if _COUNTRY.fullmatch(value) else None
        return f"{country.name} ({value})" if country is not None else value
    return "" if value is None else str(value)


def countries() -> list[tuple[str, str]]:
    """ISO 3166-1 countries as (alpha-2 code, name), by name: a country question's options."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


# --- The organizer's list ---------------------------------------------------------------------


class TooManyQuestions(Exception):
    pass


def add_question(question: Question, ticket_type_ids: Iterable[int]) -> Question:
    """Save a new ``question`` (its event set) last in its event's list."""
    with transaction.atomic():
        # The event's row serializes additions, so two never take the same position.
        Event.objects.select_for_update().filter(pk=question.event_id).first()
        siblings = Question.objects.filter(event_id=question.event_id)
        if siblings.count() >= QUESTIONS_MAX:
            raise TooManyQuestions(f"An event can ask at most {QUESTIONS_MAX} questions.")
        last = siblings.aggregate(last=Max("position"))["last"]
        question.position = 0 if last is None else last + 1
        question.save()
        question.ticket_types.set(list(ticket_type_ids))
    return question


def update_question(question: Question, ticket_type_ids: Iterable[int]) -> Question:
    """Save an edited question. Orders keep the label and answers they were placed with."""
    with transaction.atomic():
        question.save()
        question.ticket_types.set(list(ticket_type_ids))
    return question


def move_question(question: Question, step: int) -> None:
    """Move ``question`` one place up (``step`` -1) or down (+1) in its event's list."""
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=question.event_id).first()
        ordered = list(Question.objects.filter(event_id=question.event_id).order_by("position", "id"))
        index = next((i for i, q in enumerate(ordered) if q.pk == question.pk), None)
        if index is None:
            return
        target = index + (1 if step > 0 else -1)
        if not 0 <= target < len(ordered):
            return
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, item in enumerate(ordered):
            if item.position != position:
                Question.objects.filter(pk=item.pk).update(position=position)


def delete_question(question: Question) -> None:
    """Delete ``question``; orders keep their answers to it (copied with its label)."""
    question.delete()


def answers_for(
    event: Event, ticket_type_ids: Sequence[int], order_values: Any, ticket_values: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """``clean_answers`` for an order of ``event`` whose tickets are of ``ticket_type_ids``:
    (the answers to store, {}) or ({}, every fault by field), as sales.pricing.BuyerDetails
    takes them. ``order_values`` and ``ticket_values`` are what the buyer sent, unchecked."""
    if order_values is None:
        order_values = {}
    if ticket_values is None:
        ticket_values = []
    if not isinstance(ticket_values, list):
        return {}, {"answers": gettext("Send the tickets' answers as a list, one object per ticket.")}
    try:
        return clean_answers(asked(event_questions(event), ticket_type_ids), order_values, ticket_values), {}
    except AnswersInvalid as exc:
        return {}, exc.errors


# --- Changing answers after the order ---------------------------------------------------------

EDIT_HOURS_MAX = 24 * 365


def answer_settings(event: Event) -> AnswerSettings:
    """The event's settings (the defaults, unsaved, when it has none)."""
    return AnswerSettings.objects.filter(event=event).first() or AnswerSettings(event=event)


def save_answer_settings(event: Event, *, buyers_edit: bool, hours_before: int) -> AnswerSettings:
    settings, _ = AnswerSettings.objects.update_or_create(
        event=event, defaults={"buyers_edit": buyers_edit, "buyer_edit_hours_before": hours_before}
    )
    return settings


def buyer_edit_deadline(settings: AnswerSettings, starts_at: dt.datetime) -> dt.datetime | None:
    """Until when a buyer may change the answers of an order for a date starting at
    ``starts_at``; None when the event lets no buyer change them."""
    if not settings.buyers_edit:
        return None
    return starts_at - dt.timedelta(hours=settings.buyer_edit_hours_before)


def form_values(stored: Any, asked_questions: Asked) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Stored answers to the ``asked_questions`` as the checkout's form sends them (to
    prefill a change; answers to questions no longer asked stay out of the form)."""

    def values(answers: list[Answer], questions: list[Question]) -> dict[str, Any]:
        asked_ids = {question.pk for question in questions}
        return {
            str(answer["question"]): answer.get("value")
            for answer in answers
            if answer["question"] in asked_ids and answer.get("value") is not None
        }

    order = values(order_answers(stored), asked_questions.order)
    tickets = [
        values(ticket_answers(stored, position), questions)
        for position, questions in enumerate(asked_questions.tickets)
    ]
    return order, tickets


def changed_answers(
    asked_questions: Asked, stored: Any, order_values: Any, ticket_values: Any
) -> dict[str, Any]:
    """An order's answers after a change: ``clean_answers`` of what was sent for the
    questions asked now, plus the stored answers to questions no longer asked (deleted or
    limited since), which the change cannot show and so keeps. AnswersInvalid as there."""
    if order_values is None:
        order_values = {}
    if ticket_values is None:
        ticket_values = []
    if not isinstance(ticket_values, list):
        raise AnswersInvalid(
            {"answers": gettext("Send the tickets' answers as a list, one object per ticket.")}
        )
    fresh = clean_answers(asked_questions, order_values, ticket_values)
    asked_order = {question.pk for question in asked_questions.order}
    order = fresh.get("order", []) + [a for a in order_answers(stored) if a["question"] not in asked_order]
    tickets = []
    for position, questions in enumerate(asked_questions.tickets):
        asked_here = {question.pk for question in questions}
        new = fresh["tickets"][position] if fresh else []
        tickets.append(new + [a for a in ticket_answers(stored, position) if a["question"] not in asked_here])
    if not order and not any(tickets):
        return {}
    return {"order": order, "tickets": tickets}
