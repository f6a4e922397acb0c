"""Back office: an event's email texts and its messages to buyers (managers only, as editing
the event).

``Manage/EmailTexts`` lists the buyer emails whose words the organizer may change, saves or
resets one (``sales.email_texts``, audited in ``EmailTextChange``), previews a text with a
real order of the event (JSON, nothing saved) and sets the reminder's hours
(``messaging.services.configure_reminder``). ``Manage/Messages`` previews a message with its
recipient count (JSON), sends it (``messaging.services.send``) and shows each message's
progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from backoffice.access import MANAGERS, managed_event
from backoffice.forms import EmailTextForm, MessageForm, ReminderForm
from backoffice.schemas import (
    DateChoice,
    EmailPreview,
    EmailTextChangeRow,
    EmailTextOut,
    EmailTextsPageProps,
    EventInZone,
    IdName,
    MessageRow,
    MessagesPageProps,
    Placeholder,
)
from core.inertia import form_errors, form_page, render_page, render_with_errors, submitted_data
from core.translated import reading
from events.models import Event
from messaging import services as messaging
from messaging.models import Message
from sales import email_texts
from sales.models import EmailText, EmailTextChange, Order
from storefront.schemas import OrganizerRef

Kind = EmailText.Kind


def _placeholders(names: tuple[str, ...] | None = None) -> list[Placeholder]:
    return [
        Placeholder(name=name, description=description)
        for name, description in email_texts.PLACEHOLDERS.items()
        if names is None or name in names
    ]


def _texts_props(event: Event) -> EmailTextsPageProps:
    saved = {text.kind: text for text in EmailText.objects.filter(event=event).select_related("updated_by")}
    texts = []
    for kind in Kind:
        text = saved.get(kind.value)
        default_subject, default_body = email_texts.DEFAULTS[kind.value]
        texts.append(
            EmailTextOut(
                kind=kind.value,
                label=str(kind.label),
                subject=text.subject if text else default_subject,
                body=text.body if text else default_body,
                customized=text is not None,
                default_subject=default_subject,
                default_body=default_body,
                placeholders=list(email_texts.KIND_PLACEHOLDERS[kind.value]),
                updated_at=text.updated_at.astimezone(event.tz) if text else None,
                updated_by=text.updated_by.email if text and text.updated_by else "",
                translations=text.translations if text else {},
            )
        )
    changes = [
        EmailTextChangeRow(
            kind=change.kind, action=change.action, actor=change.actor_label, created_at=change.created_at
        )
        for change in EmailTextChange.objects.filter(event=event)[:50]
    ]
    organizer = event.organizer
    return EmailTextsPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        texts=texts,
        placeholders=_placeholders(),
        reminder_hours=messaging.reminder_hours(event),
        changes=changes,
        event_locale=event.locale,
        event_locales=list(event.locales),
    )


def _texts_url(_request: HttpRequest, organizer_slug: str, event_slug: str, **_: object) -> str:
    return reverse(
        "backoffice:email_texts", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug}
    )


def _kind(raw: str) -> str:
    if raw not in Kind.values:
        raise Http404("No such email.")
    return raw


def _texts_back(event: Event) -> HttpResponse:
    return redirect("backoffice:email_texts", organizer_slug=event.organizer.slug, event_slug=event.slug)


@login_required
@require_http_methods(["GET"])
def email_texts_page(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    return render_page(
        request,
        _texts_props(event),
        template_data={"page_title": gettext("Emails: %(event)s") % {"event": event.title}},
    )


@login_required
@form_page(_texts_url)
def email_text_save(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, email_kind: str
) -> HttpResponse:
    """Save one email's subject and body (errors under the form's fields)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    kind = _kind(email_kind)
    form = EmailTextForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _texts_props(event), form_errors(form))
    try:
        email_texts.save(
            event,
            kind,
            form.cleaned_data["subject"],
            form.cleaned_data["body"],
            actor=request.user,
            locale=form.cleaned_data["locale"] or None,
        )
    except email_texts.TextInvalid as exc:
        return render_with_errors(request, _texts_props(event), exc.errors)
    messages.success(
        request, gettext("The text of the email “%(email)s” is saved.") % {"email": Kind(kind).label}
    )
    return _texts_back(event)


@login_required
@form_page(_texts_url)
def email_text_reset(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, email_kind: str
) -> HttpResponse:
    """Back to Maticko's own email."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    kind = _kind(email_kind)
    locale = submitted_data(request).get("locale")
    try:
        done = email_texts.reset(
            event, kind, actor=request.user, locale=locale if isinstance(locale, str) and locale else None
        )
    except email_texts.TextInvalid as exc:
        return render_with_errors(request, _texts_props(event), exc.errors)
    if done:
        messages.success(
            request, gettext("The email “%(email)s” is Maticko's own again.") % {"email": Kind(kind).label}
        )
    return _texts_back(event)


@login_required
@form_page(_texts_url)
def email_reminder(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Set the reminder's hours before each date (empty: no reminder)."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    form = ReminderForm(submitted_data(request))
    if not form.is_valid():
        return render_with_errors(request, _texts_props(event), form_errors(form))
    hours = form.cleaned_data["hours_before"]
    before = messaging.reminder_hours(event)
    if messaging.configure_reminder(event, hours):
        EmailTextChange.objects.create(
            event=event,
            kind=Kind.REMINDER,
            action=EmailTextChange.Action.SAVED,
            detail={"hours_before": {"before": before, "after": hours}},
            actor=request.user,
            actor_label=request.user.email,
        )
    if hours:
        done = ngettext(
            "Reminders go %(count)s hour before each date.",
            "Reminders go %(count)s hours before each date.",
            hours,
        ) % {"count": hours}
    else:
        done = gettext("No reminder is sent.")
    messages.success(request, done)
    return _texts_back(event)


def _preview(event: Event, kind: str | None, subject: str, body: str) -> EmailPreview:
    allowed = email_texts.KIND_PLACEHOLDERS[kind] if kind else email_texts.MESSAGE_PLACEHOLDERS
    errors = email_texts.check(allowed, subject, body)
    if errors:
        return EmailPreview(subject="", html="", text="", sample=False, order_code=None, errors=errors)
    values, sample = email_texts.preview_values(event, kind)
    rendered = email_texts.render(subject, body, values)
    return EmailPreview(
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        sample=sample,
        order_code=None if sample else values["order_code"],
        errors={},
    )


def _json(preview: EmailPreview) -> JsonResponse:
    return JsonResponse(preview.model_dump(mode="json"), status=422 if preview.errors else 200)


def _form_errors_preview(errors: dict[str, str]) -> JsonResponse:
    return _json(EmailPreview(subject="", html="", text="", sample=False, order_code=None, errors=errors))


@login_required
@require_POST
def email_text_preview(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, email_kind: str
) -> JsonResponse:
    """The text as sent (subject, HTML, plain text) with a real order; nothing is saved."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    kind = _kind(email_kind)
    form = EmailTextForm(submitted_data(request))
    if not form.is_valid():
        return _form_errors_preview(form_errors(form))
    # The placeholders' values (the event's title, ticket types) in the text's language.
    with reading(form.cleaned_data["locale"] or event.locale):
        return _json(_preview(event, kind, form.cleaned_data["subject"], form.cleaned_data["body"]))


# --- Messages to buyers ------------------------------------------------------------------------


def _messages_props(event: Event) -> MessagesPageProps:
    organizer = event.organizer
    rows = []
    for message in Message.objects.filter(event=event)[:50]:
        counts = messaging.progress(message)
        rows.append(
            MessageRow(
                id=message.pk,
                subject=message.subject,
                created_at=message.created_at.astimezone(event.tz),
                created_by=message.created_by_label,
                **counts,
            )
        )
    return MessagesPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        dates=[
            DateChoice(id=d.pk, starts_at=d.starts_at.astimezone(event.tz), status=d.status)
            for d in event.dates.order_by("starts_at")
        ],
        ticket_types=[IdName(id=t.pk, name=t.name) for t in event.ticket_types.order_by("pk")],
        statuses=[[value, str(label)] for value, label in Order.Status.choices],
        placeholders=_placeholders(email_texts.MESSAGE_PLACEHOLDERS),
        messages=rows,
        batch_size=messaging.BATCH_SIZE,
    )


@login_required
@require_http_methods(["GET", "POST"])
def messages_page(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The messages sent and their progress; POST sends a new one."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    if request.method == "GET":
        return render_page(
            request,
            _messages_props(event),
            template_data={"page_title": gettext("Messages: %(event)s") % {"event": event.title}},
        )
    form = MessageForm(submitted_data(request), event=event)
    if not form.is_valid():
        return render_with_errors(request, _messages_props(event), form_errors(form))
    data = form.cleaned_data
    try:
        message = messaging.send(event, data["subject"], data["body"], form.filters(), actor=request.user)
    except email_texts.TextInvalid as exc:
        return render_with_errors(request, _messages_props(event), exc.errors)
    total = message.recipients.count()
    messages.success(
        request,
        ngettext(
            "The message is on its way to %(count)s buyer.",
            "The message is on its way to %(count)s buyers.",
            total,
        )
        % {"count": total},
    )
    return redirect("backoffice:messages", organizer_slug=organizer_slug, event_slug=event_slug)


@login_required
@require_POST
def messages_preview(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> JsonResponse:
    """How many buyers the message would reach, and the message rendered with the first one's order."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    form = MessageForm(submitted_data(request), event=event)
    if not form.is_valid():
        return _form_errors_preview(form_errors(form))
    data = form.cleaned_data
    allowed = email_texts.MESSAGE_PLACEHOLDERS
    errors = email_texts.check(allowed, data["subject"], data["body"])
    if errors:
        return _form_errors_preview(errors)
    orders = messaging.recipients(event, form.filters())
    first = orders.select_related("event", "event__organizer", "date").first()
    values, sample = email_texts.preview_values(event, None, first, latest=False)
    rendered = email_texts.render(data["subject"], data["body"], values)
    return _json(
        EmailPreview(
            subject=rendered.subject,
            html=rendered.html,
            text=rendered.text,
            sample=sample,
            order_code=None if sample else values["order_code"],
            recipients=orders.count(),
            errors={},
        )
    )
