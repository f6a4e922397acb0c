"""The back office and the webhooks' pages answer in the organizer's language (the
``maticko_locale`` cookie): flash messages with their plurals, form errors, page titles and
labels, the invitation email. The organizer API, the webhook delivery log and the email to the
owners of a disabled endpoint stay English."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from accounts import tokens
from accounts.models import Invitation, Membership
from accounts.sessions import AUTHENTICATED_AT, now
from core.formatting import format_day
from core.locales import LANGUAGE_COOKIE_NAME
from tests.factories import make_member
from tests.support.dates import harbour_jazz
from webhooks import net, signing
from webhooks.models import WebhookAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true"}
EVENT = "/manage/acme/events/gig"
# A public address: no name to resolve.
PUBLIC_URL = "https://93.184.216.34/hook"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    settings.WEBHOOKS_ALLOWED_PORTS = [443]


@pytest.fixture
def shop() -> dict[str, Any]:
    """Acme's Harbour Jazz with its manager and an owner (signed in a moment ago), both
    reading German."""
    gig = harbour_jazz()
    owner = make_member(gig["event"].organizer, role=Membership.Role.OWNER, email="otto@example.com")
    return {**gig, "owner": owner, "manager": in_german(gig["manager"]), "owner_client": in_german(owner)}


def in_german(user, language: str = "de") -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATED_AT] = now()
    session.save()
    client.cookies[LANGUAGE_COOKIE_NAME] = language
    return client


def post(client: Client, url: str, data: dict[str, Any] | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json", headers=INERTIA)


def flash(client: Client, url: str) -> str:
    page = client.get(url, headers=INERTIA).json()
    (message,) = page["flash"]["messages"]
    return message["message"]


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.content[:500]
    return response.json()["props"]["errors"]


def weekly(first_day: str, count: int) -> dict[str, Any]:
    """The dates page's rule: ``count`` Fridays from ``first_day``, 19:30 for three hours."""
    return {
        "frequency": "weekly",
        "weekdays": ["fri"],
        "interval": "1",
        "first_day": first_day,
        "start_time": "19:30",
        "duration_minutes": "180",
        "doors_open_minutes": "",
        "ends": "count",
        "count": str(count),
        "until": "",
        "exceptions": [],
    }


def test_flash_messages_are_german_and_czech_with_their_plural_forms(shop):
    manager = shop["manager"]
    assert post(manager, f"{EVENT}/dates/rule/", weekly("2031-11-07", 7)).status_code == 302
    assert flash(manager, f"{EVENT}/dates/") == "7 Termine hinzugefügt."

    # Czech counts in three forms: one, two to four, five and more.
    manager.cookies[LANGUAGE_COOKIE_NAME] = "cs"
    post(manager, f"{EVENT}/dates/rule/", weekly("2032-01-02", 1))
    assert flash(manager, f"{EVENT}/dates/") == "1 termín přidán."
    post(manager, f"{EVENT}/dates/rule/", weekly("2032-02-06", 3))
    assert flash(manager, f"{EVENT}/dates/") == "3 termíny přidány."
    post(manager, f"{EVENT}/dates/rule/", weekly("2032-03-05", 5))
    assert flash(manager, f"{EVENT}/dates/") == "5 termínů přidáno."


def test_a_flash_message_names_what_it_is_about_in_german(shop):
    voucher = {"code": "FRUEH", "kind": "percent", "value": "15", "max_usages": "20"}
    assert post(shop["manager"], f"{EVENT}/vouchers/", voucher).status_code == 302
    assert flash(shop["manager"], f"{EVENT}/") == "Gutschein FRUEH angelegt."


def test_form_errors_are_german(shop):
    voucher = {"code": "ZUVIEL", "kind": "percent", "value": "150", "max_usages": "20"}
    errors = errors_of(post(shop["manager"], f"{EVENT}/vouchers/", voucher))
    assert errors["voucher.value"] == "Ein Prozentsatz kann 100 nicht überschreiten."

    unsafe = {"url": "https://169.254.169.254/latest/meta-data/", "enabled": True}
    errors = errors_of(post(shop["owner_client"], "/manage/acme/webhooks/", unsafe))
    assert errors["url"] == (
        "Die Adresse 169.254.169.254 ist keine öffentliche Adresse; Webhooks gehen nur an öffentliche Hosts."
    )
    assert not WebhookEndpoint.objects.exists()


def test_page_titles_and_the_servers_labels_are_german(shop):
    html = shop["manager"].get(f"{EVENT}/orders/").content.decode()
    assert "<title>Bestellungen · Harbour Jazz · Maticko</title>" in html

    orders = shop["manager"].get(f"{EVENT}/orders/", headers=INERTIA).json()["props"]
    methods = {option["value"]: option["label"] for option in orders["payment_methods"]}
    assert methods["offline"] == "Banküberweisung"
    assert methods["demo"] == "Karte (Demo)"

    endpoint = WebhookEndpoint.objects.create(
        organizer=shop["event"].organizer, url=PUBLIC_URL, secret=signing.new_secret()
    )
    log = shop["owner_client"].get(f"/manage/acme/webhooks/{endpoint.pk}/deliveries/", headers=INERTIA)
    statuses = [option["label"] for option in log.json()["props"]["statuses"]]
    assert statuses == ["Jeder Status", "Ausstehend", "Zugestellt", "Fehlgeschlagen"]


def test_the_invitation_email_is_in_the_inviters_language(shop):
    invited = {"email": "neu@example.com", "role": Membership.Role.MANAGER}
    assert post(shop["owner_client"], "/manage/acme/members/", invited).status_code == 302
    (email,) = mail.outbox
    organizer = shop["event"].organizer.name
    assert email.subject == f"Treten Sie {organizer} auf Maticko bei"
    until = format_day(Invitation.objects.get().expires_at, "UTC", "de")
    assert "Nehmen Sie die Einladung hier an (der Link ist gültig bis" in str(email.body)
    assert until in str(email.body)
    assert isinstance(email, EmailMultiAlternatives)
    html = str(email.alternatives[0][0])
    assert '<html lang="de">' in html
    assert f"lädt Sie ein, <strong>{organizer}</strong> auf Maticko beizutreten" in html
    assert "Einladung annehmen" in html
    assert flash(shop["owner_client"], "/manage/acme/members/") == "Einladung an neu@example.com gesendet."


def test_the_organizer_api_refuses_in_english_whatever_the_language(shop, settings):
    settings.API_RATE_LIMIT = 0
    _, raw = tokens.create_token(
        organizer=shop["event"].organizer, name="crm", role=Membership.Role.OWNER, created_by=None
    )
    client = Client()
    client.cookies[LANGUAGE_COOKIE_NAME] = "de"
    refused = client.post(
        "/api/v1/manage/webhooks",
        {"url": "https://169.254.169.254/"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}", "Accept-Language": "de"},
    )
    assert refused.status_code == 422, refused.content
    text = json.dumps(refused.json())
    assert "The address 169.254.169.254 is not a public address" in text
    assert "öffentliche" not in text


@pytest.mark.django_db(transaction=True)
def test_the_delivery_log_keeps_a_refusal_in_english_while_the_page_is_german(shop, monkeypatch):
    endpoint = WebhookEndpoint.objects.create(
        organizer=shop["event"].organizer, url=PUBLIC_URL, secret=signing.new_secret()
    )
    # The host answered a private address when the test message was sent.
    monkeypatch.setattr(net, "resolve", lambda host, port: ["10.0.0.7"])
    assert post(shop["owner_client"], f"/manage/acme/webhooks/{endpoint.pk}/test/").status_code == 302
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.error == (
        "The address 10.0.0.7 is not a public address; webhooks are sent to public hosts only."
    )
    message = flash(shop["owner_client"], f"/manage/acme/webhooks/{endpoint.pk}/")
    assert message.startswith("Eine Testnachricht (")


@pytest.mark.django_db(transaction=True)
def test_a_disabled_endpoints_owners_are_told_in_english_even_from_a_german_request(shop, monkeypatch):
    endpoint = WebhookEndpoint.objects.create(
        organizer=shop["event"].organizer, url=PUBLIC_URL, secret=signing.new_secret()
    )
    gone = net.Response(status=410, headers={}, body=b"", duration_ms=1)
    monkeypatch.setattr(net, "post", lambda url, body, headers: gone)
    post(shop["owner_client"], f"/manage/acme/webhooks/{endpoint.pk}/test/")
    endpoint.refresh_from_db()
    assert endpoint.enabled is False
    (email,) = mail.outbox
    assert email.subject == f"Webhook endpoint disabled: {shop['event'].organizer.name}"
    assert "Maticko stopped sending webhooks to an endpoint of" in str(email.body)
    assert "Why: The endpoint answered 410 Gone." in str(email.body)
