"""The words of the domain apps (core, accounts, events, taxes, checkin) in the reader's
language: with the ``maticko_locale`` cookie set to German, flash messages, form errors,
labels, scanner answers and account emails are German; the JSON API stays English."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import translation

from accounts import lockout, tokens
from accounts.models import Invitation, Membership
from checkin.models import CheckInList
from core import outbox
from core.locales import LANGUAGE_COOKIE_NAME
from invoicing import files
from invoicing.models import Invoice
from sales.models import InvoiceAddress, TaxTreatment
from taxes import engine
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, make_user
from tests.support.invoices import business_address, buy, invoicing_event, paid, pdf_text, tax

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
EVENT = {
    "title": "Herbstkonzert",
    "slug": "",
    "description": "",
    "venue_name": "Stadthalle",
    "venue_address": "",
    "is_online": False,
    "timezone": "Europe/Berlin",
    "starts_at": "2031-10-01T19:30",
    "ends_at": "2031-10-01T22:00",
    "currency": "EUR",
    "capacity": "",
}
# The legal text of a reverse-charged line, as invoices and the order page print it.
REVERSE_CHARGE_DE = (
    "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge): Die Umsatzsteuer schuldet der "
    "Leistungsempfänger (Artikel 196 der Richtlinie 2006/112/EG des Rates)."
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.INERTIA_VERSION = INERTIA["X-Inertia-Version"]
    settings.DEMO_PAYMENTS, settings.PURCHASE_RATE_LIMIT = True, 0


def german(user=None) -> Client:
    """A client whose reader chose German in the language switcher (logged in as ``user``)."""
    client = Client()
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, data: dict, **headers: str):
    return client.post(url, json.dumps(data), content_type="application/json", headers={**INERTIA, **headers})


def page(client: Client, url: str) -> dict:
    response = client.get(url, headers=INERTIA)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def errors_of(response) -> dict:
    assert response.status_code == 422, response.content[:300]
    return response.json()["props"]["errors"]


# --- Flash messages and form errors -------------------------------------------------------


def test_a_refusal_flashed_by_the_account_pages_is_german():
    client = german(make_user())
    response = post(client, "/accounts/two-factor/recovery-codes/", {})
    assert response.status_code == 302
    flash = page(client, response["Location"])["flash"]["messages"]
    assert [m["message"] for m in flash] == ["Schalten Sie zuerst die Zwei-Faktor-Authentifizierung ein."]


def test_the_event_forms_errors_are_german_with_the_fields_names():
    organizer = make_organizer(slug="acme")
    client = german(make_member(organizer, role=Membership.Role.MANAGER))
    errors = errors_of(post(client, "/manage/acme/events/new/", {**EVENT, "venue_name": ""}))
    assert errors["venue_name"] == "Geben Sie den Ort an oder markieren Sie die Veranstaltung als online."
    early = {**EVENT, "starts_at": "2000-01-01T00:30", "ends_at": "2000-01-01T02:00"}  # 1999 in UTC
    assert errors_of(post(client, "/manage/acme/events/new/", early))["starts_at"] == (
        "Beginn: Geben Sie eine Zeit zwischen dem 1. Januar 2000 und dem 31. Dezember 2100 (UTC) an."
    )
    # The same form, read by an English reader.
    english = Client()
    english.force_login(make_member(organizer, role=Membership.Role.MANAGER))
    errors = errors_of(post(english, "/manage/acme/events/new/", {**EVENT, "venue_name": ""}))
    assert errors["venue_name"] == "Give the venue, or mark the event as online."


def test_a_checkouts_invoice_address_errors_are_german():
    event = make_event(slug="messe", invoice_address="required", payment_methods=["demo"])
    standard = make_ticket_type(event, price=Decimal("10.00"))
    client = german()
    held = post(client, "/events/messe/hold/", {"quantities": {str(standard.pk): 1}})
    assert held.status_code == 302, held.content[:300]
    address = {"is_business": False, "name": "Anna", "street": "", "city": "", "country": "DE", "vat_id": "X"}
    buyer = {"name": "Anna", "email": "anna@example.com", "payment_method": "demo", "card_number": "4242"}
    errors = errors_of(post(client, held["Location"], {**buyer, "invoice_address": address}))
    assert errors["invoice_address.street"] == "Geben Sie die Straße ein."
    assert errors["invoice_address.city"] == "Geben Sie den Ort ein."
    assert errors["invoice_address.vat_id"].startswith("Eine USt-IdNr. ist nur für Unternehmen")


# --- Labels the server sends ------------------------------------------------------------------


def test_the_tax_rules_page_names_actions_buyers_and_templates_in_german():
    organizer = make_organizer(slug="acme")
    props = page(german(make_member(organizer)), "/manage/acme/taxes/")["props"]
    actions = {option["value"]: option["label"] for option in props["actions"]}
    assert actions["reverse_charge"] == "Umkehrung der Steuerschuldnerschaft"
    assert actions["exempt"] == "Steuerfrei (keine USt.)"
    assert {o["value"]: o["label"] for o in props["buyers"]}["private"] == "Privatkäufer"
    assert {o["value"]: o["label"] for o in props["country_groups"]}["NON_EU"] == "Außerhalb der EU"
    names = [template["name"] for template in props["templates"]]
    assert names == [
        "Eintritt zu einer Präsenzveranstaltung",
        "Online-Veranstaltung / elektronische Dienstleistung",
    ]


def test_an_invitation_names_the_role_and_the_refusal_in_german():
    organizer = make_organizer(slug="acme", name="Acme")
    invitation = Invitation.objects.create(
        organizer=organizer, email="door@example.com", role=Membership.Role.DOOR_STAFF
    )
    props = page(german(make_user(email="someone@example.com")), f"/invitations/{invitation.token}/")["props"]
    assert props["role"] == "Einlasspersonal"
    assert props["refusal"] == (
        "Diese Einladung wurde an door@example.com gesendet, Sie sind aber als someone@example.com "
        "angemeldet. Melden Sie sich mit der eingeladenen Adresse an oder bitten Sie den Veranstalter, "
        "Ihre einzuladen."
    )


def test_a_reverse_charged_orders_page_and_invoice_print_the_legal_text_in_german():
    event = invoicing_event()
    stream = make_ticket_type(event, name="Stream", price=Decimal("50.00"))
    order = buy(event, {stream: 1}, locale="de")
    tax(order, stream, "0", TaxTreatment.REVERSE_CHARGE)
    business_address(order, InvoiceAddress.VatIdStatus.VALID)
    invoice = Invoice.objects.get(order=paid(order))

    assert REVERSE_CHARGE_DE in " ".join(pdf_text(files.render(invoice)[0]).split())
    shown = page(german(), f"/orders/{order.code}/{order.secret}/")["props"]["order"]["taxes"]
    assert shown["notes"] == [REVERSE_CHARGE_DE]
    # One text for both: the engine's, in the reader's language.
    with translation.override("de"):
        assert engine.Decision(engine.Treatment.REVERSE_CHARGE, Decimal(0)).note == REVERSE_CHARGE_DE


# --- The door ---------------------------------------------------------------------------------


@pytest.fixture
def door():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", payment_methods=["demo"])
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"))
    entrance = CheckInList.objects.create(event=event, name="Haupteingang")
    return {"organizer": organizer, "event": event, "standard": standard, "list": entrance}


def test_the_scanner_page_answers_in_german(door):
    client = german(make_member(door["organizer"], role=Membership.Role.DOOR_STAFF))
    url = f"/manage/acme/events/gig/checkin/{door['list'].pk}/scan/"
    unknown = client.post(url, json.dumps({"secret": "A" * 32}), content_type="application/json")
    assert unknown.json()["message"] == "Unbekanntes Ticket: Kein Ticket hat diesen Code."
    garbage = client.post(url, json.dumps({"secret": "?"}), content_type="application/json")
    assert garbage.json()["message"] == "Das ist kein Ticketcode von Maticko."


# --- Emails -----------------------------------------------------------------------------------


def test_the_signup_email_is_in_the_language_of_the_request_that_asked_for_it():
    client = german()
    assert post(client, "/accounts/signup/", {"email": "anna@example.com"}).status_code == 302
    (email,) = mail.outbox
    assert email.subject == "Schließen Sie die Einrichtung Ihres Maticko-Kontos ab"
    assert email.body.startswith(
        "Hallo,\n\nUm die Einrichtung Ihres Maticko-Kontos anna@example.com abzuschließen"
    )
    assert "(der Link ist 2 Tage gültig und funktioniert einmal):" in email.body
    assert re.search(r"http://testserver/accounts/signup/confirm/\?token=\S+", str(email.body))
    assert "Hello" not in email.body


def test_the_password_reset_email_is_german_in_text_and_html():
    make_user(email="anna@example.com", password="old-pass-phrase-1")
    assert post(german(), "/accounts/password/reset/", {"email": "anna@example.com"}).status_code == 302
    (email,) = mail.outbox
    assert isinstance(email, EmailMultiAlternatives)
    html = str(email.alternatives[0][0])
    assert email.subject == "Setzen Sie Ihr Maticko-Passwort zurück"
    assert "Wählen Sie hier ein neues Passwort" in email.body
    assert '<html lang="de">' in html
    assert "Neues Passwort wählen" in html
    assert "Someone" not in email.body + html


def test_an_account_locked_by_german_logins_is_told_in_german():
    make_user(email="anna@example.com")
    with translation.override("de"):
        for _ in range(lockout.ACCOUNT_FAILURE_RULES[0].limit):
            lockout.record_failure("anna@example.com", None)
    (email,) = mail.outbox
    assert email.subject == "Ihr Maticko-Konto wurde nach fehlgeschlagenen Anmeldungen gesperrt"
    assert "Deshalb haben wir Anmeldungen mit Passwort bis " in email.body
    assert " UTC gesperrt." in email.body


def test_an_email_queued_before_it_remembered_a_language_is_english():
    make_user(email="anna@example.com", password="old-pass-phrase-1")
    outbox.enqueue("password_reset", {"email": "anna@example.com", "base_url": "http://testserver/"})
    (email,) = mail.outbox
    assert email.subject == "Reset your Maticko password"


# --- The JSON API stays English ---------------------------------------------------------------


def test_the_api_answers_the_domains_refusals_in_english_to_a_german_reader(door):
    _, token = tokens.create_token(organizer=door["organizer"], name="App", role="manager", created_by=None)
    client = german()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "de"}
    refused = client.post(
        "/api/v1/manage/tax-rules",
        json.dumps({"name": "USt", "rate": "120"}),
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422
    assert [e["msg"] for e in refused.json()["errors"]] == [
        "Enter a rate from 0 to 100 %, with at most two decimals."
    ]
    scanned = client.post(
        "/api/v1/checkin",
        json.dumps({"secret": "?" * 20, "list_id": door["list"].pk}),
        content_type="application/json",
        headers=headers,
    )
    assert scanned.status_code == 200
    assert scanned.json()["message"] == "This is not a Maticko ticket code."
