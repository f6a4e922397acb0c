"""Taxes at checkout: the event's tax rule, the invoice address and its VAT ID (VIES), in
the purchase API, the web checkout and both writers of an order."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from accounts import tokens
from core import outbox, statements
from core.models import OutboxMessage
from events.models import Event, TicketType
from sales.invoice_addresses import VAT_ID_RECHECK
from sales.models import AuditEntry, InvoiceAddress, Order, Payment
from taxes import rules
from taxes.engine import REVERSE_CHARGE_TEXT
from taxes.models import TaxRule
from tests.factories import make_event, make_member, make_organizer, make_ticket_type
from tests.support.api import call
from tests.support.vies import FRENCH_BUSINESS, FRENCH_VAT_ID, closed_port_url, fake_vies

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"
    settings.VIES_TIMEOUT_SECONDS = 1


@pytest.fixture
def vies(settings):
    with fake_vies() as server:
        server.registered.add(FRENCH_VAT_ID)
        settings.VIES_URL = server.url
        yield server


@pytest.fixture
def organizer():
    return make_organizer(country="DE", legal_name="Konzert GmbH", vat_id="DE136695976")


def taxed_event(organizer, template: str, *, slug: str, is_online: bool = False, **fields) -> Event:
    rule = rules.from_template(organizer, template)
    event = make_event(
        organizer=organizer,
        slug=slug,
        currency="EUR",
        country="DE",
        is_online=is_online,
        tax_rule=rule,
        invoice_address=Event.InvoiceAddress.OPTIONAL,
        **fields,
    )
    make_ticket_type(event, name="Standard", price=Decimal("25.00"), capacity=10)
    return event


def buy(client, event, quantity=1, *, address=None, key=None):
    body = {
        "lines": [{"ticket_type_id": event.ticket_types.get(name="Standard").pk, "quantity": quantity}],
        "buyer": {"name": "Ana Buyer", "email": "ana@example.com"},
        "payment_method": "demo",
    }
    if address is not None:
        body["invoice_address"] = address
    return client.post(
        f"/api/v1/events/{event.slug}/orders",
        json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key} if key else {},
    )


def test_a_physical_event_in_germany_charges_a_french_business_german_vat(client, organizer, vies):
    event = taxed_event(organizer, "physical_admission", slug="concert")
    response = buy(client, event, 2, address=FRENCH_BUSINESS)
    assert response.status_code == 201, response.content
    body = response.json()
    (line,) = body["lines"]
    assert (line["tax_treatment"], line["tax_rate"], line["tax_amount"], line["total"]) == (
        "vat",
        "19.00",
        "7.98",
        "50.00",
    )
    assert body["total"] == "50.00"
    assert body["taxes"] == {
        "net": "42.02",
        "tax": "7.98",
        "rates": [{"treatment": "vat", "rate": "19.00", "net": "42.02", "tax": "7.98", "total": "50.00"}],
        "notes": [],
    }
    assert body["invoice_address"]["vat_id"] == FRENCH_VAT_ID
    assert body["invoice_address"]["vat_id_status"] == "valid"
    order = Order.objects.get(code=body["code"])
    stored = order.lines.get()
    assert (stored.tax_rate, stored.tax_amount, stored.tax_treatment) == (
        Decimal("19.00"),
        Decimal("7.98"),
        "vat",
    )
    address = InvoiceAddress.objects.get(order=order)
    assert (address.company, address.country, address.vat_id_status) == ("Exemple SARL", "FR", "valid")
    assert address.vat_id_checked_at is not None
    assert vies.asked == [FRENCH_VAT_ID]


def test_an_online_event_sold_to_that_business_is_reverse_charged_with_the_legal_text(
    client, organizer, vies
):
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    response = buy(client, event, 2, address=FRENCH_BUSINESS)
    assert response.status_code == 201, response.content
    body = response.json()
    (line,) = body["lines"]
    # Gross prices: the business pays the net price (25.00 less its 19 % German VAT, twice).
    assert (line["tax_treatment"], line["tax_rate"], line["tax_amount"], line["total"]) == (
        "reverse_charge",
        "0.00",
        "0.00",
        "42.02",
    )
    assert body["total"] == "42.02"
    assert body["taxes"]["notes"] == [REVERSE_CHARGE_TEXT]
    assert REVERSE_CHARGE_TEXT == (
        "Reverse charge: VAT is owed by the recipient of the service "
        "(Article 196 of Council Directive 2006/112/EC)."
    )
    order = Order.objects.get(code=body["code"])
    # The order, its payment and its tickets agree.
    assert order.total == Decimal("42.02") == order.payments.get().amount
    assert sum(t.price for t in order.tickets.all()) == Decimal("42.02")


def test_an_online_event_charges_a_french_consumer_french_vat(client, organizer, vies):
    event = taxed_event(organizer, "online_event", slug="stream", is_online=True, venue_name="")
    consumer = {"name": "Ana Buyer", "street": "2 Rue Exemple", "city": "Lyon", "country": "FR"}
    body = buy(client, event, address=consumer).json()
    assert (body["lines"][0]["tax_rate"], body["lines"][0]["tax_amount"], body["total"]) == (
        "20.00",
        "4.17",
        "25.00",
    )
    assert vies.asked == []  # no VAT ID, nothing to ask


@pytest.mark.parametrize(
    ("vat_id", "registered", "message"),
    [
        ("FR40303265046", True, "This is not a valid VAT ID"),  # wrong check digits: VIES not asked
        ("DE136695976", True, "not one of the address's country"),
        (FRENCH_VAT_ID, False, "not registered in the EU's VIES"),
    ],
)
def test_an_invalid_vat_id_is_refused_by_the_api(client, organizer, vies, vat_id, registered, message):
    if not registered:
        vies.registered.clear()
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    response = buy(client, event, address={**FRENCH_BUSINESS, "vat_id": vat_id})
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["field"] == "invoice_address.vat_id"
    assert message in problem["detail"]
    assert problem["field_errors"] == [{"field": "invoice_address.vat_id", "detail": problem["detail"]}]
    assert not Order.objects.exists()
    assert vies.asked == ([] if registered else [FRENCH_VAT_ID])


def test_an_unreachable_vies_does_not_block_the_sale_and_flags_a_recheck(client, organizer, settings):
    settings.VIES_URL = closed_port_url()
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    response = buy(client, event, address=FRENCH_BUSINESS)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["invoice_address"]["vat_id_status"] == "unchecked"
    assert body["lines"][0]["tax_treatment"] == "reverse_charge"  # the syntax was right: the sale goes on
    address = InvoiceAddress.objects.get(order__code=body["code"])
    assert (address.vat_id_status, address.vat_id_checked_at) == ("unchecked", None)
    # The re-check was written with the order and tried once it committed: VIES still away.
    (recheck,) = OutboxMessage.objects.filter(kind=VAT_ID_RECHECK)
    assert recheck.payload == {"order": body["code"]}
    assert (recheck.sent_at, recheck.attempts) == (None, 1)
    assert "ViesUnreachable" in recheck.last_error

    with fake_vies() as vies:
        vies.registered.add(FRENCH_VAT_ID)
        settings.VIES_URL = vies.url
        assert outbox.deliver(recheck.pk)
    address.refresh_from_db()
    assert address.vat_id_status == "valid"
    assert address.vat_id_checked_at is not None


def test_a_recheck_that_vies_refuses_is_written_to_the_orders_log(client, organizer, settings):
    settings.VIES_URL = closed_port_url()
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    code = buy(client, event, address=FRENCH_BUSINESS).json()["code"]
    with fake_vies() as vies:
        settings.VIES_URL = vies.url  # knows no VAT ID
        assert outbox.deliver(OutboxMessage.objects.get(kind=VAT_ID_RECHECK).pk)
    address = InvoiceAddress.objects.get(order__code=code)
    assert address.vat_id_status == "unchecked"
    assert address.vat_id_checked_at is not None
    entry = AuditEntry.objects.get(order__code=code, action="vat_id_invalid")
    assert entry.detail == {"vat_id": FRENCH_VAT_ID}


@pytest.mark.parametrize("mode", ["member_state_down", "slow"])
def test_vies_errors_and_timeouts_count_as_unreachable(client, organizer, vies, settings, mode):
    vies.mode, vies.delay = mode, 3
    settings.VIES_TIMEOUT_SECONDS = 0.3
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    response = buy(client, event, address=FRENCH_BUSINESS)
    assert response.status_code == 201
    assert response.json()["invoice_address"]["vat_id_status"] == "unchecked"


def test_the_invoice_address_setting(client, organizer, vies):
    event = taxed_event(organizer, "physical_admission", slug="concert")
    Event.objects.filter(pk=event.pk).update(invoice_address=Event.InvoiceAddress.REQUIRED)
    refused = buy(client, event)
    assert refused.status_code == 422
    assert refused.json()["field"] == "invoice_address"
    Event.objects.filter(pk=event.pk).update(invoice_address=Event.InvoiceAddress.OFF)
    refused = buy(client, event, address=FRENCH_BUSINESS)
    assert (refused.status_code, refused.json()["field"]) == (422, "invoice_address")
    assert buy(client, event).status_code == 201  # off: no address, taxed for a private buyer


def test_an_address_is_checked_field_by_field(client, organizer, vies):
    event = taxed_event(organizer, "physical_admission", slug="concert")
    response = buy(client, event, address={"is_business": True, "country": "XX", "vat_id": "", "city": ""})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["field_errors"]}
    assert fields == {
        "invoice_address.country",
        "invoice_address.company",
        "invoice_address.street",
        "invoice_address.city",
    }
    business_without_id = {**FRENCH_BUSINESS, "vat_id": ""}
    assert buy(client, event, address=business_without_id).json()["field"] == "invoice_address.vat_id"
    private_with_id = {"name": "Ana", "street": "x", "city": "y", "country": "FR", "vat_id": FRENCH_VAT_ID}
    assert buy(client, event, address=private_with_id).json()["field"] == "invoice_address.vat_id"


def test_a_replayed_purchase_with_an_address_returns_the_first_order(client, organizer, vies):
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    first = buy(client, event, address=FRENCH_BUSINESS, key="k1")
    again = buy(client, event, address=FRENCH_BUSINESS, key="k1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == first.json()["code"]
    assert again.json()["invoice_address"] == first.json()["invoice_address"]
    other = buy(client, event, address={**FRENCH_BUSINESS, "company": "Autre SARL"}, key="k1")
    assert other.status_code == 422


def test_a_ticket_types_own_rule_and_net_prices(client, organizer, vies):
    event = taxed_event(organizer, "physical_admission", slug="concert")
    reduced = rules.save_rule(
        organizer, rules.RuleInput(name="Reduced, net", rate="7", price_includes_tax=False)
    )
    TicketType.objects.filter(event=event).update(tax_rule=reduced)
    body = buy(client, event, 2).json()
    assert (body["lines"][0]["tax_rate"], body["lines"][0]["tax_amount"], body["total"]) == (
        "7.00",
        "3.50",
        "53.50",
    )
    assert body["subtotal"] == "50.00"
    order = Order.objects.get(code=body["code"])
    assert order.total == Decimal("53.50") == Payment.objects.get(order=order).amount


# --- The web checkout -------------------------------------------------------------------


def web_checkout(client, event, address):
    ticket_type = event.ticket_types.get(name="Standard")
    hold = client.post(
        f"/events/{event.slug}/hold/",
        json.dumps({"quantities": {str(ticket_type.pk): 1}}),
        content_type="application/json",
        headers=INERTIA,
    )
    checkout_url = hold["Location"]
    page = client.get(checkout_url, headers=INERTIA).json()["props"]
    data = {"name": "Ana", "email": "ana@example.com", "payment_method": "demo", "card_number": "4242"}
    if address is not None:
        data["invoice_address"] = address
    response = client.post(checkout_url, json.dumps(data), content_type="application/json", headers=INERTIA)
    return page, response


def test_the_web_checkout_asks_for_the_address_and_refuses_an_invalid_vat_id(client, organizer, vies):
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    page, response = web_checkout(client, event, {**FRENCH_BUSINESS, "vat_id": "FR123"})
    assert page["invoice_address"]["required"] is False
    assert page["invoice_address"]["default_country"] == "DE"
    assert "FR" in page["invoice_address"]["eu_countries"]
    assert page["taxes"]["rates"][0]["rate"] == "19.00"  # shown for a private buyer
    assert response.status_code == 422
    errors = response.json()["props"]["errors"]
    assert errors["invoice_address.vat_id"].startswith("This is not a valid VAT ID")
    assert not Order.objects.exists()


def test_the_web_checkout_writes_the_address_and_the_order_page_shows_the_tax(client, organizer, vies):
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    _, response = web_checkout(client, event, FRENCH_BUSINESS)
    assert response.status_code == 302, response.content
    order = Order.objects.get()
    assert order.invoice_address.vat_id == FRENCH_VAT_ID
    assert order.total == Decimal("21.01")
    shown = client.get(response["Location"], headers=INERTIA).json()["props"]["order"]
    assert shown["taxes"]["notes"] == [REVERSE_CHARGE_TEXT]
    assert shown["invoice_address"]["company"] == "Exemple SARL"


def test_the_web_checkout_without_the_section(client, organizer, vies):
    event = taxed_event(organizer, "physical_admission", slug="concert")
    Event.objects.filter(pk=event.pk).update(invoice_address=Event.InvoiceAddress.OFF)
    page, response = web_checkout(client, event, None)
    assert page["invoice_address"] is None
    assert response.status_code == 302
    assert not InvoiceAddress.objects.exists()
    assert Order.objects.get().lines.get().tax_amount == Decimal("3.99")


# --- Both writers -----------------------------------------------------------------------


def _snapshot(order: Order) -> dict:
    skip = {"id", "order", "created_at", "vat_id_checked_at"}
    lines = [
        {k: v for k, v in model_to_dict(line).items() if k not in skip} for line in order.lines.order_by("pk")
    ]
    address = {k: v for k, v in model_to_dict(order.invoice_address).items() if k not in skip}
    rechecks = OutboxMessage.objects.filter(kind=VAT_ID_RECHECK, payload__order=order.code).count()
    return {"total": order.total, "lines": lines, "address": address, "rechecks": rechecks}


@pytest.mark.postgres
@pytest.mark.parametrize("reachable", [True, False])
def test_postgresql_writes_the_same_tax_as_the_orm(client, organizer, vies, settings, monkeypatch, reachable):
    if connection.vendor != "postgresql":
        pytest.skip("The one-statement write needs PostgreSQL.")
    if not reachable:
        settings.VIES_URL = closed_port_url()
    event = taxed_event(organizer, "online_event", slug="webinar", is_online=True, venue_name="")
    make_ticket_type(event, name="VIP", price=Decimal("99.99"), capacity=10)
    assert statements.available()
    by_statement = Order.objects.get(code=buy(client, event, 3, address=FRENCH_BUSINESS).json()["code"])
    monkeypatch.setattr(statements, "available", lambda: False)
    by_orm = Order.objects.get(code=buy(client, event, 3, address=FRENCH_BUSINESS).json()["code"])
    assert _snapshot(by_statement) == _snapshot(by_orm)
    assert _snapshot(by_orm)["rechecks"] == (0 if reachable else 1)


# --- The back office and the organizer API ------------------------------------------------


def _post(client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", headers=INERTIA)


def test_a_manager_adds_edits_uses_and_deletes_a_tax_rule(client, organizer):
    event = make_event(organizer=organizer, slug="concert")
    standard = make_ticket_type(event, name="Standard", price=Decimal("25.00"))
    client.force_login(make_member(organizer, role="manager"))
    assert (
        _post(client, f"/manage/{organizer.slug}/taxes/new/", {"template": "online_event"}).status_code == 302
    )
    rule = TaxRule.objects.get(organizer=organizer)
    assert (rule.rate, rule.template, len(rule.clauses)) == (Decimal("19.00"), "online_event", 3)
    page = client.get(f"/manage/{organizer.slug}/taxes/", headers=INERTIA).json()
    assert page["component"] == "Manage/TaxRules"
    assert page["props"]["rules"][0]["clauses"][0]["action"] == "reverse_charge"
    assert page["props"]["can_edit_seller"] is False  # owners only
    edited = {
        "name": "Streams",
        "rate": "19",
        "price_includes_tax": False,
        "clauses": [{"country": "AT", "buyer": "any", "action": "vat_rate", "rate": "10"}],
        "default_action": "vat",
    }
    assert _post(client, f"/manage/{organizer.slug}/taxes/{rule.pk}/", edited).status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.price_includes_tax, rule.clauses[0]["rate"]) == ("Streams", False, "10.00")
    refused = _post(client, f"/manage/{organizer.slug}/taxes/{rule.pk}/", {**edited, "rate": "abc"})
    assert refused.json()["props"]["errors"] == {
        f"{rule.pk}.edit.rate": "Enter a rate from 0 to 100 %, with at most two decimals."
    }
    settings_url = f"/manage/{organizer.slug}/events/concert/taxes/"
    saved = _post(
        client,
        settings_url,
        {"tax_rule": str(rule.pk), "invoice_address": "required", "ticket_types": {str(standard.pk): ""}},
    )
    assert saved.status_code == 302
    editor = client.get(f"/manage/{organizer.slug}/events/concert/", headers=INERTIA).json()["props"]
    assert (editor["taxes"]["tax_rule"], editor["taxes"]["invoice_address"]) == (rule.pk, "required")
    in_use = _post(client, f"/manage/{organizer.slug}/taxes/{rule.pk}/delete/", {})
    assert in_use.status_code == 422
    assert "use this tax rule" in in_use.json()["props"]["errors"][f"{rule.pk}.delete.form"]
    _post(client, settings_url, {"tax_rule": "", "invoice_address": "off"})
    assert _post(client, f"/manage/{organizer.slug}/taxes/{rule.pk}/delete/", {}).status_code == 302
    assert not TaxRule.objects.exists()


def test_another_organizers_rule_cannot_be_chosen(client, organizer):
    make_event(organizer=organizer, slug="concert")
    foreign = rules.from_template(make_organizer(), "physical_admission")
    client.force_login(make_member(organizer, role="manager"))
    refused = _post(
        client,
        f"/manage/{organizer.slug}/events/concert/taxes/",
        {"tax_rule": str(foreign.pk), "invoice_address": "off"},
    )
    assert refused.json()["props"]["errors"] == {"taxes.tax_rule": "Choose one of your tax rules."}
    assert Event.objects.get(slug="concert").tax_rule_id is None


def test_the_organizer_api_manages_tax_rules(organizer):
    token = tokens.create_token(organizer=organizer, name="t", role="manager", created_by=None)[1]
    event = make_event(organizer=organizer, slug="concert")
    created = call(
        "post", "/api/v1/manage/tax-rules/from-template", token, {"template": "physical_admission"}
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    assert created.json()["rate"] == "19.00"
    put = call(
        "put",
        "/api/v1/manage/events/concert/taxes",
        token,
        {"tax_rule": rule_id, "invoice_address": "optional"},
    )
    assert put.json() == {
        "tax_rule": rule_id,
        "invoice_address": "optional",
        "ticket_types": {},
    }
    changed = call("put", f"/api/v1/manage/tax-rules/{rule_id}", token, {"name": "Reduced", "rate": "7"})
    assert (changed.status_code, changed.json()["rate"], changed.json()["events"]) == (200, "7.00", 1)
    assert call("delete", f"/api/v1/manage/tax-rules/{rule_id}", token).status_code == 409
    Event.objects.filter(pk=event.pk).update(tax_rule=None)
    assert call("delete", f"/api/v1/manage/tax-rules/{rule_id}", token).status_code == 204
    assert call("get", "/api/v1/manage/tax-rules", token).json() == []
