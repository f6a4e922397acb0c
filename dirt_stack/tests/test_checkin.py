"""The door: scanning, lists, undo, reissued codes, the check-in API, and who may do what."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pypdf
import pypdfium2
import pytest
import zxingcpp
from django.test import Client
from PIL import Image

from accounts import tokens
from accounts.models import Membership
from checkin.models import CheckIn, CheckInList
from sales import lifecycle, pricing, purchase
from sales.models import Order, Ticket
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


@pytest.fixture
def world():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", timezone="Europe/Prague")
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"))
    vip = make_ticket_type(event, name="VIP", price=Decimal("50.00"))
    main = CheckInList.objects.create(event=event, name="Main entrance")
    vip_door = CheckInList.objects.create(event=event, name="VIP door", all_ticket_types=False)
    vip_door.ticket_types.add(vip)
    return {
        "organizer": organizer,
        "event": event,
        "standard": standard,
        "vip": vip,
        "main": main,
        "vip_door": vip_door,
        "door": make_member(organizer, role=Membership.Role.DOOR_STAFF),
        "manager": make_member(organizer, role=Membership.Role.MANAGER),
    }


def buy(event, ticket_type, method="demo", name="Ana Attendee") -> Order:
    details = pricing.BuyerDetails(
        name="Ana", email="ana@example.com", payment_method=method, attendee_names=[name]
    )
    return purchase.place_order(
        only_date(event), {ticket_type.pk: 1}, details, base_url="http://testserver/"
    ).order


def scan(client, world, secret, list_name="main"):
    url = f"/manage/acme/events/gig/checkin/{world[list_name].pk}/scan/"
    return client.post(url, json.dumps({"secret": secret}), content_type="application/json")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admitted_then_already_checked_in_with_when_and_where(world):
    ticket = buy(world["event"], world["standard"]).tickets.get()
    door = logged_in(world["door"])
    first = scan(door, world, ticket.secret).json()
    assert first["outcome"] == "admitted"
    assert first["ticket"] | {"id": None} == {
        "id": None,
        "attendee_name": "Ana Attendee",
        "ticket_type": "Standard",
        "order_code": ticket.order.code,
    }
    assert first["counts"] == {"checked_in": 1}
    stats = door.get(f"/manage/acme/events/gig/checkin/{world['main'].pk}/stats/").json()
    assert stats == {"checked_in": 1, "expected": 1}
    second = scan(door, world, ticket.secret).json()
    assert second["outcome"] == "already_checked_in"
    assert second["first_check_in"]["list"] == "Main entrance"
    assert second["first_check_in"]["at"].endswith("+01:00")  # in the event's time zone
    assert CheckIn.objects.count() == 1


@pytest.mark.parametrize(
    "secret",
    ["", "   ", "garbage!", "x" * 5000, "A" * 17, "<script>alert(1)</script>", "' OR 1=1 --"],
)
def test_garbage_codes_are_refused_and_record_nothing(world, secret):
    response = scan(logged_in(world["door"]), world, secret)
    assert response.status_code == 200
    assert response.json()["outcome"] == "refused"
    assert CheckIn.objects.count() == 0


def test_truncated_codes_of_real_tickets_are_refused(world):
    ticket = buy(world["event"], world["standard"]).tickets.get()
    assert scan(logged_in(world["door"]), world, ticket.secret[:-3]).json()["outcome"] == "refused"
    assert CheckIn.objects.count() == 0


def test_huge_payload_is_refused(world):
    url = f"/manage/acme/events/gig/checkin/{world['main'].pk}/scan/"
    body = json.dumps({"secret": "a" * 100_000})
    response = logged_in(world["door"]).post(url, body, content_type="application/json")
    assert response.json()["outcome"] == "refused"


def test_other_events_cancelled_and_unpaid_tickets_and_wrong_entrance_are_refused(world):
    other_event = make_event(organizer=world["organizer"], slug="other")
    other = buy(other_event, make_ticket_type(other_event)).tickets.get()
    cancelled = buy(world["event"], world["standard"])
    lifecycle.cancel(cancelled)
    unpaid = buy(world["event"], world["standard"], method="offline")
    standard = buy(world["event"], world["standard"]).tickets.get()
    door = logged_in(world["door"])
    answers = {
        "other event": scan(door, world, other.secret).json()["message"],
        "cancelled": scan(door, world, cancelled.tickets.get().secret).json()["message"],
        "unpaid": scan(door, world, unpaid.tickets.get().secret).json()["message"],
        "wrong entrance": scan(door, world, standard.secret, "vip_door").json()["message"],
    }
    assert answers == {
        "other event": "Wrong event: this ticket is for another event.",
        "cancelled": "Void: the order was cancelled.",
        "unpaid": "Not paid yet.",
        "wrong entrance": "Wrong entrance: Standard is not admitted at VIP door.",
    }
    assert CheckIn.objects.count() == 0


def test_organizer_may_admit_unpaid_bank_transfers(world):
    world["organizer"].admit_unpaid_bank_transfers = True
    world["organizer"].save()
    unpaid = buy(world["event"], world["standard"], method="offline").tickets.get()
    assert scan(logged_in(world["door"]), world, unpaid.secret).json()["outcome"] == "admitted"


def test_managers_undo_a_check_in_door_staff_may_not(world):
    ticket = buy(world["event"], world["standard"]).tickets.get()
    scan(logged_in(world["door"]), world, ticket.secret)
    url = f"/manage/acme/events/gig/tickets/{ticket.pk}/undo-checkin/"
    assert logged_in(world["door"]).post(url).status_code == 403
    assert logged_in(world["manager"]).post(url).json()["undone"] is True
    assert scan(logged_in(world["door"]), world, ticket.secret).json()["outcome"] == "admitted"
    assert CheckIn.objects.filter(ticket=ticket).count() == 2  # the undone one is kept, reverted


def test_a_reissued_code_replaces_the_old_one(world):
    ticket = buy(world["event"], world["standard"]).tickets.get()
    old = ticket.secret
    url = f"/manage/acme/events/gig/tickets/{ticket.pk}/reissue/"
    assert logged_in(world["door"]).post(url).status_code == 403
    assert logged_in(world["manager"]).post(url).json() == {"reissued": True}
    ticket.refresh_from_db()
    assert ticket.secret != old
    assert len(ticket.secret) >= 22  # at least 128 random bits, URL-safe
    door = logged_in(world["door"])
    assert scan(door, world, old).json()["outcome"] == "refused"
    assert scan(door, world, ticket.secret).json()["outcome"] == "admitted"


def test_search_finds_people_by_name_and_order_code(world):
    order = buy(world["event"], world["vip"], name="Zdenka Vip")
    door = logged_in(world["door"])
    base = f"/manage/acme/events/gig/checkin/{world['main'].pk}/search/"
    assert [h["attendee_name"] for h in door.get(base + "?q=zden").json()["results"]] == ["Zdenka Vip"]
    (hit,) = door.get(base + f"?q={order.code.lower()}").json()["results"]
    response = door.post(
        f"/manage/acme/events/gig/checkin/{world['main'].pk}/scan/",
        json.dumps({"ticket_id": hit["id"]}),
        content_type="application/json",
    )
    assert response.json()["outcome"] == "admitted"


def test_another_organizers_member_cannot_scan_or_see(world):
    outsider = make_member(make_organizer(), role=Membership.Role.OWNER)
    ticket = buy(world["event"], world["standard"]).tickets.get()
    client = logged_in(outsider)
    assert scan(client, world, ticket.secret).status_code == 404
    assert client.get("/manage/acme/events/gig/checkin/").status_code == 404
    assert client.get(f"/manage/acme/events/gig/checkin/{world['main'].pk}/search/?q=Ana").status_code == 404
    assert Client().get("/manage/acme/events/gig/checkin/").status_code == 302  # anonymous: log in first
    assert CheckIn.objects.count() == 0


def test_check_in_lists_are_managed_by_managers_only(world):
    url = "/manage/acme/events/gig/checkin-lists/"
    assert logged_in(world["door"]).get(url).status_code == 403
    manager = logged_in(world["manager"])
    body = {"name": "Balcony", "all_ticket_types": False, "ticket_types": [world["vip"].pk]}
    assert manager.post(url, json.dumps(body), content_type="application/json").status_code == 302
    balcony = CheckInList.objects.get(name="Balcony")
    assert list(balcony.ticket_types.all()) == [world["vip"]]
    empty = {"name": "Nowhere", "all_ticket_types": False, "ticket_types": []}
    response = manager.post(
        url, json.dumps(empty), content_type="application/json", headers={"X-Inertia": "true"}
    )
    assert response.status_code == 422


def test_scanner_page_opens_with_a_default_list(world):
    event = make_event(organizer=world["organizer"], slug="fresh")
    page = (
        logged_in(world["door"])
        .get("/manage/acme/events/fresh/checkin/", headers={"X-Inertia": "true"})
        .json()
    )
    assert page["component"] == "Manage/Scanner"
    assert page["props"]["list"]["name"] == "Main entrance"
    assert event.check_in_lists.count() == 1


# --- The API --------------------------------------------------------------------------------


def api_scan(client, token, body):
    return client.post(
        "/api/v1/checkin",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_api_check_in_with_a_door_staff_token(client, world):
    _, raw = tokens.create_token(
        organizer=world["organizer"], name="Scanner app", role="door_staff", created_by=None
    )
    ticket = buy(world["event"], world["vip"]).tickets.get()
    first = api_scan(client, raw, {"secret": ticket.secret, "list_id": world["vip_door"].pk})
    assert first.status_code == 200
    assert first.json()["outcome"] == "admitted"
    second = api_scan(client, raw, {"secret": ticket.secret})  # the default list
    assert second.json()["outcome"] == "already_checked_in"
    assert second.json()["first_check_in"]["list"] == "VIP door"
    assert CheckIn.objects.get().scanned_with_token == "Scanner app"
    # Door staff tokens cannot undo; manager tokens can.
    assert (
        client.delete(f"/api/v1/checkin/{ticket.pk}", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 403
    )
    _, manager_raw = tokens.create_token(
        organizer=world["organizer"], name="Lead", role="manager", created_by=None
    )
    undone = client.delete(f"/api/v1/checkin/{ticket.pk}", headers={"Authorization": f"Bearer {manager_raw}"})
    assert undone.status_code == 200


def test_api_refuses_missing_revoked_and_foreign_tokens(client, world):
    ticket = buy(world["event"], world["standard"]).tickets.get()
    assert api_scan(client, "", {"secret": ticket.secret}).status_code == 401
    assert api_scan(client, "mtk_not-a-real-token", {"secret": ticket.secret}).status_code == 401
    token, raw = tokens.create_token(
        organizer=world["organizer"], name="Old", role="door_staff", created_by=None
    )
    tokens.revoke(token)
    assert api_scan(client, raw, {"secret": ticket.secret}).status_code == 401
    _, foreign = tokens.create_token(
        organizer=make_organizer(), name="Foreign", role="owner", created_by=None
    )
    assert api_scan(client, foreign, {"secret": ticket.secret}).status_code == 404
    assert (
        api_scan(client, foreign, {"secret": ticket.secret, "list_id": world["main"].pk}).status_code == 404
    )
    assert api_scan(client, foreign, {"secret": "x" * 300}).status_code == 422
    assert CheckIn.objects.count() == 0


# --- Tickets as documents ------------------------------------------------------------------------


def render_page(pdf: bytes, index: int = 0) -> Image.Image:
    """The PDF page as a bitmap, the way a phone's screen or a printer shows it."""
    return pypdfium2.PdfDocument(pdf)[index].render(scale=2).to_pil()


def test_pdf_has_one_page_per_ticket_with_the_attendee_and_a_qr_of_the_secret(client, world):
    order = buy(world["event"], world["standard"], name="Ana Attendee")
    response = client.get(f"/orders/{order.code}/{order.secret}/tickets.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    (page,) = reader.pages
    text = page.extract_text()
    assert "Ana Attendee" in text
    assert order.code in text
    assert "Standard" in text
    (code,) = zxingcpp.read_barcodes(render_page(response.content))
    assert code.text == Ticket.objects.get(order=order).secret
    assert client.get(f"/orders/{order.code}/wrong-secret/tickets.pdf").status_code == 404


def test_order_page_shows_qr_codes_only_for_valid_tickets(client, world):
    paid = buy(world["event"], world["standard"])
    cancelled = buy(world["event"], world["standard"])
    lifecycle.cancel(cancelled)
    inertia = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}

    def page(order):
        return client.get(f"/orders/{order.code}/{order.secret}/", headers=inertia).json()["props"]["order"]

    assert page(paid)["tickets"][0]["qr"].startswith("data:image/svg+xml")
    assert page(cancelled)["tickets"][0]["qr"] is None
    assert page(cancelled)["tickets_valid"] is False


def test_confirmation_email_carries_the_pdf(world):
    from django.core import mail

    buy(world["event"], world["standard"])
    (email,) = mail.outbox
    (attachment,) = email.attachments
    assert attachment[0].startswith("tickets-")
    assert attachment[2] == "application/pdf"
