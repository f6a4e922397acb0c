"""Invoices through every way in: the buyer's order page (its secret address), the back
office (list, settings, an order's invoice) and the organizer API; who may see what, the
files' content types, and hostile input to the new fields, filters and addresses."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts import tokens
from accounts.models import Membership
from invoicing.models import Invoice, InvoiceSettings
from sales import lifecycle
from tests.factories import make_member, make_ticket_type
from tests.support.api import call
from tests.support.invoices import buy, compile_catalogs, invoicing_event, other_organizers_invoice, paid

pytestmark = pytest.mark.django_db(transaction=True)
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.fixture
def shop(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    event = invoicing_event(slug="gig")
    entry = make_ticket_type(event, name="Entry", price=Decimal("20.00"))
    order = buy(event, {entry: 1}, method="demo")
    owner, manager = Client(), Client()
    owner.force_login(make_member(event.organizer, role=Membership.Role.OWNER))
    manager.force_login(make_member(event.organizer, role=Membership.Role.MANAGER))
    token = tokens.create_token(organizer=event.organizer, name="robot", role="manager", created_by=None)[1]
    return {
        "event": event,
        "entry": entry,
        "order": order,
        "invoice": Invoice.objects.get(order=order),
        "owner": owner,
        "manager": manager,
        "token": token,
    }


def post(client: Client, path: str, data: object) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json", headers=INERTIA)


def assert_download(response, content_type: str, filename: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert "no-store" in response["Cache-Control"]


# --- The buyer ----------------------------------------------------------------------------------


def test_the_buyer_downloads_the_invoice_through_the_orders_secret_address(shop):
    order, invoice = shop["order"], shop["invoice"]
    page = Client().get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA).json()["props"]

    [link] = page["invoices"]["invoices"]
    assert link["number"] == "ACME-00001"
    assert page["invoices"]["request_url"] is None
    response = Client().get(link["pdf_url"])
    assert_download(response, "application/pdf", "ACME-00001.pdf")
    assert response.content.startswith(b"%PDF")
    assert Client().get(link["pdf_url"]).content == response.content  # kept, the same bytes

    for wrong in (
        f"/orders/{order.code}/{'x' * 64}/invoices/{invoice.pk}.pdf",
        f"/orders/{order.code}/{order.secret}/invoices/{invoice.pk + 1}.pdf",
        f"/orders/{order.code}/{order.secret}/invoices/99999999999999999999999.pdf",
        f"/orders/{order.code}/{order.secret}/invoices/abc.pdf",
        f"/orders/{order.code}/{order.secret}/invoices/1%00.pdf",
    ):
        assert Client().get(wrong, headers=INERTIA).status_code == 404, wrong


def test_another_orders_invoice_is_not_reached_with_this_orders_secret(shop):
    other = buy(shop["event"], {shop["entry"]: 1}, method="demo", email="bo@example.com")
    theirs = Invoice.objects.get(order=other)
    order = shop["order"]
    assert (
        Client()
        .get(f"/orders/{order.code}/{order.secret}/invoices/{theirs.pk}.pdf", headers=INERTIA)
        .status_code
        == 404
    )


def test_on_request_the_buyer_asks_for_the_invoice_from_the_order_page(shop):
    InvoiceSettings.objects.filter(organizer=shop["event"].organizer).update(
        mode=InvoiceSettings.Mode.ON_REQUEST
    )
    order = paid(buy(shop["event"], {shop["entry"]: 1}, email="cy@example.com"))
    page = Client().get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA).json()["props"]
    assert page["invoices"] == {
        "invoices": [],
        "request_url": f"/orders/{order.code}/{order.secret}/invoices/",
    }

    response = post(Client(), page["invoices"]["request_url"], {})

    assert response.status_code in (302, 303)
    assert Invoice.objects.get(order=order).number == "ACME-00002"
    page = Client().get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA).json()["props"]
    assert page["invoices"]["request_url"] is None
    assert len(page["invoices"]["invoices"]) == 1
    assert post(Client(), f"/orders/{order.code}/{'x' * 64}/invoices/", {}).status_code == 404


def test_an_organizer_who_issues_no_invoices_shows_no_section_and_refuses_requests(shop):
    InvoiceSettings.objects.filter(organizer=shop["event"].organizer).update(mode=InvoiceSettings.Mode.NEVER)
    order = paid(buy(shop["event"], {shop["entry"]: 1}, email="cy@example.com"))
    page = Client().get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA).json()["props"]
    assert page["invoices"] is None

    post(Client(), f"/orders/{order.code}/{order.secret}/invoices/", {})

    assert not Invoice.objects.filter(order=order).exists()


# --- The back office ----------------------------------------------------------------------------


def test_managers_list_filter_and_download_the_organizers_invoices(shop):
    order = shop["order"]
    lifecycle.cancel(order)
    page = shop["manager"].get("/manage/acme/invoices/", headers=INERTIA).json()["props"]
    assert [row["number"] for row in page["invoices"]] == ["ACME-00002", "ACME-00001"]
    assert page["invoices"][0]["refers_to"] == "ACME-00001"
    assert page["invoices"][0]["gross_total"] == "-20.00"

    kinds = shop["manager"].get("/manage/acme/invoices/?kind=cancellation", headers=INERTIA).json()["props"]
    assert [row["number"] for row in kinds["invoices"]] == ["ACME-00002"]
    by_code = shop["manager"].get(f"/manage/acme/invoices/?q={order.code}", headers=INERTIA).json()["props"]
    assert len(by_code["invoices"]) == 2
    later = shop["manager"].get("/manage/acme/invoices/?from=2999-01-01", headers=INERTIA).json()["props"]
    assert later["invoices"] == []
    assert later["filters"]["issued_from"] == "2999-01-01"

    row = page["invoices"][1]
    assert_download(shop["manager"].get(row["pdf_url"]), "application/pdf", "ACME-00001.pdf")
    xml = shop["manager"].get(row["xml_url"])
    assert_download(xml, "application/xml", "ACME-00001.xml")
    assert b"CrossIndustryInvoice" in xml.content

    order_page = shop["manager"].get(f"/manage/acme/events/gig/orders/{order.code}/", headers=INERTIA).json()
    assert [i["number"] for i in order_page["props"]["invoices"]["invoices"]] == ["ACME-00002", "ACME-00001"]


@pytest.mark.parametrize(
    "query",
    ["?kind=%00", "?kind=" + "x" * 5000, "?from=9999-99-99", "?from=%00", "?to=" + "1" * 5000, "?page=1e999"],
)
def test_hostile_filters_are_ignored(shop, query):
    response = shop["manager"].get(f"/manage/acme/invoices/{query}", headers=INERTIA)
    assert response.status_code == 200
    assert len(response.json()["props"]["invoices"]) == 1


def test_a_search_with_control_characters_is_refused(shop):
    assert shop["manager"].get("/manage/acme/invoices/?q=a%00b", headers=INERTIA).status_code == 400


def test_owners_set_when_invoices_are_issued(shop):
    response = post(
        shop["owner"],
        "/manage/acme/invoices/settings/",
        {"mode": "request", "prefix": "2027/", "footer": "IBAN\nBIC"},
    )
    assert response.status_code in (302, 303)
    saved = InvoiceSettings.objects.get(organizer=shop["event"].organizer)
    assert (saved.mode, saved.prefix, saved.footer) == ("request", "2027/", "IBAN\nBIC")
    page = shop["owner"].get("/manage/acme/invoices/settings/", headers=INERTIA).json()["props"]
    assert page["settings"] == {"mode": "request", "prefix": "2027/", "footer": "IBAN\nBIC"}
    assert page["seller_name"] == "Acme Events GmbH"
    refused = post(
        shop["manager"], "/manage/acme/invoices/settings/", {"mode": "never", "prefix": "X", "footer": ""}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mode": "always"}, "mode"),
        ({"mode": float("nan")}, "mode"),
        ({"mode": ["paid"]}, "mode"),
        ({"prefix": "A\x00"}, "prefix"),
        ({"prefix": "x" * 5000}, "prefix"),
        ({"prefix": ""}, "prefix"),
        ({"prefix": {"a": 1}}, "prefix"),
        ({"footer": "a\x00b"}, "footer"),
        ({"footer": "a\x1bb"}, "footer"),
        ({"footer": "x" * 100_000}, "footer"),
        ({"footer": 1e308}, "footer"),
    ],
)
def test_hostile_settings_are_refused_with_the_fields_error_and_change_nothing(shop, fields, field):
    before = list(InvoiceSettings.objects.values_list("mode", "prefix", "footer"))
    body = {"mode": "paid", "prefix": "INV-", "footer": "", **fields}

    response = shop["owner"].post(
        "/manage/acme/invoices/settings/",
        json.dumps(body),
        content_type="application/json",
        headers=INERTIA,
    )

    assert response.status_code == 422
    assert field in response.json()["props"]["errors"]
    assert list(InvoiceSettings.objects.values_list("mode", "prefix", "footer")) == before


def test_an_organizer_issues_an_orders_invoice_on_request(shop):
    InvoiceSettings.objects.filter(organizer=shop["event"].organizer).update(
        mode=InvoiceSettings.Mode.ON_REQUEST
    )
    order = paid(buy(shop["event"], {shop["entry"]: 1}, email="cy@example.com"))
    page = (
        shop["manager"].get(f"/manage/acme/events/gig/orders/{order.code}/", headers=INERTIA).json()["props"]
    )
    assert page["invoices"]["request_url"] == f"/manage/acme/events/gig/orders/{order.code}/invoice/"

    post(shop["manager"], page["invoices"]["request_url"], {})

    assert Invoice.objects.filter(order=order, kind=Invoice.Kind.INVOICE).count() == 1


def test_another_organizers_invoice_files_are_not_found(shop):
    theirs = other_organizers_invoice()
    for path in (
        f"/manage/acme/invoices/{theirs.pk}.pdf",
        f"/manage/acme/invoices/{theirs.pk}.xml",
        "/manage/acme/invoices/99999999999999999999.pdf",
        "/manage/acme/invoices/x.xml",
    ):
        assert shop["manager"].get(path, headers=INERTIA).status_code == 404, path


# --- The organizer API --------------------------------------------------------------------------


def test_the_api_lists_reads_and_serves_the_files(shop):
    invoice, token = shop["invoice"], shop["token"]

    listed = call("get", "/api/v1/manage/invoices", token).json()
    assert listed["count"] == 1
    assert listed["items"][0]["number"] == "ACME-00001"
    detail = call("get", f"/api/v1/manage/invoices/{invoice.pk}", token).json()
    assert detail["gross_total"] == "20.00"
    assert detail["lines"][0]["description"] == "Entry"
    assert detail["order"] == shop["order"].code
    assert detail["kind"] == "invoice"
    assert_download(
        call("get", f"/api/v1/manage/invoices/{invoice.pk}/pdf", token), "application/pdf", "ACME-00001.pdf"
    )
    assert_download(
        call("get", f"/api/v1/manage/invoices/{invoice.pk}/xml", token), "application/xml", "ACME-00001.xml"
    )
    assert call("get", "/api/v1/manage/invoices?kind=credit_note", token).json()["count"] == 0


def test_the_api_issues_an_invoice_on_request_and_refuses_an_unpaid_order(shop):
    InvoiceSettings.objects.filter(organizer=shop["event"].organizer).update(
        mode=InvoiceSettings.Mode.ON_REQUEST
    )
    pending = buy(shop["event"], {shop["entry"]: 1}, email="cy@example.com")
    assert call("post", f"/api/v1/manage/orders/{pending.code}/invoice", shop["token"], {}).status_code == 409

    created = call("post", f"/api/v1/manage/orders/{paid(pending).code}/invoice", shop["token"], {})

    assert created.status_code == 201
    assert created.json()["number"] == "ACME-00002"
    again = call("post", f"/api/v1/manage/orders/{pending.code}/invoice", shop["token"], {})
    assert again.status_code == 201
    assert again.json()["number"] == "ACME-00002"


def test_the_api_never_shows_another_organizers_invoices(shop):
    theirs = other_organizers_invoice()
    for path in (
        f"/api/v1/manage/invoices/{theirs.pk}",
        f"/api/v1/manage/invoices/{theirs.pk}/pdf",
        f"/api/v1/manage/invoices/{theirs.pk}/xml",
    ):
        assert call("get", path, shop["token"]).status_code == 404, path
    assert (
        call("post", f"/api/v1/manage/orders/{theirs.order.code}/invoice", shop["token"], {}).status_code
        == 404
    )
    assert call("get", "/api/v1/manage/invoices", shop["token"]).json()["count"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/manage/invoices/99999999999999999999999",
        "/api/v1/manage/invoices/0/pdf",
        "/api/v1/manage/invoices/abc/xml",
        "/api/v1/manage/invoices?q=a%00b",
        "/api/v1/manage/invoices?q=" + "x" * 5000,
        "/api/v1/manage/invoices?kind=everything",
        "/api/v1/manage/invoices?from=99999-01-01",
        "/api/v1/manage/invoices?to=NaN",
        "/api/v1/manage/invoices?page=1e999",
    ],
)
def test_hostile_api_requests_are_refused_as_problems(shop, path):
    response = call("get", path, shop["token"])
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
