"""Back office: an event's checkout questions (managers only): add, edit, reorder, delete.

Errors come back keyed by the form they belong to: ``add.<field>`` and, for one
question, ``<question id>.edit.<field>``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from backoffice.access import MANAGERS, managed_event
from backoffice.forms import AnswerSettingsForm, QuestionForm
from backoffice.schemas import AnswerSettingsValues, EventInZone, IdName, ManagedQuestion, QuestionsPageProps
from core.inertia import form_errors, form_page, render_page, render_with_errors, submitted_data
from core.schemas import Option
from events.models import Event
from questions import services as questions
from questions.models import Question
from storefront.schemas import OrganizerRef


def _questions_url(event: Event) -> str:
    return _questions_page_url(None, event.organizer.slug, event.slug)


def _questions_page_url(
    _request: HttpRequest | None, organizer_slug: str, event_slug: str, **_: object
) -> str:
    """The event's questions page, where every form of this module lives."""
    return reverse(
        "backoffice:questions", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug}
    )


def _page_props(event: Event) -> QuestionsPageProps:
    settings = questions.answer_settings(event)
    return QuestionsPageProps(
        answer_settings=AnswerSettingsValues(
            buyers_edit=settings.buyers_edit, buyer_edit_hours_before=settings.buyer_edit_hours_before
        ),
        organizer=OrganizerRef(slug=event.organizer.slug, name=event.organizer.name),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        questions=[
            ManagedQuestion(
                id=question.pk,
                label=question.label,
                help_text=question.help_text,
                kind=question.kind,
                kind_label=question.get_kind_display(),
                required=question.required,
                scope=question.scope,
                ticket_type_ids=sorted(questions.type_ids(question)),
                choices=list(question.choices),
                translations=question.translations,
            )
            for question in questions.event_questions(event)
        ],
        ticket_types=[IdName(id=t.pk, name=t.name) for t in event.ticket_types.all()],
        kinds=[Option(value=value, label=label) for value, label in Question.Kind.choices],
        scopes=[Option(value=value, label=label) for value, label in Question.Scope.choices],
        event_locale=event.locale,
        event_locales=list(event.locales),
    )


def _invalid(request: HttpRequest, event: Event, key: str, errors: dict[str, str]) -> HttpResponse:
    return render_with_errors(
        request, _page_props(event), {f"{key}.{field}": message for field, message in errors.items()}
    )


def _question(
    request: HttpRequest, organizer_slug: str, event_slug: str, question_id: int
) -> tuple[Event, Question]:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    return event, get_object_or_404(Question, pk=question_id, event=event)


@login_required
@require_GET
def questions_page(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    return render_page(
        request,
        _page_props(event),
        template_data={"page_title": gettext("Questions · %(event)s") % {"event": event.title}},
    )


@login_required
@form_page(_questions_page_url)
def question_create(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    form = QuestionForm(submitted_data(request), event=event)
    if not form.is_valid():
        return _invalid(request, event, "add", form_errors(form))
    try:
        question = questions.add_question(form.save(commit=False), form.ticket_type_ids())
    except questions.TooManyQuestions as exc:
        return _invalid(request, event, "add", {"form": str(exc)})
    messages.success(request, gettext("Question added: %(question)s.") % {"question": question.label})
    return redirect(_questions_url(event))


@login_required
@form_page(_questions_page_url)
def question_update(
    request: HttpRequest, organizer_slug: str, event_slug: str, question_id: int
) -> HttpResponse:
    event, question = _question(request, organizer_slug, event_slug, question_id)
    form = QuestionForm(submitted_data(request), instance=question, event=event)
    if not form.is_valid():
        return _invalid(request, event, f"{question.pk}.edit", form_errors(form))
    questions.update_question(form.save(commit=False), form.ticket_type_ids())
    messages.success(
        request,
        gettext("Question saved: %(question)s. Orders placed before keep their answers.")
        % {"question": question.label},
    )
    return redirect(_questions_url(event))


@login_required
@form_page(_questions_page_url)
def question_move(
    request: HttpRequest, organizer_slug: str, event_slug: str, question_id: int
) -> HttpResponse:
    event, question = _question(request, organizer_slug, event_slug, question_id)
    direction = submitted_data(request).get("direction")
    if direction not in ("up", "down"):
        return _invalid(
            request, event, f"{question.pk}.move", {"form": gettext("Move a question up or down.")}
        )
    questions.move_question(question, -1 if direction == "up" else 1)
    return redirect(_questions_url(event))


@login_required
@form_page(_questions_page_url)
def question_delete(
    request: HttpRequest, organizer_slug: str, event_slug: str, question_id: int
) -> HttpResponse:
    event, question = _question(request, organizer_slug, event_slug, question_id)
    label = question.label
    questions.delete_question(question)
    messages.success(
        request,
        gettext("Question deleted: %(question)s. Orders keep the answers they were placed with.")
        % {"question": label},
    )
    return redirect(_questions_url(event))


@login_required
@form_page(_questions_page_url)
def answer_settings(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Whether and until when buyers may change their answers on their order's page."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    form = AnswerSettingsForm(submitted_data(request))
    if not form.is_valid():
        return _invalid(request, event, "settings", form_errors(form))
    questions.save_answer_settings(
        event,
        buyers_edit=form.cleaned_data["buyers_edit"],
        hours_before=form.cleaned_data["buyer_edit_hours_before"],
    )
    messages.success(request, gettext("Saved: when buyers may change their answers."))
    return redirect(_questions_url(event))
