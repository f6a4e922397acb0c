"""What a buyer sees after the sale: void tickets on the order page, in the PDF and at the door;
times in the event's zone in every email, PDF, export and API answer; names on one line; and
the checkout's address once it became an order."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zoneinfo
from decimal import Decimal

import pypdf
import pytest
from django.core import mail
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.test import Client
from django.utils import timezone

from backoffice.forms import OrganizerForm
from backoffice.reports import attendees_csv, orders_csv
from checkin.models import CheckInList
from checkin.services import scan
from core.text import single_line
from events.models import Event, EventDate
from sales import lifecycle, pricing, purchase
from sales.emails import send_order_confirmation
from sales.models import Hold, Order, Ticket
from sales.tickets import order_pdf
from storefront.serializers import load_order, order_detail
from tests.factories import allocated, make_event, make_ticket_type, only_date
from tests.support.api import call

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
PRAGUE = zoneinfo.ZoneInfo("Europe/Prague")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


def buy(event: Event, n: int = 3, method: str = "demo", names: list[str] | None = None) -> Order:
    ticket_type = event.ticket_types.get()
    details = pricing.BuyerDetails(
        name="Ana Buyer",
        email="ana@example.com",
        payment_method=method,
        attendee_names=names or [f"Guest {i}" for i in range(1, n + 1)],
    )
    return purchase.place_order(
        only_date(event), {ticket_type.pk: n}, details, base_url="http://testserver/"
    ).order


@pytest.fixture
def event() -> Event:
    # 20:00 in Prague in winter: 19:00 UTC, the hour the emails once said.
    starts = dt.datetime(2031, 12, 12, 20, 0, tzinfo=PRAGUE)
    event = make_event(
        slug="jazz", title="Jazz Night", timezone="Europe/Prague", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3), payment_methods=["demo", "offline"],
    )  # fmt: skip
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=50)
    return event


def loaded(order: Order) -> Order:
    """The order as its page and its PDF load it (event, organizer and date with it)."""
    found = load_order(order.code)
    assert found is not None
    return found


def pdf_pages(order: Order) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(order_pdf(loaded(order)))).pages]


def pdf_text(page: pypdf.PageObject) -> str:
    """A PDF page's text with the narrow and no-break spaces of formatted times as spaces."""
    return page.extract_text().replace("\u202f", " ").replace("\xa0", " ")


def html_of(email: EmailMessage) -> str:
    assert isinstance(email, EmailMultiAlternatives)
    return str(email.alternatives[0][0])


def page_props(client: Client, order: Order) -> dict:
    response = client.get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA)
    assert response.status_code == 200
    return response.json()["props"]["order"]


def door(event: Event) -> CheckInList:
    return CheckInList.objects.create(event=event, name="Main entrance")


# --- Tickets follow their order -------------------------------------------------------------


def test_a_refunded_ticket_leaves_the_pdf_and_says_refunded_on_the_order_page(client, event):
    order = buy(event, 3)
    first, second, _third = order.tickets.order_by("id")
    lifecycle.refund(order, tickets=[first.pk], reason="Can't come")

    pages = pdf_pages(order)
    assert len(pages) == 2
    assert "Guest 1" not in "".join(pages)
    assert "Attendee: Guest 2" in pages[0]
    assert "ticket 1 of 2" in pages[0]
    assert "Attendee: Guest 3" in pages[1]
    assert "ticket 2 of 2" in pages[1]

    tickets = page_props(client, order)["tickets"]
    assert [(t["state"], t["state_label"], t["void"]) for t in tickets] == [
        ("refunded", "Refunded", True), ("valid", "Valid", False), ("valid", "Valid", False),
    ]  # fmt: skip
    assert tickets[0]["qr"] is None
    assert tickets[1]["qr"].startswith("data:image/svg+xml")
    assert tickets[2]["qr"]
    refused = scan(door(event), secret=first.secret)
    assert (refused.outcome, refused.message) == ("refused", "Void: this ticket was refunded.")
    assert scan(door(event), secret=second.secret).outcome == "admitted"


@pytest.mark.parametrize(
    ("close", "state", "label", "reason"),
    [
        (lambda o: lifecycle.refund(o, o.total), "refunded", "Refunded", "were refunded"),
        (lambda o: lifecycle.cancel(o), "cancelled", "Cancelled", "order was cancelled"),
    ],
)
def test_a_closed_order_has_no_ticket_in_its_pdf_and_says_why(client, event, close, state, label, reason):
    order = buy(event, 2)
    close(order)
    (page,) = pdf_pages(order)
    assert "No valid tickets" in page
    assert reason in page
    assert "Attendee" not in page
    tickets = page_props(client, order)["tickets"]
    assert {(t["state"], t["state_label"], t["qr"]) for t in tickets} == {(state, label, None)}


def test_an_expired_bank_transfer_has_cancelled_tickets(client, event):
    order = buy(event, 1, method="offline")
    assert [t["state"] for t in page_props(client, order)["tickets"]] == ["not_yet_valid"]
    assert "become valid once the payment arrives" in pdf_pages(order)[0]
    assert lifecycle.expire_unpaid(order)
    assert [t["state_label"] for t in page_props(client, order)["tickets"]] == ["Cancelled"]
    assert "expired" in pdf_pages(order)[0]


def test_an_admitted_bank_transfer_has_valid_tickets_before_it_is_paid(client, event):
    event.organizer.admit_unpaid_bank_transfers = True
    event.organizer.save()
    order = buy(event, 2, method="offline")
    assert [t["state"] for t in page_props(client, order)["tickets"]] == ["valid", "valid"]
    assert len(pdf_pages(order)) == 2


@pytest.mark.parametrize(
    ("cancel", "message", "reason"),
    [
        (lambda e: EventDate.objects.filter(event=e).update(status="cancelled"),
         "Void: this date was cancelled.", "This date was cancelled"),
        (lambda e: Event.objects.filter(pk=e.pk).update(status="cancelled"),
         "Void: the event was cancelled.", "The event was cancelled"),
    ],
)  # fmt: skip
def test_a_paid_order_of_a_cancelled_date_or_event_gets_nobody_in(client, event, cancel, message, reason):
    """A paid order whose refund failed stays paid; its date or event is still cancelled."""
    order = buy(event, 2)
    check_in_list = door(event)
    cancel(event)
    order = loaded(order)
    assert order.status == Order.Status.PAID
    assert not order.admits_holders
    assert not Ticket.objects.admissible().filter(order=order).exists()
    (page,) = pdf_pages(order)
    assert "No valid tickets" in page
    assert reason in page
    props = page_props(client, order)
    assert {(t["state"], t["qr"]) for t in props["tickets"]} == {("cancelled", None)}
    refused = scan(check_in_list, secret=order.tickets.order_by("id")[0].secret)
    assert (refused.outcome, refused.message) == ("refused", message)


def test_the_confirmation_shows_a_refund_and_attaches_only_valid_tickets(event):
    order = buy(event, 2)
    first = order.tickets.order_by("id")[0]
    lifecycle.refund(order, tickets=[first.pk])
    mail.outbox.clear()
    send_order_confirmation(order.code, "http://testserver/")
    (email,) = mail.outbox
    assert "Refunded: €20.00" in email.body
    ((name, content, _),) = email.attachments
    assert name == f"tickets-{order.code}.pdf"
    assert len(pypdf.PdfReader(io.BytesIO(content)).pages) == 1


# --- Times in the event's zone --------------------------------------------------------------


def test_the_confirmation_says_the_events_own_time(event):
    order = buy(event, 1)
    (email,) = mail.outbox
    html = html_of(email)
    for text in (email.body, html):
        assert "Friday, December 12, 2031, 8:00\u202fPM CET" in text
        assert "19:00" not in text
    (page,) = pypdf.PdfReader(io.BytesIO(email.attachments[0][1])).pages
    assert "Friday, December 12, 2031, 8:00 PM CET" in pdf_text(page)
    assert f"Order {order.code}" in email.body


def test_the_bank_transfer_deadline_is_the_same_in_the_email_and_on_the_order_page(client):
    starts = dt.datetime(2031, 12, 12, 18, 0, tzinfo=NEW_YORK)
    event = make_event(
        slug="indie", timezone="America/New_York", starts_at=starts, ends_at=starts + dt.timedelta(hours=3),
        payment_methods=["offline"], currency="USD",
    )  # fmt: skip
    make_ticket_type(event, price=Decimal("15.00"))
    order = buy(event, 1, method="offline")
    # 01:36 UTC on the 3rd is 20:36 on the 2nd in New York: a day off if shown in UTC.
    Order.objects.filter(pk=order.pk).update(payment_deadline=dt.datetime(2031, 12, 3, 1, 36, tzinfo=dt.UTC))
    mail.outbox.clear()
    send_order_confirmation(order.code, "http://testserver/")
    (email,) = mail.outbox

    on_page = dt.datetime.fromisoformat(page_props(client, order)["payment_deadline"])
    assert on_page.utcoffset() == dt.timedelta(hours=-5)
    shown = f"{on_page:%A}, {on_page:%B} {on_page.day}, {on_page:%Y}, 8:36\u202fPM EST"
    assert shown == "Tuesday, December 2, 2031, 8:36\u202fPM EST"
    assert f"by {shown}" in email.body
    assert f"by {shown}" in html_of(email)


def test_exports_and_the_api_give_times_with_the_events_offset(client, event):
    order = buy(event, 1)
    orders = list(orders_csv(event))
    assert "2031-12-12T20:00:00+01:00" in orders[1]
    created = orders[1].split(",")[3]
    assert dt.datetime.fromisoformat(created).utcoffset() == dt.timedelta(hours=1)
    assert "2031-12-12T20:00:00+01:00" in list(attendees_csv(event))[1]
    detail = Client().get(f"/api/v1/orders/{order.code}?secret={order.secret}").json()
    assert detail["event"]["starts_at"] == "2031-12-12T20:00:00+01:00"
    assert detail["created_at"].endswith("+01:00")
    assert page_props(client, order)["event"]["starts_at"] == "2031-12-12T20:00:00+01:00"
    answer = order_detail(loaded(order), "http://testserver/").model_dump(mode="json")
    assert answer["event"]["starts_at"] == "2031-12-12T20:00:00+01:00"
    assert answer["created_at"].endswith("+01:00")


# --- Names and titles on one line -----------------------------------------------------------

# Line breaks and tabs, as a paste brings them: folded into spaces on input.
FOLDED = [
    "Ana\r\nBcc: evil@example.com",
    "Ana\u2028Bcc",
    "Ana\tBcc\x85\u2029",
]
# NUL and the other control characters: refused on input.
REFUSED = ["Ana\x00Bcc", "Ana\x1b[31mBcc"]
HOSTILE = FOLDED + REFUSED


@pytest.mark.parametrize("raw", HOSTILE)
def test_single_line_removes_control_characters_and_line_breaks(raw):
    cleaned = single_line(raw)
    assert cleaned.startswith("Ana ")
    assert "Bcc" in cleaned
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", cleaned)


def check_out(client, event, name: str, attendee_names: list[str] | None = None):
    """Hold one ticket of ``event`` and complete the web checkout as ``name``."""
    hold = client.post(
        "/events/jazz/hold/",
        json.dumps({"quantities": {str(event.ticket_types.get().pk): 1}}),
        content_type="application/json",
        headers=INERTIA,
    )["Location"]
    details: dict[str, object] = {
        "name": name,
        "email": "ana@example.com",
        "payment_method": "demo",
        "card_number": "4242 4242 4242 4242",
    }
    if attendee_names is not None:
        details["attendee_names"] = attendee_names
    return client.post(hold, json.dumps(details), content_type="application/json", headers=INERTIA)


@pytest.mark.parametrize("raw", FOLDED)
def test_a_buyer_name_with_line_breaks_is_folded_and_the_email_is_sent(client, event, raw):
    response = check_out(client, event, raw, attendee_names=[raw])
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.buyer_name == single_line(raw)
    assert order.tickets.get().attendee_name == single_line(raw)
    (email,) = mail.outbox
    assert "\n" not in email.subject
    assert email.message()["Bcc"] is None


@pytest.mark.parametrize(
    ("name", "attendee", "field"),
    [(raw, "Bo", "name") for raw in REFUSED] + [("Ana", raw, "attendee_names") for raw in REFUSED],
)
def test_a_name_with_control_characters_is_refused(client, event, name, attendee, field):
    response = check_out(client, event, name, attendee_names=[attendee])
    assert response.status_code == 422
    assert "control characters" in response.json()["props"]["errors"][field]
    assert not Order.objects.exists()


@pytest.mark.parametrize("raw", ["\r\n", "\u2028 \t"])
def test_a_name_of_line_breaks_only_is_refused_as_empty(client, event, raw):
    response = check_out(client, event, raw)
    assert response.status_code == 422
    assert response.json()["props"]["errors"] == {"name": "Enter your name."}
    assert not Order.objects.exists()


def test_the_purchase_api_folds_line_breaks_and_refuses_control_characters(event):
    body = {
        "date": only_date(event).pk, "buyer": {"name": "Ana\r\nB", "email": "ana@example.com"},
        "lines": [{"ticket_type_id": event.ticket_types.get().pk, "quantity": 1}],
        "attendees": [{"name": "Bo\tC"}], "payment_method": "demo", "card_number": "4242424242424242",
    }  # fmt: skip
    response = call("post", "/api/v1/events/jazz/orders", None, body)
    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert (order.buyer_name, order.tickets.get().attendee_name) == ("Ana B", "Bo C")
    for bad in ("Bo\x00C", "Bo\x1bC"):
        body["attendees"] = [{"name": bad}]
        refused = call("post", "/api/v1/events/jazz/orders", None, body)
        assert refused.status_code == 422
        assert refused["Content-Type"] == "application/problem+json"
    assert Order.objects.count() == 1


@pytest.mark.parametrize("raw", REFUSED)
def test_event_titles_and_organizer_names_with_control_characters_are_refused(raw):
    form = OrganizerForm(data={"name": raw, "slug": "acme", "contact_email": "a@example.com"})
    assert not form.is_valid()
    assert "control characters" in form.errors["name"][0]


@pytest.mark.parametrize("raw", FOLDED)
def test_event_titles_and_organizer_names_are_folded_on_input(raw):
    form = OrganizerForm(data={"name": raw, "slug": "acme", "contact_email": "a@example.com"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == single_line(raw)

    from tests.factories import make_member, make_organizer

    organizer = make_organizer(slug="mine")
    make_member(organizer)
    from accounts import tokens

    token = tokens.create_token(organizer=organizer, name="m", role="manager", created_by=None)[1]
    created = call("post", "/api/v1/manage/events", token, {
        "title": raw, "slug": "gig", "timezone": "Europe/Prague", "venue_name": "Hall",
        "starts_at": "2031-12-20T19:00:00+01:00", "ends_at": "2031-12-20T23:30:00+01:00",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    assert Event.objects.get(slug="gig").title == single_line(raw)


def test_an_email_is_sent_whatever_control_characters_a_stored_title_has(event):
    order = buy(event, 1)
    # Stored before input was cleaned, or written around the forms (PostgreSQL cannot store NUL).
    Event.objects.filter(pk=event.pk).update(title="Jazz\r\nBcc: evil@example.com\x1b\u2028Night")
    event.organizer.name = "Acme\nBcc: x@example.com"
    event.organizer.save()
    mail.outbox.clear()
    send_order_confirmation(order.code, "http://testserver/")
    (email,) = mail.outbox
    assert email.subject == "Your tickets for Jazz Bcc: evil@example.com Night"
    assert email.message()["Bcc"] is None


# --- The checkout's address after the purchase ----------------------------------------------


def checkout(client: Client, event: Event, n: int = 1) -> str:
    return client.post(
        "/events/jazz/hold/",
        json.dumps({"quantities": {str(event.ticket_types.get().pk): n}}),
        content_type="application/json",
        headers=INERTIA,
    )["Location"]


def place(client: Client, url: str):
    return client.post(
        url,
        json.dumps({"name": "Ana", "email": "ana@example.com", "payment_method": "demo",
                    "card_number": "4242 4242 4242 4242"}),
        content_type="application/json", headers=INERTIA,
    )  # fmt: skip


def test_the_checkout_of_a_finished_order_leads_to_the_order(client, event):
    url = checkout(client, event, 2)
    live = client.get(url, headers=INERTIA)
    assert live.json()["component"] == "Checkout/Show"
    assert live.json()["encryptHistory"] is True
    # Never kept by the browser's cache: Back asks the server, which knows the hold is done.
    assert {"no-store", "private"} <= {d.strip() for d in live["Cache-Control"].split(",")}
    placed = place(client, url)
    order = Order.objects.get()
    order_url = f"/orders/{order.code}/{order.secret}/"
    assert placed["Location"] == order_url
    assert order.hold == Hold.objects.get()
    first_view = client.get(order_url, headers=INERTIA).json()
    assert first_view["clearHistory"] is True  # the checkout's encrypted history entries go
    assert client.get(order_url, headers=INERTIA).json()["clearHistory"] is False

    for response in (client.get(url), client.get(url, headers=INERTIA), place(client, url)):
        assert (response.status_code, response["Location"]) == (302, order_url)
    assert Order.objects.count() == 1  # a second submit placed nothing

    released = client.post(f"{url}release/", headers=INERTIA)
    assert released["Location"] == order_url
    assert allocated(event.ticket_types.get()) == 2  # nothing went back on sale
    shown = client.get(order_url, headers=INERTIA).json()
    assert "already complete" in json.dumps(shown)


def test_a_finished_checkout_with_no_known_order_says_it_is_complete(client, event):
    url = checkout(client, event)
    place(client, url)
    Order.objects.update(hold=None)  # an order placed before orders named their hold
    response = client.get(url, headers=INERTIA)
    assert response.status_code == 410
    assert response.json()["component"] == "Checkout/Expired"
    assert response.json()["props"]["completed"] is True


def test_an_expired_or_released_checkout_still_says_expired(client, event):
    url = checkout(client, event)
    Hold.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(url, headers=INERTIA)
    assert (response.status_code, response.json()["props"]["completed"]) == (410, False)
    url = checkout(client, event)
    client.post(f"{url}release/", headers=INERTIA)
    response = client.get(url, headers=INERTIA)
    assert (response.status_code, response.json()["props"]["completed"]) == (410, False)
