"""The organizer's invoices, tax rules and webhooks, and an event's messages to its buyers, in
the pseudo-locale.

An owner of the organizer walks the pages in `en-x-pseudo` (see `test_i18n_flow.py`): every
message shows with its letters accented, so any visible text or label left in plain English is
a string nobody wrapped. Only the organizer's own data, the buyers' details, codes (invoice
numbers, webhook event types, secrets) and what the server writes (`data-server-text`) may
stay plain.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Organizer, User
from core import domain_events
from invoicing import services as invoicing
from invoicing.models import Invoice, InvoiceSettings
from messaging import services as messaging
from sales.models import InvoiceAddress
from taxes import rules
from tests.browser.test_i18n_event_editing_flow import ALLOWED, owner_logs_in_then_reads_pseudo
from tests.browser.test_i18n_flow import PseudoWalk
from tests.factories import make_ticket_type
from tests.support.invoices import business_address, buy, invoicing_event, paid
from webhooks import services as webhooks
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORGANIZER = "/manage/acme"
# The organizer's and its event's data: names, the seller's details on invoices (in the
# seller form's fields too), the buyer, the webhook endpoint's address and description.
DATA = (
    "Acme Events GmbH",
    "Acme Events",
    "Hauptstraße",
    "Berlin",
    "DE123456789",
    "IBAN DE89 3704 0044 0532 0130 00",
    "Sommerfest",
    "Ana Novak",
    "Société Exemple SARL",
    "https://crm.example.org/hooks",
    "Our CRM",
    *domain_events.TYPES,
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True


walk = PseudoWalk((*ALLOWED, *DATA))


def endpoint_with_deliveries(organizer: Organizer, owner: User) -> WebhookEndpoint:
    """An endpoint disabled after failing, with its secret rotated, and three deliveries: one
    answered, one failed (an error, then a 500) and one waiting for its next attempt."""
    endpoint = webhooks.save_endpoint(
        organizer,
        None,
        {"url": "https://crm.example.org/hooks", "description": "Our CRM", "event_types": ["order.paid"]},
        actor=owner,
        actor_label=owner.email,
    )
    webhooks.rotate(endpoint, actor=owner, actor_label=owner.email)
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="Failed for 3 days.", failing_since=now - dt.timedelta(days=3)
    )
    webhooks.audit(endpoint, "disabled", None, "Maticko", reason="Failed for 3 days.")
    payload = json.dumps({"type": "order.paid", "data": {"code": "ABC"}})
    headers = {"content-type": "application/json", "webhook-id": "msg_1"}
    answered, failed, _waiting = (
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            message_id=f"msg_{n}",
            event_type="order.paid",
            payload=payload,
            status=status,
            attempts=attempts,
            last_status_code=code,
            next_attempt_at=now + dt.timedelta(minutes=5) if status == "pending" else None,
        )
        for n, status, attempts, code in (
            (1, "succeeded", 1, 200),
            (2, "failed", 2, 500),
            (3, "pending", 0, None),
        )
    )
    WebhookAttempt.objects.create(
        delivery=answered, attempted_at=now, request_headers=headers, response_status=200, duration_ms=40
    )
    WebhookAttempt.objects.create(
        delivery=failed, attempted_at=now, request_headers=headers, error="Connection refused", duration_ms=3
    )
    WebhookAttempt.objects.create(
        delivery=failed,
        attempted_at=now + dt.timedelta(minutes=1),
        request_headers=headers,
        response_status=500,
        response_headers={"content-type": "text/plain"},
        response_body="Internal Server Error",
        duration_ms=12,
    )
    return endpoint


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_organizer_settings(page: Page, live_server):
    event = invoicing_event(slug="sommerfest")
    organizer = event.organizer
    Organizer.objects.filter(pk=organizer.pk).update(name="Acme Events")
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50)
    # A company whose VAT ID could not be checked yet: its invoice is flagged to check again.
    company = buy(event, {standard: 1}, method="offline", email="ana0@example.com")
    business_address(company, InvoiceAddress.VatIdStatus.UNCHECKED)
    orders = [
        paid(company),
        *(buy(event, {standard: 1}, method="demo", email=f"ana{n}@example.com") for n in (1, 2)),
    ]
    with transaction.atomic():
        invoicing.cancel_invoice(orders[1].pk)
        invoicing.credit(orders[2].pk, Decimal("5.00"), [])
    numbers = list(Invoice.objects.values_list("number", flat=True))
    codes = [order.code for order in orders]
    buyers = [order.buyer_email for order in orders]
    rule = rules.from_template(organizer, "physical_admission")
    unused = rules.from_template(organizer, "online_event")
    owner_logs_in_then_reads_pseudo(page, live_server.url, organizer)
    owner = User.objects.get(email="olga@example.com")
    server = live_server.url

    # The invoices: an invoice to check again, a cancellation and a credit note; none found;
    # and the notice when the organizer issues none.
    assert (
        walk.visit(page, f"{server}{ORGANIZER}/invoices/", '[data-testid="invoice-row"]', *numbers, *codes)
        == []
    )
    expect(page.get_by_test_id("invoice-row")).to_have_count(5)
    assert walk.visit(page, f"{server}{ORGANIZER}/invoices/?q=nothing", "tbody td[colspan]") == []
    assert walk.visit(page, f"{server}{ORGANIZER}/invoices/settings/", 'select, input[type="text"]') == []
    InvoiceSettings.objects.filter(organizer=organizer).update(mode=InvoiceSettings.Mode.NEVER)
    assert walk.visit(page, f"{server}{ORGANIZER}/invoices/", "main p.bg-amber-50", *numbers, *codes) == []

    # The tax rules: the seller, the templates, a rule's editor, deleting an unused rule.
    assert (
        walk.visit(page, f"{server}{ORGANIZER}/taxes/", '[data-testid="seller"]', rule.name, unused.name)
        == []
    )
    used = page.get_by_test_id("tax-rules").locator("article").filter(has_text=rule.name)
    used.locator("button").first.click()
    expect(used.locator("form fieldset")).to_be_visible()
    assert walk.untranslated(page, rule.name, unused.name) == []
    page.get_by_test_id("tax-rules").locator("article").filter(has_text=unused.name).locator(
        "button.text-red-700"
    ).click()
    assert walk.asked_first(page, rule.name, unused.name) == []

    # The webhooks: the list and the new endpoint's form, then an endpoint disabled after
    # failing: its secrets, its history, rotating and deleting it asked first; its deliveries,
    # a failed one's attempts and one waiting for its next attempt; the list without endpoints.
    endpoint = endpoint_with_deliveries(organizer, owner)
    assert walk.visit(page, f"{server}{ORGANIZER}/webhooks/", '[data-testid="webhook-endpoint"]') == []
    url = f"{server}{ORGANIZER}/webhooks/{endpoint.pk}/"
    assert walk.visit(page, url, 'p[role="status"]', "Maticko") == []
    page.locator("main button").nth(1).click()  # Reveal secret
    expect(page.get_by_test_id("webhook-secret")).to_have_count(2)
    secrets = page.get_by_test_id("webhook-secret").all_inner_texts()
    assert walk.untranslated(page, *secrets) == []
    page.locator("main button").nth(2).click()  # Rotate secret
    assert walk.asked_first(page, *secrets) == []
    page.locator("main button.text-red-700").click()  # Delete
    assert walk.asked_first(page, *secrets) == []
    deliveries = f"{server}{ORGANIZER}/webhooks/{endpoint.pk}/deliveries/"
    assert walk.visit(page, deliveries, '[data-testid="webhook-delivery"]') == []
    expect(page.get_by_test_id("webhook-delivery")).to_have_count(3)
    failed = WebhookDelivery.objects.get(status="failed").pk
    attempts = '[data-testid="webhook-attempt"]'
    assert walk.visit(page, f"{server}{ORGANIZER}/webhooks/deliveries/{failed}/", attempts, "msg_2") == []
    waiting = WebhookDelivery.objects.get(status="pending").pk
    assert walk.visit(page, f"{server}{ORGANIZER}/webhooks/deliveries/{waiting}/", "main h1", "msg_3") == []
    WebhookEndpoint.objects.all().delete()
    assert walk.visit(page, f"{server}{ORGANIZER}/webhooks/", "main ul li") == []

    # The messages to the event's buyers: none sent yet, then one sent; its form's
    # placeholders, the preview with the recipients and the question before sending.
    messages = f"{server}{ORGANIZER}/events/sommerfest/messages/"
    assert walk.visit(page, messages, '[data-testid="message-form"]', "{buyer_name}") == []
    messaging.send(event, "Doors open at 18:00", "Hello {buyer_name}!", messaging.Filters(), actor=owner)
    assert walk.visit(page, messages, '[data-testid="messages"]', "{buyer_name}", "Doors open at 18:00") == []
    form = page.get_by_test_id("message-form")
    form.locator("summary").click()
    form.locator('input[name="subject"]').fill("Parking")
    form.locator('button[type="button"]').click()
    expect(page.get_by_test_id("recipient-count")).to_be_visible()
    sent = ("{buyer_name}", "Doors open at 18:00", "Parking", *codes, *buyers)
    assert walk.untranslated(page, *sent) == []
    form.locator('button[type="submit"]').click()
    assert walk.asked_first(page, *sent) == []
