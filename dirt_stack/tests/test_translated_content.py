"""Translated event content (core.translated, ADR 0035): the resolver's fallback chain, the
maps' rules, a German buyer's event page, confirmation email, PDF and calendar file, both
APIs (resolved texts and the full map), the back office's forms, an event's language changed
or disabled, email texts per language, duplication and webhook snapshots. SQLite and
PostgreSQL; hostile maps are in tests/test_hostile_input.py."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from accounts import tokens
from accounts.models import Membership
from backoffice.duplication import duplicate_event
from core import translated
from core.locales import LANGUAGE_CODES, LANGUAGES
from core.translated import Text, clean_translations, full_map, resolve
from events.models import EVENT_TEXTS, Event, TicketType
from questions import services as question_services
from questions.models import Question
from sales import calendar, email_texts, emails, pricing, purchase
from sales.models import EmailText, Order
from sales.order_actions import Actor
from sales.tickets import order_pdf
from storefront.serializers import checkout_question
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from webhooks import payloads

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
BASE_URL = "http://testserver/"
EVENT = "/manage/acme/events/gig"
API_EVENT = "/api/v1/manage/events/gig"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.API_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"
    settings.SITE_URL = BASE_URL


@pytest.fixture
def shop(db) -> dict[str, Any]:
    organizer = make_organizer(slug="acme", name="Acme Events")
    starts = timezone.now() + dt.timedelta(days=30)
    event = make_event(
        organizer=organizer,
        slug="gig",
        title="Summer Concert",
        description="An evening of **strings**.",
        payment_methods=["demo"],
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        locale="en",
        locales=["en", "de", "fr"],
        translations={"de": {"title": "Sommerkonzert", "description": "Ein Abend mit **Streichern**."}},
    )
    standard = make_ticket_type(
        event,
        name="Standard",
        description="A seat.",
        price=Decimal("20.00"),
        translations={"de": {"name": "Stehplatz", "description": "Ein Platz."}},
    )
    vip = make_ticket_type(event, name="VIP", price=Decimal("50.00"))  # no German name
    manager = make_member(organizer, role=Membership.Role.MANAGER, email="manager@example.com")
    client = Client()
    client.force_login(manager)
    _, token = tokens.create_token(organizer=organizer, name="t", role="manager", created_by=None)
    return {
        "event": event,
        "date": only_date(event),
        "standard": standard,
        "vip": vip,
        "manager": manager,
        "client": client,
        "token": token,
    }


def buy(shop: dict[str, Any], locale: str, lines: dict[str, int] | None = None) -> Order:
    details = pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo")
    wanted = {shop[key].pk: quantity for key, quantity in (lines or {"standard": 1, "vip": 1}).items()}
    order = purchase.place_order(shop["date"], wanted, details, base_url=BASE_URL).order
    Order.objects.filter(pk=order.pk).update(locale=locale)
    order.refresh_from_db()
    return order


def confirmation(order: Order) -> Any:
    """The confirmation email of ``order``, as sent now."""
    mail.outbox.clear()
    emails.send_order_confirmation(order.code, BASE_URL)
    return mail.outbox[0]


def api(method: str, path: str, token: str, body: Any = None, **headers: str) -> Any:
    client = Client()
    headers = {"Authorization": f"Bearer {token}", **headers}
    if body is None:
        return getattr(client, method)(path, headers=headers)
    return getattr(client, method)(path, json.dumps(body), content_type="application/json", headers=headers)


# --- The resolver -----------------------------------------------------------------------------


class Row:
    """A translatable row without a database: what resolve reads."""

    TRANSLATED = {"title": Text(200, name=True), "description": Text(500, multiline=True)}

    def __init__(self, title: str, description: str, translations: dict[str, dict[str, str]]) -> None:
        self.title = title
        self.description = description
        self.translations = translations


def test_the_fallback_chain_requested_then_the_events_language_then_any():
    row = Row("Summer", "", {"de": {"title": "Sommer"}, "fr": {"description": "Une soirée."}})
    assert resolve(row, "title", "de") == "Sommer"
    assert resolve(row, "title", "de-AT") == "Sommer"  # a region falls back to its language
    assert resolve(row, "title", "cs") == "Summer"  # no Czech: the event's language
    assert resolve(row, "title", "fr") == "Summer"
    # The event's language says nothing: any language that does, in Maticko's order.
    assert resolve(row, "description", "de") == "Une soirée."
    assert resolve(row, "description", "en") == "Une soirée."
    # An empty or blank translation is no translation.
    assert resolve(Row("Summer", "", {"de": {"title": "  "}}), "title", "de") == "Summer"
    # Without a locale: the active language.
    with translation.override("de"):
        assert resolve(row, "title") == "Sommer"
    with pytest.raises(KeyError):
        resolve(row, "slug", "de")


codes = st.sampled_from(LANGUAGE_CODES)
texts = st.one_of(st.just(""), st.just("  "), st.text(min_size=1, max_size=8))


@given(
    own=texts,
    translations=st.dictionaries(codes, st.fixed_dictionaries({}, optional={"title": texts}), max_size=5),
    wanted=st.one_of(codes, st.just("pt"), st.just("de-CH")),
)
def test_resolving_follows_the_chain_for_any_map(own, translations, wanted):
    row = Row(own, "", translations)
    got = resolve(row, "title", wanted)
    filled = [code for code in LANGUAGE_CODES if (translations.get(code, {}).get("title") or "").strip()]
    code = translated.normalize(wanted)
    if code in filled:
        assert got == translations[code]["title"]
    elif own.strip():
        assert got == own
    elif filled:
        assert got == translations[filled[0]]["title"]
    else:
        assert got == own


def test_a_map_is_checked_like_its_fields():
    spec = EVENT_TEXTS
    kept = clean_translations(
        spec,
        {"fr": {"title": "Été", "description": ""}, "de": {"title": "  Sommer\r\nfest "}},
        enabled=["en", "de", "fr"],
        default="en",
    )
    # Languages in Maticko's order, empty texts left out, titles on one line.
    assert kept == {"de": {"title": "Sommer fest"}, "fr": {"title": "Été"}}
    assert list(kept) == ["de", "fr"]
    refusals = [
        ({"cs": {"title": "x"}}, "translations", "not one of the event's languages"),
        ({"en": {"title": "x"}}, "translations.en", "the event's language"),
        ({"de": {"title": "x" * 201}}, "translations.de.title", "at most 200"),
        ({"de": {"description": "a\x00b"}}, "translations.de.description", "NUL"),
        ({"de": {"description": "a\x1bb"}}, "translations.de.description", "control"),
        ({"de": {"title": "a\x00"}}, "translations.de.title", "control"),
        ({"de": {"slug": "x"}}, "translations.de", "cannot be translated"),
        ({"de": ["x"]}, "translations.de", "object"),
        ({"de": {"title": ["x"]}}, "translations.de.title", "text"),
        ({"de": {"title": {"a": {"b": {"c": "d"}}}}}, "translations", "{language: {field: text}}"),
    ]
    for value, key, words in refusals:
        with pytest.raises(ValidationError) as refused:
            clean_translations(spec, value, enabled=["en", "de"], default="en")
        assert words in " ".join(refused.value.message_dict[key]), (value, refused.value.message_dict)
    with pytest.raises(ValidationError):
        clean_translations(spec, [["de", "x"]], enabled=["en", "de"], default="en")


def test_the_frontends_language_names_are_the_servers():
    source = (Path(__file__).parents[1] / "frontend/src/lib/i18n.ts").read_text()
    names = dict(re.findall(r'\{ code: "([\w-]+)", name: "([^"]+)" \}', source))
    assert names == dict(LANGUAGES)


# --- What buyers see --------------------------------------------------------------------------


def event_page(shop: dict[str, Any], language: str) -> dict[str, Any]:
    with translation.override(language):
        response = Client().get("/events/gig/", headers={**INERTIA, "Accept-Language": language})
    assert response.status_code == 200
    return response.json()["props"]["event"]


def test_a_german_buyer_sees_the_german_title_and_ticket_type_names(shop):
    german = event_page(shop, "de")
    assert german["title"] == "Sommerkonzert"
    assert "Streichern" in german["description_html"]
    names = {t["id"]: (t["name"], t["description"]) for t in german["ticket_types"]}
    assert names[shop["standard"].pk] == ("Stehplatz", "Ein Platz.")
    assert names[shop["vip"].pk] == ("VIP", "")  # no German name: the event's language
    # French is enabled but not written: the English default.
    french = event_page(shop, "fr")
    assert french["title"] == "Summer Concert"
    assert {t["name"] for t in french["ticket_types"]} == {"Standard", "VIP"}
    english = event_page(shop, "en")
    assert english["title"] == "Summer Concert"


def test_the_confirmation_email_pdf_and_calendar_are_in_the_orders_language(shop, mailoutbox):
    order = buy(shop, "de")
    message = confirmation(order)
    assert message.subject == "Ihre Tickets für Sommerkonzert"  # Maticko's words translated too
    assert "1 × Stehplatz" in message.body
    assert "1 × VIP" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html = str(next(content for content, kind in message.alternatives if kind == "text/html"))
    assert "Sommerkonzert" in html
    assert "Summer Concert" not in html
    # The PDF and the calendar file read the active language: the order page's reader's.
    with translation.override("de"):
        pdf = pypdf.PdfReader(io.BytesIO(order_pdf(order)))
        ics = calendar.order_calendar(order, BASE_URL).decode()
    words = "".join(page.extract_text() for page in pdf.pages)
    assert "Sommerkonzert" in words
    assert "Ticket: Stehplatz" in words
    assert "SUMMARY:Sommerkonzert" in ics


def test_a_buyer_whose_language_is_not_written_gets_the_events(shop, mailoutbox):
    message = confirmation(buy(shop, "fr"))
    assert message.subject == "Vos billets pour Summer Concert"
    assert "1 × Standard" in message.body


def test_an_email_text_in_german_reaches_german_buyers_only(shop, mailoutbox):
    event = shop["event"]
    email_texts.save(
        event, EmailText.Kind.CONFIRMATION, "Tickets: {event}", "Hi {buyer_name}.", actor=shop["manager"]
    )
    email_texts.save(
        event,
        EmailText.Kind.CONFIRMATION,
        "Karten: {event}",
        "Hallo {buyer_name}.",
        actor=shop["manager"],
        locale="de",
    )
    text = EmailText.objects.get(event=event)
    assert (text.subject, text.translations) == (
        "Tickets: {event}",
        {"de": {"subject": "Karten: {event}", "body": "Hallo {buyer_name}."}},
    )
    with pytest.raises(email_texts.TextInvalid):
        email_texts.save(event, EmailText.Kind.CONFIRMATION, "x", "y", actor=shop["manager"], locale="cs")
    for locale, subject in (("de", "Karten: Sommerkonzert"), ("fr", "Tickets: Summer Concert")):
        assert confirmation(buy(shop, locale)).subject == subject
    # Resetting German leaves the event's own text; the change log names the language.
    assert email_texts.reset(event, EmailText.Kind.CONFIRMATION, actor=shop["manager"], locale="de")
    text.refresh_from_db()
    assert text.translations == {}
    assert text.subject == "Tickets: {event}"
    assert email_texts.current(event, EmailText.Kind.CONFIRMATION, "de") == (
        "Tickets: {event}",
        "Hi {buyer_name}.",
        False,
    )


def test_question_labels_and_options_read_in_the_buyers_language(shop):
    question = question_services.add_question(
        Question(
            event=shop["event"],
            label="Diet",
            kind=Question.Kind.SINGLE_CHOICE,
            choices=["Meat", "Fish"],
            translations={"de": {"label": "Ernährung", "choices": ["Fleisch", "Fisch"]}},
        ),
        [],
    )
    with translation.override("de"):
        shown = checkout_question(question)
    assert (shown.label, shown.choices, shown.choice_labels) == (
        "Ernährung",
        ["Meat", "Fish"],
        ["Fleisch", "Fisch"],
    )
    with translation.override("fr"):
        assert checkout_question(question).choice_labels == ["Meat", "Fish"]


# --- The APIs ---------------------------------------------------------------------------------


def test_the_public_api_answers_in_the_asked_language_with_every_map(shop):
    client = Client()
    by_query = client.get("/api/v1/events/gig?locale=de").json()
    by_header = client.get(
        "/api/v1/events/gig", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"}
    ).json()
    for body in (by_query, by_header):
        assert body["title"] == "Sommerkonzert"
        assert body["description"] == "Ein Abend mit **Streichern**."
        assert {t["name"] for t in body["ticket_types"]} == {"Stehplatz", "VIP"}
    assert by_query["locale"] == "en"
    assert by_query["locales"] == ["en", "de", "fr"]
    assert by_query["translations"] == {
        "en": {"title": "Summer Concert", "description": "An evening of **strings**."},
        "de": {"title": "Sommerkonzert", "description": "Ein Abend mit **Streichern**."},
    }
    standard = next(t for t in by_query["ticket_types"] if t["id"] == shop["standard"].pk)
    assert standard["translations"]["de"] == {"name": "Stehplatz", "description": "Ein Platz."}
    # An unknown or hostile ?locale= is ignored: the header, then the default.
    assert client.get("/api/v1/events/gig?locale=xx").json()["title"] == "Summer Concert"
    assert client.get("/api/v1/events/gig?locale=d%00e", headers={"Accept-Language": "de"}).json()[
        "title"
    ] == ("Sommerkonzert")
    listed = client.get("/api/v1/events?locale=de").json()["items"]
    assert [e["title"] for e in listed] == ["Sommerkonzert"]


def test_the_organizer_api_reads_and_writes_the_map(shop):
    token = shop["token"]
    got = api("get", API_EVENT, token, **{"Accept-Language": "de"}).json()
    assert got["title"] == "Summer Concert"  # the editable column: the event's language
    assert got["resolved"] == {"title": "Sommerkonzert", "description": "Ein Abend mit **Streichern**."}
    assert got["locale"] == "en"
    assert got["locales"] == ["en", "de", "fr"]
    assert got["translations"] == {
        "de": {"title": "Sommerkonzert", "description": "Ein Abend mit **Streichern**."}
    }

    changed = api("patch", API_EVENT, token, {"translations": {"fr": {"title": "Concert d'été"}}})
    assert changed.status_code == 200, changed.content
    assert changed.json()["translations"] == {"fr": {"title": "Concert d'été"}}  # the map is replaced
    # A PATCH without the map keeps it.
    assert api("patch", API_EVENT, token, {"venue_name": "Hall"}).json()["translations"] == {
        "fr": {"title": "Concert d'été"}
    }
    refused = api("patch", API_EVENT, token, {"translations": {"cs": {"title": "Letní koncert"}}})
    assert refused.status_code == 422
    assert "not one of the event's languages" in refused.content.decode()

    path = f"{API_EVENT}/ticket-types/{shop['vip'].pk}"
    saved = api("patch", path, token, {"translations": {"de": {"name": "Loge"}}}, **{"Accept-Language": "de"})
    assert saved.status_code == 200, saved.content
    assert saved.json()["translations"] == {"de": {"name": "Loge"}}
    assert saved.json()["resolved"]["name"] == "Loge"
    assert saved.json()["name"] == "VIP"
    created = api(
        "post",
        f"{API_EVENT}/ticket-types",
        token,
        {"name": "Student", "price": "5.00", "capacity": 10, "translations": {"de": {"name": "Studierende"}}},
    )
    assert created.status_code == 201, created.content
    assert TicketType.objects.get(pk=created.json()["id"]).translations == {"de": {"name": "Studierende"}}


def test_a_new_event_through_the_api_with_its_languages(shop):
    body = {
        "title": "Autumn",
        "starts_at": "2031-10-01T19:30:00",
        "ends_at": "2031-10-01T22:00:00",
        "venue_name": "Hall",
        "locale": "de",
        "locales": ["fr"],
        "translations": {"fr": {"title": "Automne"}},
    }
    created = api("post", "/api/v1/manage/events", shop["token"], body)
    assert created.status_code == 201, created.content
    event = Event.objects.get(slug=created.json()["slug"])
    assert (event.locale, event.locales, event.translations) == (
        "de",
        ["de", "fr"],
        {"fr": {"title": "Automne"}},
    )


# --- The back office --------------------------------------------------------------------------


def event_form(event: Event, **changes: Any) -> dict[str, Any]:
    return {
        "title": event.title,
        "slug": event.slug,
        "description": event.description,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "is_online": False,
        "timezone": event.timezone,
        "starts_at": event.starts_at.astimezone(event.tz).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": event.ends_at.astimezone(event.tz).strftime("%Y-%m-%dT%H:%M"),
        "currency": event.currency,
        "capacity": "",
        **changes,
    }


def post(shop: dict[str, Any], path: str, body: dict[str, Any]) -> Any:
    return shop["client"].post(path, json.dumps(body), content_type="application/json", headers=INERTIA)


def test_the_event_form_saves_languages_and_translations_as_json_or_as_text(shop):
    event = shop["event"]
    saved = post(
        shop,
        f"{EVENT}/",
        event_form(
            event, locales=["en", "de"], translations={"de": {"title": "Sommerfest", "description": ""}}
        ),
    )
    assert saved.status_code in (302, 303), saved.content[:300]
    event.refresh_from_db()
    assert event.locales == ["en", "de"]
    assert event.translations == {"de": {"title": "Sommerfest"}}
    # A multipart post (with a cover image) sends them as JSON text.
    post(
        shop,
        f"{EVENT}/",
        event_form(event, locales='["en", "de", "cs"]', translations='{"cs": {"title": "Letní slavnost"}}'),
    )
    event.refresh_from_db()
    assert event.locales == ["en", "de", "cs"]
    assert event.translations == {"cs": {"title": "Letní slavnost"}}
    refused = post(shop, f"{EVENT}/", event_form(event, translations={"fr": {"title": "Fête"}}))
    assert refused.status_code == 422
    assert "fr" in refused.json()["props"]["errors"]["translations"]


def test_changing_the_events_language_moves_every_text_with_its_language(shop):
    event = shop["event"]
    question = question_services.add_question(
        Question(event=event, label="Diet", translations={"de": {"label": "Ernährung"}}), []
    )
    email_texts.save(event, EmailText.Kind.REFUND, "Refund", "Refunded.", actor=shop["manager"])
    email_texts.save(
        event, EmailText.Kind.REFUND, "Erstattung", "Erstattet.", actor=shop["manager"], locale="de"
    )
    # German becomes the event's language; French is no longer offered.
    saved = post(
        shop, f"{EVENT}/", event_form(event, locale="de", locales=["en", "de"]) | {"title": "Summer Concert"}
    )
    assert saved.status_code in (302, 303), saved.content[:300]
    event.refresh_from_db()
    assert (event.locale, event.locales) == ("de", ["en", "de"])
    assert (event.title, event.translations) == (
        "Sommerkonzert",
        {"en": {"title": "Summer Concert", "description": "An evening of **strings**."}},
    )
    standard = TicketType.objects.get(pk=shop["standard"].pk)
    assert (standard.name, standard.translations) == (
        "Stehplatz",
        {"en": {"name": "Standard", "description": "A seat."}},
    )
    vip = TicketType.objects.get(pk=shop["vip"].pk)
    assert (vip.name, vip.translations) == ("VIP", {"en": {"name": "VIP"}})
    question.refresh_from_db()
    assert (question.label, question.translations["en"]["label"]) == ("Ernährung", "Diet")
    text = EmailText.objects.get(event=event, kind=EmailText.Kind.REFUND)
    assert (text.subject, text.translations) == (
        "Erstattung",
        {"en": {"subject": "Refund", "body": "Refunded."}},
    )
    # An English buyer still reads English.
    assert resolve(TicketType.objects.get(pk=shop["standard"].pk), "name", "en") == "Standard"


def test_the_ticket_type_and_question_forms_take_translations(shop):
    path = f"{EVENT}/ticket-types/{shop['vip'].pk}/"
    body = {
        "name": "VIP",
        "description": "",
        "price": "50.00",
        "capacity": "100",
        "min_per_order": "1",
        "max_per_order": "10",
        "translations": {"de": {"name": "Loge"}},
    }
    saved = post(shop, path, body)
    assert saved.status_code in (302, 303), saved.content[:300]
    assert TicketType.objects.get(pk=shop["vip"].pk).translations == {"de": {"name": "Loge"}}
    question = {"label": "Diet", "kind": "single_choice", "scope": "order", "choices": "Meat\nFish"}
    added = post(
        shop,
        f"{EVENT}/questions/new/",
        question | {"translations": {"de": {"label": "Ernährung", "choices": "Fleisch\nFisch"}}},
    )
    assert added.status_code in (302, 303), added.content[:300]
    stored = Question.objects.get(event=shop["event"])
    assert stored.translations == {"de": {"label": "Ernährung", "choices": ["Fleisch", "Fisch"]}}
    page = shop["client"].get(f"{EVENT}/questions/", headers=INERTIA).json()["props"]
    assert page["event_locales"] == ["en", "de", "fr"]
    assert page["questions"][0]["translations"] == stored.translations


def test_the_email_texts_page_saves_and_resets_a_language(shop):
    saved = post(
        shop, f"{EVENT}/emails/confirmation/", {"subject": "Karten", "body": "Hallo.", "locale": "de"}
    )
    assert saved.status_code in (302, 303), saved.content[:300]
    text = EmailText.objects.get(event=shop["event"])
    assert text.translations == {"de": {"subject": "Karten", "body": "Hallo."}}
    page = shop["client"].get(f"{EVENT}/emails/", headers=INERTIA).json()["props"]
    confirmation = next(t for t in page["texts"] if t["kind"] == "confirmation")
    assert confirmation["translations"] == {"de": {"subject": "Karten", "body": "Hallo."}}
    preview = post(
        shop, f"{EVENT}/emails/confirmation/preview/", {"subject": "{event}", "body": "x", "locale": "de"}
    )
    assert preview.json()["subject"] == "Sommerkonzert"
    post(shop, f"{EVENT}/emails/confirmation/reset/", {"locale": "de"})
    text.refresh_from_db()
    assert text.translations == {}


# --- Copies and snapshots ---------------------------------------------------------------------


def test_a_duplicate_copies_every_translation(shop):
    question_services.add_question(
        Question(event=shop["event"], label="Diet", translations={"de": {"label": "Ernährung"}}), []
    )
    email_texts.save(shop["event"], EmailText.Kind.REFUND, "R", "r", actor=shop["manager"], locale="de")
    copy = duplicate_event(
        shop["event"],
        new_start=timezone.now() + dt.timedelta(days=60),
        title="",
        vouchers=False,
        actor=Actor(user=shop["manager"]),
    )
    assert (copy.locales, copy.translations) == (shop["event"].locales, shop["event"].translations)
    assert {t.name: t.translations for t in copy.ticket_types.all()} == {
        "Standard": {"de": {"name": "Stehplatz", "description": "Ein Platz."}},
        "VIP": {},
    }
    assert Question.objects.get(event=copy).translations == {"de": {"label": "Ernährung"}}
    assert EmailText.objects.get(event=copy).translations == {"de": {"subject": "R", "body": "r"}}


def test_webhook_snapshots_carry_the_map(shop):
    event_data = payloads._event({"event_id": shop["event"].pk})
    assert event_data is not None
    assert event_data["title"] == "Summer Concert"
    assert event_data["translations"]["de"]["title"] == "Sommerkonzert"
    type_data = payloads._ticket_type({"ticket_type_id": shop["standard"].pk})
    assert type_data is not None
    assert type_data["translations"] == {
        "en": {"name": "Standard", "description": "A seat."},
        "de": {"name": "Stehplatz", "description": "Ein Platz."},
    }
    assert full_map(shop["vip"], "en") == {"en": {"name": "VIP", "description": ""}}


def test_request_locale_prefers_the_query_then_the_header():
    factory = RequestFactory()
    assert translated.request_locale(factory.get("/?locale=fr", HTTP_ACCEPT_LANGUAGE="de")) == "fr"
    assert translated.request_locale(factory.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.8")) == "es"
    assert translated.request_locale(factory.get("/", HTTP_ACCEPT_LANGUAGE="pt-BR")) == "en"
    assert translated.request_locale(factory.get("/?locale=x%00", HTTP_ACCEPT_LANGUAGE="cs")) == "cs"


def test_disabling_a_language_drops_its_texts_everywhere(shop):
    disabled = api("patch", API_EVENT, shop["token"], {"locales": ["en", "fr"]})
    assert disabled.status_code == 200, disabled.content
    event = Event.objects.get(pk=shop["event"].pk)
    assert (event.locales, event.translations) == (["en", "fr"], {})
    assert TicketType.objects.get(pk=shop["standard"].pk).translations == {}
    # A German reader now reads the event's language.
    assert Client().get("/api/v1/events/gig?locale=de").json()["title"] == "Summer Concert"
