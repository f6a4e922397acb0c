"""The server speaks the buyer's language (core.language): which language a request gets,
the order that remembers it, and the emails, PDF tickets and refusals written in it."""

from __future__ import annotations

import datetime as dt
import io
import json
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from core.language import supported
from core.locales import LANGUAGE_CODES, LANGUAGE_COOKIE_NAME, LANGUAGES
from core.management.commands import check_catalogs
from core.management.commands.compile_catalogs import catalogs
from events.models import Event
from sales.emails import send_order_confirmation
from sales.models import Order
from sales.tickets import order_pdf
from storefront.serializers import load_order
from tests.factories import make_event, make_ticket_type

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
APP = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _demo_shop(settings):
    """Paid by the demo card, without the purchase rate limit, pages at the requests' version."""
    settings.DEMO_PAYMENTS, settings.PURCHASE_RATE_LIMIT = True, 0
    settings.INERTIA_VERSION = INERTIA["X-Inertia-Version"]


@pytest.fixture
def event() -> Event:
    """A concert in Prague, 20:00 on a winter evening, its five tickets at 1,234.50 EUR."""
    starts = dt.datetime(2031, 12, 12, 20, 0, tzinfo=PRAGUE)
    event = make_event(
        slug="konzert", title="Konzert", timezone="Europe/Prague", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3), currency="EUR", locale="en",
        payment_methods=["demo", "offline"],
    )  # fmt: skip
    make_ticket_type(event, name="Parkett", price=Decimal("1234.50"), capacity=5)
    return event


def page(client: Client, url: str, accept: str | None = None) -> dict:
    language = {"Accept-Language": accept} if accept else {}
    response = client.get(url, headers={**INERTIA, **language})
    assert response.status_code == 200, response.content[:300]
    return {"props": response.json()["props"], "response": response}


def post(client: Client, url: str, data: dict, accept: str | None = None):
    language = {"Accept-Language": accept} if accept else {}
    return client.post(
        url, json.dumps(data), content_type="application/json", headers={**INERTIA, **language}
    )


def buy_on_the_web(client: Client, event: Event, n: int = 1, accept: str | None = None) -> Order:
    ticket_type = event.ticket_types.get()
    held = post(client, f"/events/{event.slug}/hold/", {"quantities": {str(ticket_type.pk): n}}, accept)
    assert held.status_code == 302, held.content[:300]
    paid = post(
        client,
        held["Location"],
        {"name": "Anna Käufer", "email": "anna@example.com", "payment_method": "demo", "card_number": "4242"},
        accept,
    )
    assert paid.status_code == 302, paid.content[:300]
    return Order.objects.get(buyer_email="anna@example.com")


# --- Which language a request gets ----------------------------------------------------------


def test_the_buyers_choice_comes_first_then_the_browsers_then_english(client):
    chosen = page(client, "/", accept="fr")
    assert chosen["props"]["locale"] == "fr"
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    assert page(client, "/", accept="fr")["props"]["locale"] == "de"
    client.cookies[LANGUAGE_COOKIE_NAME] = "xx"  # not one of ours: no choice
    assert page(client, "/", accept="es-MX,es;q=0.9")["props"]["locale"] == "es"
    assert page(client, "/", accept="ja, zh;q=0.8")["props"]["locale"] == "en"
    assert page(client, "/")["props"]["locale"] == "en"


def test_the_browsers_languages_are_read_in_its_order_of_preference(client):
    header = "ja;q=1, cs-CZ;q=0.8, de;q=0.9"
    assert page(client, "/", accept=header)["props"]["locale"] == "de"


def test_every_page_shares_the_language_and_the_languages_to_choose_from(client):
    props = page(client, "/", accept="cs")["props"]
    assert props["locale"] == "cs"
    assert props["locales"] == [{"code": code, "name": name} for code, name in LANGUAGES]
    assert {"code": "de", "name": "Deutsch"} in props["locales"]


def test_the_answer_says_its_language_and_varies_with_the_cookie_and_the_header(client):
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Cookie", "Accept-Language"} <= vary
    assert '<html lang="de"' in response.content.decode()
    assert "Maticko braucht JavaScript" in response.content.decode()
    assert "Kommende Veranstaltungen · Maticko" in response.content.decode()


def test_an_events_page_speaks_the_events_language_when_the_buyer_named_none(client, event):
    Event.objects.filter(pk=event.pk).update(locale="cs")
    shown = page(client, f"/events/{event.slug}/")
    assert shown["props"]["locale"] == "cs"
    assert shown["response"]["Content-Language"] == "cs"
    # The browser's language, and the buyer's choice, come before the event's.
    assert page(client, f"/events/{event.slug}/", accept="fr")["props"]["locale"] == "fr"
    client.cookies[LANGUAGE_COOKIE_NAME] = "es"
    assert page(client, f"/events/{event.slug}/", accept="fr")["props"]["locale"] == "es"
    # Elsewhere the event's language does not apply.
    client.cookies.clear()
    assert page(client, "/")["props"]["locale"] == "en"


def test_the_pseudo_locale_and_other_unknown_codes_are_no_choice(client):
    for code in ("en-x-pseudo", "EN-X-PSEUDO", "xx", "de-", "", "d" * 300):
        client.cookies[LANGUAGE_COOKIE_NAME] = code
        assert page(client, "/", accept="fr")["props"]["locale"] == "fr", code
    assert supported("en-x-pseudo") is None
    assert supported("de-AT") == "de"
    assert supported("cs_CZ") == "cs"
    assert supported(None) is None


def api_purchase(client: Client, event: Event, quantity: int = 1, **extra):
    """A purchase through the API, paid by the demo card; ``extra``: body fields, ``headers``."""
    ticket_type = event.ticket_types.get()
    body = {
        "lines": [{"ticket_type_id": ticket_type.pk, "quantity": quantity}],
        "buyer": {"name": "Anna", "email": "anna@example.com"},
        "payment_method": "demo",
        "card_number": "4242",
    }
    headers = extra.pop("headers", {})
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps({**body, **extra}),
        content_type="application/json",
        headers=headers,
    )


def test_the_api_answers_in_english_whatever_the_buyers_language(client, event):
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    response = client.get(f"/api/v1/events/{event.slug}", headers={"Accept-Language": "de"})
    assert response.status_code == 200
    # The same answer for every language: no Content-Language, nothing to vary on.
    assert "Content-Language" not in response
    assert "Accept-Language" not in response.get("Vary", "")
    refused = api_purchase(client, event, 6, headers={"Accept-Language": "de"})
    assert refused.status_code == 409
    assert "sold out" in refused.json()["detail"]


HOSTILE_VALUES = [
    "de\x00",
    "\x00",
    "d" * 10_000,
    "de;q=NaN, fr;q=1e999, *;q=-1",
    "ğüş-ÇŞ, ☃, \U0001f600",
    ",,,;;;===",
    "de-" + "a" * 5000 + ", fr",
    "../../etc/passwd",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_hostile_language_cookies_and_headers_never_break_a_page(client, event, value):
    # As a WSGI server hands them over: the header's bytes, each one a character.
    wire = value.encode().decode("latin-1")
    client.cookies[LANGUAGE_COOKIE_NAME] = wire
    for url in ("/", f"/events/{event.slug}/"):
        for accept in (wire, "fr"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=accept)
            assert response.status_code == 200, (url, value)
            assert response["Content-Language"] in LANGUAGE_CODES, (url, value)


# --- The order remembers its buyer's language ---------------------------------------------------


def test_a_web_order_keeps_the_language_the_buyer_used(client, event):
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    order = buy_on_the_web(client, event, accept="fr")
    assert order.locale == "de"


def test_a_web_order_in_an_events_language_keeps_it(client, event):
    Event.objects.filter(pk=event.pk).update(locale="cs")
    event.refresh_from_db()
    assert buy_on_the_web(client, event).locale == "cs"


def test_an_api_order_keeps_the_language_of_its_request_or_its_body(client, event):
    response = api_purchase(client, event, headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert response.status_code == 201, response.content
    assert Order.objects.get(code=response.json()["code"]).locale == "fr"
    response = api_purchase(client, event, locale="es", headers={"Accept-Language": "fr"})
    assert response.status_code == 201, response.content
    assert Order.objects.get(code=response.json()["code"]).locale == "es"
    response = api_purchase(client, event)
    assert Order.objects.get(code=response.json()["code"]).locale == "en"


@pytest.mark.parametrize("locale", ["xx", "en-x-pseudo", "de\x00", "d" * 10_000, 7, None, ["de"]])
def test_an_api_order_in_a_language_maticko_does_not_speak_is_refused(client, event, locale):
    response = api_purchase(client, event, locale=locale)
    if locale is None:
        assert response.status_code == 201  # the same as leaving it out
        return
    assert response.status_code == 422, response.content
    assert not Order.objects.exists()


def test_the_openapi_document_describes_the_language_of_a_purchase(client):
    schema = client.get("/api/v1/openapi.json").json()
    purchase = schema["components"]["schemas"]["PurchaseIn"]["properties"]["locale"]
    text = json.dumps(purchase)
    for code in LANGUAGE_CODES:
        assert f'"{code}"' in text
    assert "Accept-Language" in purchase["description"]


# --- Messages in the order's language -------------------------------------------------------


def german_order(client: Client, event: Event) -> Order:
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    return buy_on_the_web(client, event)


def test_a_german_orders_confirmation_is_german_with_german_amounts_and_prague_times(client, event):
    order = german_order(client, event)
    (email,) = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    html = str(email.alternatives[0][0])
    assert email.subject == "Ihre Tickets für Konzert"
    assert email.body.startswith("Hallo Anna Käufer,\n\nvielen Dank für Ihre Bestellung.")
    for text in (email.body, html):
        assert f"Bestellung {order.code}" in text
        assert "1.234,50\xa0€" in text
        assert "Freitag, 12. Dezember 2031, 20:00 CET" in text
        assert "über Maticko" in text
        assert "Thank you" not in text
        assert "Order " not in text
    assert "Summe: 1.234,50\xa0€" in email.body
    assert '<html lang="de">' in html


def test_a_german_orders_pdf_ticket_is_german(client, event):
    order = german_order(client, event)
    (email,) = mail.outbox
    ((_name, content, _type),) = email.attachments
    text = pypdf.PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Freitag, 12. Dezember 2031, 20:00 CET" in text
    assert "Teilnehmer: Anna Käufer" in text
    assert f"Bestellung: {order.code}" in text
    assert "Ticket 1 von 1" in text
    assert "Zeigen Sie diesen Code am Eingang." in text
    # The order page's download is the same PDF, whatever language the page is shown in.
    found = load_order(order.code)
    assert found is not None
    assert "Teilnehmer:" in pypdf.PdfReader(io.BytesIO(order_pdf(found))).pages[0].extract_text()


def test_the_confirmation_follows_the_order_not_the_request_that_resends_it(client, event):
    order = german_order(client, event)
    mail.outbox.clear()
    Order.objects.filter(pk=order.pk).update(locale="fr")
    send_order_confirmation(order.code, "http://testserver/")
    (email,) = mail.outbox
    assert email.subject == "Vos billets pour Konzert"
    assert "1\u202f234,50\xa0€" in email.body or "1\xa0234,50\xa0€" in email.body
    assert "vendredi 12 décembre 2031, 20:00 CET" in email.body


def test_a_sold_out_refusal_is_german_for_a_german_buyer(client, event):
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    ticket_type = event.ticket_types.get()
    refused = post(client, f"/events/{event.slug}/hold/", {"quantities": {str(ticket_type.pk): 6}})
    assert refused.status_code == 409, refused.content[:300]
    errors = refused.json()["props"]["errors"]
    assert any("ausverkauft" in message for message in errors.values()), errors
    # The same refusal to an English buyer right after (a kept sell-out) is English.
    client.cookies.clear()
    refused = post(client, f"/events/{event.slug}/hold/", {"quantities": {str(ticket_type.pk): 6}})
    assert any("sold out" in message for message in refused.json()["props"]["errors"].values())


def test_an_invalid_checkout_form_is_german_for_a_german_buyer(client, event):
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    ticket_type = event.ticket_types.get()
    held = post(client, f"/events/{event.slug}/hold/", {"quantities": {str(ticket_type.pk): 1}})
    refused = post(client, held["Location"], {"name": "", "email": "nope", "payment_method": "demo"})
    assert refused.status_code == 422
    errors = refused.json()["props"]["errors"]
    assert errors["name"] == "Geben Sie Ihren Namen ein."
    assert errors["email"] == "Geben Sie eine gültige E-Mail-Adresse ein."
    assert not Order.objects.exists()


# --- Catalogs -----------------------------------------------------------------------------------


def test_compile_catalogs_writes_a_mo_file_django_reads(tmp_path):
    po = tmp_path / "shop" / "locale" / "de" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: de\\n"\n\n'
        'msgid "Total"\nmsgstr "Summe"\n\n#, fuzzy\nmsgid "Draft"\nmsgstr "Entwurf"\n',
        encoding="utf-8",
    )
    call_command("compile_catalogs", root=tmp_path, verbosity=0)
    import gettext

    with (po.parent / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    assert translations.gettext("Total") == "Summe"
    assert translations.gettext("Draft") == "Draft"  # fuzzy entries are left out


@pytest.mark.parametrize(
    "entry",
    [
        'msgid "Total: %(amount)s"\nmsgstr "Summe: %(betrag)s"\n',  # a placeholder renamed
        'msgid "Total: %(amount)s"\nmsgstr "Summe: %(amount)d"\n',  # another conversion
        "not a catalog\n",
    ],
)
def test_compile_catalogs_refuses_a_broken_catalog_naming_it(tmp_path, entry):
    po = tmp_path / "shop" / "locale" / "de" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(entry, encoding="utf-8")
    with pytest.raises(CommandError, match=r"shop/locale/de/LC_MESSAGES/django\.po"):
        call_command("compile_catalogs", root=tmp_path, verbosity=0)
    assert not (po.parent / "django.mo").exists()


def test_every_language_has_a_catalog_for_every_app_with_strings():
    found = {(path.parts[-5], path.parts[-3]) for path in catalogs(APP)}
    apps = {app for app, _ in found}
    assert {"sales", "storefront", "core"} <= apps
    for app in apps:
        assert {(app, code) for code in check_catalogs.TRANSLATED} <= found, app


@pytest.mark.skipif(
    not check_catalogs.gettext_available(), reason="makemessages needs GNU gettext (apt-get install gettext)"
)
def test_the_catalogs_hold_every_marked_string_translated():
    call_command("check_catalogs", verbosity=0)


def test_the_catalog_check_finds_a_missing_an_untranslated_and_a_fuzzy_entry(tmp_path):
    kept, fresh = tmp_path / "kept", tmp_path / "fresh"
    for root, body in (
        (
            kept,
            'msgid "Total"\nmsgstr ""\n\n#, fuzzy\nmsgid "Draft"\nmsgstr "Entwurf"\n\n'
            'msgid "Gone"\nmsgstr "Weg"\n',
        ),
        (fresh, 'msgid "Total"\nmsgstr ""\n\nmsgid "Draft"\nmsgstr ""\n\nmsgid "New"\nmsgstr ""\n'),
    ):
        po = root / "shop" / "locale" / "de" / "LC_MESSAGES" / "django.po"
        po.parent.mkdir(parents=True)
        po.write_text(body, encoding="utf-8")
    found = "\n".join(check_catalogs.problems(kept, fresh))
    assert "missing 'New'" in found
    assert "'Gone' is no longer in the code" in found
    assert "untranslated 'Total'" in found
    assert "fuzzy 'Draft'" in found
