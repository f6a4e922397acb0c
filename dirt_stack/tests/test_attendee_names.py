"""Attendee names changed by the buyer (sales.attendee_names) until the organizer's deadline,
by the organizer always; each change audited; the PDF, the email and the door show the new name."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pypdf
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts import tokens
from accounts.models import Membership
from checkin.services import door_list, scan
from events.models import Event
from sales import attendee_names, lifecycle, pricing, purchase
from sales.emails import send_order_confirmation
from sales.exceptions import OrderConflict, OrderInvalid
from sales.models import AuditEntry, Order
from sales.tickets import order_pdf
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date
from tests.support.api import call
from tests.test_catalog_validation import VALID_EVENT, errors_of, post_json

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.INERTIA_VERSION = "0.1.0"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def order() -> Order:
    organizer = make_organizer(slug="acme")
    event = make_event(
        organizer=organizer,
        slug="gig",
        starts_at=timezone.now() + dt.timedelta(days=3),
        collect_attendee_names=True,
        name_change_deadline_hours=24,
        payment_methods=["demo"],
    )
    ticket_type = make_ticket_type(event, name="Standing", price=Decimal("20.00"))
    details = pricing.BuyerDetails(
        name="Ann Buyer",
        email="ann@example.com",
        payment_method="demo",
        attendee_names=["Ann Buyer", "Bo Friend"],
    )
    placed = purchase.place_order(
        only_date(event), {ticket_type.pk: 2}, details, base_url="http://testserver/"
    )
    return Order.objects.select_related("event", "date").get(pk=placed.order.pk)


def page_of(order: Order) -> str:
    return f"/orders/{order.code}/{order.secret}/"


def rename(client: Client, order: Order, ticket: object, name: object):
    return client.post(
        f"{page_of(order)}attendee/",
        json.dumps({"ticket": ticket, "attendee_name": name}),
        content_type="application/json",
        headers=INERTIA,
    )


def test_the_deadline_is_hours_before_the_start(order):
    assert attendee_names.deadline(order) == order.date.starts_at - dt.timedelta(hours=24)
    assert attendee_names.buyer_may_rename(order)
    assert not attendee_names.buyer_may_rename(order, now=order.date.starts_at - dt.timedelta(hours=23))
    order.event.name_change_deadline_hours = None
    assert attendee_names.deadline(order) is None
    assert not attendee_names.buyer_may_rename(order)


def test_the_buyer_renames_a_ticket_and_everything_shows_the_new_name(order):
    bo = order.tickets.get(attendee_name="Bo Friend")
    attendee_names.rename_by_buyer(order, bo.pk, "  Cy   Newcomer ")
    bo.refresh_from_db()
    assert bo.attendee_name == "Cy Newcomer"
    entry = AuditEntry.objects.get(order=order, action="attendee_changed")
    assert entry.actor_label == "The buyer (order link)"
    assert (entry.detail["before"], entry.detail["after"]) == ("Bo Friend", "Cy Newcomer")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(order_pdf(order))).pages)
    assert "Cy Newcomer" in text
    assert "Bo Friend" not in text
    mail.outbox.clear()
    send_order_confirmation(order.code, "http://testserver/")
    # The email's tickets are its attached PDF, made when it is sent.
    (attached,) = [a for a in mail.outbox[0].attachments if isinstance(a, tuple) and a[0].endswith(".pdf")]
    sent_pdf = pypdf.PdfReader(io.BytesIO(attached[1]))
    assert "Cy Newcomer" in "".join(page.extract_text() for page in sent_pdf.pages)
    answer = scan(door_list(order.event), secret=bo.secret)
    assert answer.ticket is not None
    assert answer.ticket["attendee_name"] == "Cy Newcomer"


def test_the_buyer_is_refused_past_the_deadline_or_for_another_order_s_ticket(order):
    ticket = order.tickets.first()
    with pytest.raises(OrderInvalid):
        attendee_names.rename_by_buyer(order, ticket.pk, "\x00")
    with pytest.raises(OrderInvalid):
        attendee_names.rename_by_buyer(order, ticket.pk, "   ")
    other_event_ticket = 10**6 + ticket.pk
    for wrong in (other_event_ticket, "x", 2**70, None, True, [ticket.pk]):
        with pytest.raises(OrderInvalid) as refused:
            attendee_names.rename_by_buyer(order, wrong, "Cy")
        assert refused.value.field == "ticket"
    Event.objects.filter(pk=order.event_id).update(name_change_deadline_hours=24 * 4)
    order.event.refresh_from_db()
    with pytest.raises(OrderConflict, match="no longer be changed"):
        attendee_names.rename_by_buyer(order, ticket.pk, "Cy")
    Event.objects.filter(pk=order.event_id).update(name_change_deadline_hours=None)
    order.event.refresh_from_db()
    with pytest.raises(OrderConflict, match="does not let buyers"):
        attendee_names.rename_by_buyer(order, ticket.pk, "Cy")
    assert not AuditEntry.objects.filter(action="attendee_changed").exists()


def test_a_cancelled_order_s_names_stay(order):
    lifecycle.cancel(order)
    order.refresh_from_db()
    with pytest.raises(OrderConflict):
        attendee_names.rename_by_buyer(order, order.tickets.first().pk, "Cy")


def test_the_order_page_offers_the_change_until_the_deadline(client, order):
    props = client.get(page_of(order), headers=INERTIA).json()["props"]
    assert props["attendee_names_url"] == f"{page_of(order)}attendee/"
    assert props["attendee_names_until"]
    bo = order.tickets.get(attendee_name="Bo Friend")
    answer = rename(client, order, bo.pk, "Cy Newcomer")
    assert answer.status_code == 302
    assert answer["Location"] == page_of(order)
    bo.refresh_from_db()
    assert bo.attendee_name == "Cy Newcomer"
    refused = rename(client, order, bo.pk, "x" * 201)
    assert refused.status_code == 422
    assert refused.json()["props"]["errors"]["attendee_name"]
    Event.objects.filter(pk=order.event_id).update(name_change_deadline_hours=None)
    assert client.get(page_of(order), headers=INERTIA).json()["props"]["attendee_names_url"] is None
    late = rename(client, order, bo.pk, "Dee")
    assert late.status_code == 409
    assert late.json()["props"]["errors"]["form"]
    assert rename(Client(), Order(code=order.code, secret="wrong"), bo.pk, "Dee").status_code == 404
    bo.refresh_from_db()
    assert bo.attendee_name == "Cy Newcomer"


def test_the_organizer_sets_the_deadline_in_the_back_office_and_the_api(order):
    client = Client()
    client.force_login(make_member(order.event.organizer, role=Membership.Role.MANAGER))
    url = "/manage/acme/events/gig/"
    data = {**VALID_EVENT, "slug": "gig"}
    assert post_json(client, url, {**data, "name_change_deadline_hours": "48"}).status_code == 302
    order.event.refresh_from_db()
    assert order.event.name_change_deadline_hours == 48
    assert post_json(client, url, {**data, "name_change_deadline_hours": ""}).status_code == 302
    order.event.refresh_from_db()
    assert order.event.name_change_deadline_hours is None
    for value in ("-1", "9000", "NaN", "\x00", "1.5"):
        assert errors_of(post_json(client, url, {**data, "name_change_deadline_hours": value}))[
            "name_change_deadline_hours"
        ], value
    token = tokens.create_token(organizer=order.event.organizer, name="m", role="manager", created_by=None)[1]
    api = "/api/v1/manage/events/gig"
    assert (
        call("patch", api, token, {"name_change_deadline_hours": 0}).json()["name_change_deadline_hours"] == 0
    )
    assert (
        call("patch", api, token, {"name_change_deadline_hours": None}).json()["name_change_deadline_hours"]
        is None
    )
    for body in ({"name_change_deadline_hours": -1}, {"name_change_deadline_hours": 10**9}):
        assert call("patch", api, token, body).status_code == 422, body
