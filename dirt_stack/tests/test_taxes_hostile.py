"""Hostile input to every field taxes added: the invoice address (purchase API, web
checkout), tax rules and the seller's details (back office, organizer API), an event's tax
settings. Each gets a 4xx with a readable body and writes nothing, on SQLite and PostgreSQL
(DEVELOPMENT.md, "Hostile input")."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import Organizer
from events.models import Event, TicketType
from sales.models import InvoiceAddress, Order
from taxes.models import TaxRule
from tests.factories import make_event, make_member, make_organizer, make_ticket_type
from tests.support.api import call
from tests.support.vies import FRENCH_BUSINESS, FRENCH_VAT_ID, fake_vies

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
NUL = "\x00"
BIG = 2**70
ADDRESS = {**FRENCH_BUSINESS, "vat_id": FRENCH_VAT_ID}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"
    with fake_vies() as vies:
        vies.registered.add(FRENCH_VAT_ID)
        settings.VIES_URL = vies.url
        yield


@pytest.fixture
def shop():
    organizer = make_organizer(slug="acme", country="DE")
    rule = TaxRule.objects.create(organizer=organizer, name="VAT", rate=Decimal("19"))
    event = make_event(
        organizer=organizer, slug="gig", tax_rule=rule, invoice_address=Event.InvoiceAddress.OPTIONAL
    )
    ticket_type = make_ticket_type(event, price=Decimal("10.00"))
    owner = make_member(organizer)
    token = tokens.create_token(organizer=organizer, name="t", role="manager", created_by=None)[1]
    return {
        "event": event,
        "type": ticket_type,
        "rule": rule,
        "owner": owner,
        "token": token,
        "organizer": organizer,
    }


def _purchase(shop: dict[str, Any], address: Any) -> dict[str, Any]:
    return {
        "lines": [{"ticket_type_id": shop["type"].pk, "quantity": 1}],
        "buyer": {"name": "Ana", "email": "ana@example.com"},
        "payment_method": "demo",
        "invoice_address": address,
    }


ADDRESS_CASES = [
    ("NUL in the company", {**ADDRESS, "company": f"A{NUL}B"}),
    ("a control character in the city", {**ADDRESS, "city": "Par\x07is"}),
    ("an over-length street", {**ADDRESS, "street": "x" * 301}),
    ("an over-length postcode", {**ADDRESS, "zipcode": "1" * 31}),
    ("a three-letter country", {**ADDRESS, "country": "FRA"}),
    ("an unknown country", {**ADDRESS, "country": "ZZ"}),
    ("NUL in the VAT ID", {**ADDRESS, "vat_id": f"FR4030326504{NUL}"}),
    ("an over-length VAT ID", {**ADDRESS, "vat_id": "FR" + "4" * 60}),
    ("a number as the VAT ID", {**ADDRESS, "vat_id": 40303265045}),
    ("a string as is_business", {**ADDRESS, "is_business": "yes"}),
    ("a list as the address", [ADDRESS]),
    ("text as the address", "Paris"),
]


@pytest.mark.parametrize(("name", "address"), ADDRESS_CASES, ids=[c[0] for c in ADDRESS_CASES])
def test_the_purchase_api_refuses_a_hostile_invoice_address(client, shop, name, address):
    response = client.post(
        "/api/v1/events/gig/orders", json.dumps(_purchase(shop, address)), content_type="application/json"
    )
    assert response.status_code == 422, (name, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert not Order.objects.exists()
    assert not InvoiceAddress.objects.exists()


def test_the_purchase_api_refuses_nan_and_deep_nesting_in_the_address(client, shop):
    body = json.dumps(_purchase(shop, ADDRESS))
    for raw in (body.replace('"Paris"', "NaN"), body.replace('"Paris"', "[" * 10_000 + "]" * 10_000)):
        response = client.post("/api/v1/events/gig/orders", raw, content_type="application/json")
        assert response.status_code in (400, 422), response.content
    assert not Order.objects.exists()


@pytest.mark.parametrize(("name", "address"), ADDRESS_CASES, ids=[c[0] for c in ADDRESS_CASES])
def test_the_web_checkout_refuses_a_hostile_invoice_address(client, shop, name, address):
    hold = client.post(
        "/events/gig/hold/",
        json.dumps({"quantities": {str(shop["type"].pk): 1}}),
        content_type="application/json",
        headers=INERTIA,
    )
    data = {"name": "Ana", "email": "ana@example.com", "payment_method": "demo", "invoice_address": address}
    response = client.post(
        hold["Location"], json.dumps(data), content_type="application/json", headers=INERTIA
    )
    assert response.status_code == 422, (name, response.content)
    assert any(k.startswith("invoice_address") for k in response.json()["props"]["errors"])
    assert not Order.objects.exists()


RULE_CASES = [
    ("NUL in the name", {"name": f"V{NUL}AT", "rate": "19"}),
    ("an over-length name", {"name": "x" * 101, "rate": "19"}),
    ("a NaN rate", {"name": "A", "rate": "NaN"}),
    ("an infinite rate", {"name": "A", "rate": "Infinity"}),
    ("a huge rate", {"name": "A", "rate": "1e999"}),
    ("a rate over 100", {"name": "A", "rate": "100.01"}),
    ("a rate with three decimals", {"name": "A", "rate": "19.001"}),
    ("clauses as text", {"name": "A", "rate": "19", "clauses": "EU"}),
    ("too many clauses", {"name": "A", "rate": "19", "clauses": [{}] * 51}),
    (
        "NUL in a clause's country",
        {"name": "A", "rate": "19", "clauses": [{"country": f"F{NUL}", "buyer": "any", "action": "vat"}]},
    ),
    (
        "a NaN clause rate",
        {
            "name": "A",
            "rate": "19",
            "clauses": [{"country": "FR", "buyer": "any", "action": "vat_rate", "rate": "NaN"}],
        },
    ),
    ("an unknown default action", {"name": "A", "rate": "19", "default_action": "steal"}),
    ("an unknown template", {"template": f"x{NUL}"}),
]


@pytest.mark.parametrize(("name", "body"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_the_back_office_refuses_a_hostile_tax_rule(shop, name, body):
    client = Client()
    client.force_login(shop["owner"])
    before = list(TaxRule.objects.values())
    for path in ("/manage/acme/taxes/new/", f"/manage/acme/taxes/{shop['rule'].pk}/"):
        response = client.post(path, json.dumps(body), content_type="application/json", headers=INERTIA)
        assert response.status_code == 422, (name, path, response.content)
    assert list(TaxRule.objects.values()) == before


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("NUL in the name", {"name": f"V{NUL}AT", "rate": "19"}),
        ("a NaN rate", {"name": "A", "rate": "NaN"}),
        ("a number as the rate", {"name": "A", "rate": 19}),
        ("an over-length rate", {"name": "A", "rate": "1" * 11}),
        (
            "too many clauses",
            {"name": "A", "rate": "19", "clauses": [{"country": "FR", "buyer": "any", "action": "vat"}] * 51},
        ),
        (
            "a bad buyer",
            {"name": "A", "rate": "19", "clauses": [{"country": "FR", "buyer": "x", "action": "vat"}]},
        ),
    ],
)
def test_the_organizer_api_refuses_a_hostile_tax_rule(shop, name, body):
    before = list(TaxRule.objects.values())
    for method, path in (
        ("post", "/api/v1/manage/tax-rules"),
        ("put", f"/api/v1/manage/tax-rules/{shop['rule'].pk}"),
    ):
        response = call(method, path, shop["token"], body)
        assert response.status_code == 422, (name, method, response.content)
    assert list(TaxRule.objects.values()) == before


@pytest.mark.parametrize(
    "body",
    [
        {"tax_rule": "1e999", "invoice_address": "off"},
        {"tax_rule": str(BIG), "invoice_address": "off"},
        {"tax_rule": f"1{NUL}", "invoice_address": "off"},
        {"tax_rule": "", "invoice_address": f"off{NUL}"},
        {"tax_rule": "", "invoice_address": "off", "ticket_types": {str(BIG): ""}},
        {"tax_rule": "", "invoice_address": "off", "ticket_types": {"1": "NaN"}},
        {"tax_rule": "", "invoice_address": "off", "ticket_types": ["x"]},
    ],
)
def test_an_events_tax_settings_refuse_hostile_values(shop, body):
    client = Client()
    client.force_login(shop["owner"])
    response = client.post(
        "/manage/acme/events/gig/taxes/", json.dumps(body), content_type="application/json", headers=INERTIA
    )
    assert response.status_code == 422, response.content
    event = Event.objects.get(pk=shop["event"].pk)
    assert (event.tax_rule_id, event.invoice_address) == (shop["rule"].pk, "optional")
    assert not TicketType.objects.exclude(tax_rule=None).exists()
    api = call("put", "/api/v1/manage/events/gig/taxes", shop["token"], {"tax_rule": BIG})
    assert api.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"legal_name": f"A{NUL}"},
        {"legal_name": "x" * 201},
        {"legal_address": f"Street{NUL}"},
        {"legal_address": "x" * 501},
        {"country": "ZZ"},
        {"country": "DEU"},
        {"country": "DE", "vat_id": f"DE1{NUL}"},
        {"country": "DE", "vat_id": "DE123"},
        {"country": "", "vat_id": "DE136695976"},
        {"vat_id": "x" * 41},
    ],
)
def test_the_sellers_details_refuse_hostile_values(shop, body):
    client = Client()
    client.force_login(shop["owner"])
    data = {"legal_name": "Acme GmbH", "legal_address": "Street 1", "country": "DE", "vat_id": "", **body}
    response = client.post(
        "/manage/acme/taxes/seller/", json.dumps(data), content_type="application/json", headers=INERTIA
    )
    assert response.status_code == 422, (body, response.content)
    organizer = Organizer.objects.get(pk=shop["organizer"].pk)
    assert (organizer.legal_name, organizer.vat_id) == ("", "")


def test_the_sellers_details_are_saved_normalized(shop):
    client = Client()
    client.force_login(shop["owner"])
    data = {
        "legal_name": "Acme GmbH",
        "legal_address": "Street 1\n10115 Berlin",
        "country": "de",
        "vat_id": "de 136 695 976",
    }
    response = client.post(
        "/manage/acme/taxes/seller/", json.dumps(data), content_type="application/json", headers=INERTIA
    )
    assert response.status_code == 302
    organizer = Organizer.objects.get(pk=shop["organizer"].pk)
    assert (organizer.country, organizer.vat_id, organizer.legal_address) == (
        "DE",
        "DE136695976",
        "Street 1\n10115 Berlin",
    )
