"""Webhooks in Chromium: an owner adds an endpoint (a local receiver), sends a test message,
reveals the secret, and finds the delivery in the log with the receiver's answer; the
receiver verifies the signature with the official Standard Webhooks verifier."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks import Webhook

from accounts.models import Membership
from tests.factories import make_event, make_member, make_organizer
from tests.test_webhooks import Receiver
from webhooks.models import WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_LOOPBACK = True  # the local receiver only
    settings.WEBHOOKS_ALLOWED_PORTS = []  # the receiver's port
    server = Receiver()
    yield server
    server.close()


def test_an_owner_adds_an_endpoint_sends_a_test_and_sees_it_in_the_log(page: Page, live_server, receiver):
    organizer = make_organizer(slug="acme", name="Acme")
    make_event(organizer=organizer, slug="gig", title="The Gig")
    make_member(organizer, role=Membership.Role.OWNER, email="olga@example.com", password="olga-pass-phrase")

    page.goto(f"{live_server.url}/accounts/login/?next=/manage/acme/")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill("olga-pass-phrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()

    page.get_by_label("URL").fill("https://169.254.169.254/latest/")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("not a public address")).to_be_visible()

    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Description (optional)").fill("Our CRM")
    page.get_by_label("order.paid").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("heading", name=receiver.url)).to_be_visible()
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["order.paid"]

    page.get_by_role("button", name="Send a test message").click()
    expect(page.get_by_text("is on its way")).to_be_visible()
    (request,) = receiver.requests
    message = Webhook(endpoint.secret).verify(request["body"], request["headers"])
    assert message["type"] == "webhook.test"

    page.get_by_role("button", name="Reveal secret").click()
    expect(page.get_by_test_id("webhook-secret")).to_have_text(endpoint.secret)

    page.get_by_role("link", name="Delivery log").click()
    row = page.get_by_test_id("webhook-delivery")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("succeeded")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("webhook-attempt")).to_contain_text("HTTP 200")
    payload = json.loads(page.get_by_test_id("webhook-payload").inner_text())
    assert payload["data"]["endpoint_id"] == endpoint.pk
