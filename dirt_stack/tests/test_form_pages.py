"""POST-only form URLs never leave the browser on a blank 405: a refused form is shown
at the address of the page it belongs to, and a GET of the POST-only URL is redirected
there (core.inertia.form_page)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership
from sales import pricing, purchase
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


def post(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", headers=INERTIA)


@pytest.fixture
def organizer():
    return make_organizer(slug="acme")


@pytest.fixture
def owner_client(organizer):
    client = Client()
    client.force_login(make_member(organizer))
    return client


@pytest.fixture
def event(organizer):
    event = make_event(organizer=organizer, slug="gig", currency="EUR")
    make_ticket_type(event, name="Standard", price=Decimal("20.00"), capacity=50, max_per_order=4)
    return event


def test_a_refused_hold_is_shown_at_the_event_page_with_date_and_voucher(event):
    standard = event.ticket_types.get()
    date = only_date(event)
    response = post(
        Client(),
        "/events/gig/hold/",
        {"date": date.pk, "voucher": "NOPE", "quantities": {str(standard.pk): 30}},
    )
    assert response.status_code == 422
    page = response.json()
    assert page["component"] == "Events/Show"
    assert page["props"]["errors"]
    assert page["url"] == f"/events/gig/?date={date.pk}&voucher=NOPE"


def test_a_hold_without_a_date_is_refused_at_the_bare_event_page(event):
    response = post(Client(), "/events/gig/hold/", {"date": 999999, "quantities": {}})
    assert response.status_code == 422
    assert response.json()["url"] == "/events/gig/"


def test_a_get_of_the_hold_url_goes_to_the_event_page(event):
    response = Client().get("/events/gig/hold/")
    assert response.status_code == 302
    assert response["Location"] == "/events/gig/"
    assert Client().put("/events/gig/hold/").status_code == 405


def test_the_team_page_error_stays_on_the_team_page(organizer, owner_client):
    own = Membership.objects.get(organizer=organizer)
    url = f"/manage/acme/members/{own.pk}/"
    response = post(owner_client, url, {"role": "manager"})
    assert response.status_code == 422
    page = response.json()
    assert page["component"] == "Manage/Members"
    assert "at least one owner" in page["props"]["errors"]["form"]
    assert page["url"] == "/manage/acme/members/"
    response = owner_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/manage/acme/members/"


def test_ticket_type_and_voucher_errors_stay_on_the_event_editor(event, owner_client):
    editor = "/manage/acme/events/gig/"
    standard = event.ticket_types.get()
    for url, data in [
        (f"{editor}ticket-types/", {"name": "", "price": "x"}),
        (f"{editor}ticket-types/{standard.pk}/", {"name": "", "price": "-1"}),
        (f"{editor}vouchers/", {"code": "", "kind": "nonsense"}),
    ]:
        response = post(owner_client, url, data)
        assert response.status_code == 422, url
        assert response.json()["url"] == editor, url
        assert response.json()["props"]["errors"], url
        answer = owner_client.get(url)
        assert (answer.status_code, answer["Location"]) == (302, editor), url


def test_an_order_action_error_stays_on_the_order_page(event, owner_client):
    date = only_date(event)
    standard = event.ticket_types.get()
    order = purchase.place_order(
        date,
        {standard.pk: 1},
        pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo"),
        base_url="http://testserver/",
    ).order
    page_url = f"/manage/acme/events/gig/orders/{order.code}/"
    action_url = f"{page_url}action/"
    response = post(owner_client, action_url, {"action": "refund", "amount": "999999"})
    assert response.status_code in (409, 422)
    assert response.json()["component"] == "Manage/Order"
    assert response.json()["url"] == page_url
    answer = owner_client.get(action_url)
    assert (answer.status_code, answer["Location"]) == (302, page_url)


def test_a_get_of_a_form_url_still_needs_a_login(event):
    response = Client().get("/manage/acme/events/gig/vouchers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _order(event):
    return purchase.place_order(
        only_date(event),
        {event.ticket_types.get().pk: 1},
        pricing.BuyerDetails(name="Ana", email="ana@example.com", payment_method="demo"),
        base_url="http://testserver/",
    ).order


def test_question_form_errors_stay_on_the_questions_page(event, owner_client):
    page_url = "/manage/acme/events/gig/questions/"
    cases: list[tuple[str, dict[str, Any]]] = [
        (f"{page_url}new/", {"label": "", "kind": "nonsense"}),
        (f"{page_url}settings/", {"buyers_edit": True, "buyer_edit_hours_before": -5}),
    ]
    for url, data in cases:
        response = post(owner_client, url, data)
        assert response.status_code == 422, url
        assert response.json()["component"] == "Manage/Questions", url
        assert response.json()["props"]["errors"], url
        assert response.json()["url"] == page_url, url
        answer = owner_client.get(url)
        assert (answer.status_code, answer["Location"]) == (302, page_url), url
    answer = owner_client.get(f"{page_url}1/delete/")
    assert (answer.status_code, answer["Location"]) == (302, page_url)


def test_a_get_of_a_waiting_list_button_goes_to_the_waiting_list_page(event, owner_client):
    page_url = "/manage/acme/events/gig/waitlist/"
    for action in ("offer", "remove"):
        answer = owner_client.get(f"{page_url}1/{action}/")
        assert (answer.status_code, answer["Location"]) == (302, page_url)


def test_a_refused_waiting_list_join_is_shown_at_the_event_page(event):
    date = only_date(event)
    response = post(Client(), "/events/gig/waitlist/", {"date": 999999})
    assert response.status_code == 422
    assert response.json()["url"] == "/events/gig/"
    response = post(Client(), "/events/gig/waitlist/", {"date": date.pk, "ticket_type": 999999})
    assert response.status_code == 422
    assert response.json()["props"]["errors"]["waitlist_ticket_type"]
    assert response.json()["url"] == f"/events/gig/?date={date.pk}"
    answer = Client().get("/events/gig/waitlist/")
    assert (answer.status_code, answer["Location"]) == (302, "/events/gig/")


def test_the_buyers_order_forms_stay_on_the_order_page(event):
    event.name_change_deadline_hours = 1
    event.save()
    order = _order(event)
    page_url = f"/orders/{order.code}/{order.secret}/"
    response = post(Client(), f"{page_url}attendee/", {"ticket": 999999, "attendee_name": "Bo"})
    assert response.status_code == 422
    assert response.json()["component"] == "Orders/Show"
    assert response.json()["props"]["errors"]["ticket"]
    assert response.json()["url"] == page_url
    for form in ("attendee", "answers"):
        answer = Client().get(f"{page_url}{form}/")
        assert (answer.status_code, answer["Location"]) == (302, page_url), form
