"""Find my tickets (sales.order_links): one email with the links of the orders placed with
an address; the same answer whether or not it has any; rate-limited per client address
and per email."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from sales import order_links, pricing, purchase
from sales.models import order_url
from tests.factories import make_event, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
URL = "/orders/find/"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def place(email: str, slug: str):
    event = make_event(slug=slug, title=f"Concert {slug}", payment_methods=["demo"])
    ticket_type = make_ticket_type(event, price=Decimal("10.00"))
    details = pricing.BuyerDetails(name="Ann", email=email, payment_method="demo")
    return purchase.place_order(
        only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/"
    ).order


def ask(client: Client, email: object, **extra):
    return client.post(
        URL, json.dumps({"email": email}), content_type="application/json", headers=INERTIA, **extra
    )


def test_the_page_is_a_form():
    page = Client().get(URL, headers=INERTIA)
    assert page.status_code == 200
    assert page.json()["component"] == "Orders/Find"


def test_the_email_lists_every_order_of_the_address_and_nothing_else():
    mine = [place("ann@example.com", "one"), place("Ann@Example.com", "two")]
    other = place("bo@example.com", "three")
    mail.outbox.clear()
    answer = ask(Client(), "ANN@example.com")
    assert answer.status_code == 302
    assert answer["Location"] == URL
    (sent,) = mail.outbox
    assert isinstance(sent, mail.EmailMultiAlternatives)
    assert sent.to == ["ann@example.com"]
    assert sent.subject == "Your Maticko orders"
    for order in mine:
        assert order_url(order, "http://testserver/") in str(sent.body)
        assert order_url(order, "http://testserver/") in str(sent.alternatives[0][0])
        assert f"Concert {order.event.slug}" in str(sent.body)
    assert other.code not in str(sent.body)
    assert other.secret not in str(sent.body)


def test_the_answer_is_the_same_for_an_address_without_orders():
    place("ann@example.com", "one")
    mail.outbox.clear()
    client = Client()
    told = []
    for email in ("ann@example.com", "nobody@example.com"):
        answer = ask(client, email)
        page = client.get(answer["Location"], headers=INERTIA).json()
        told.append((answer.status_code, answer["Location"], json.dumps(page["flash"])))
    assert told[0] == told[1]
    assert "we have emailed it their links" in told[0][2]
    assert len(mail.outbox) == 1  # the address without orders is sent nothing


def test_an_invalid_address_is_a_form_error():
    for value in ("not-an-email", "", "a@" + "b" * 300 + ".com", ["a@example.com"], "a\x00@example.com"):
        answer = ask(Client(), value)
        assert answer.status_code == 422, value
        assert answer.json()["props"]["errors"]["email"], value
    assert mail.outbox == []


def test_each_email_is_sent_at_most_three_times_an_hour_without_saying_so():
    place("ann@example.com", "one")
    mail.outbox.clear()
    answers = [ask(Client(REMOTE_ADDR=f"198.51.100.{i}"), "ann@example.com").status_code for i in range(5)]
    assert answers == [302] * 5
    assert len(mail.outbox) == order_links.PER_EMAIL.limit


def test_one_client_address_is_refused_after_twenty_requests_an_hour():
    client = Client(REMOTE_ADDR="203.0.113.9")
    answers = [
        ask(client, f"person{i}@example.com").status_code for i in range(order_links.PER_ADDRESS.limit)
    ]
    assert set(answers) == {302}
    refused = ask(client, "one-more@example.com")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many requests" in refused.json()["props"]["errors"]["form"]


def test_an_order_link_that_leads_nowhere_offers_to_find_the_tickets():
    order = place("ann@example.com", "one")
    page = Client().get(f"/orders/{order.code}/not-the-secret/", headers=INERTIA)
    assert page.status_code == 404
    props = page.json()["props"]
    assert props["find_orders_url"] == URL
    assert props["status"] == 404
