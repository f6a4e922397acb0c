"""The shop widget (storefront/embed.py, ADR 0032): the embedded pages may be framed by the
organizer's websites and nothing else may be framed at all; a purchase in the frame works
without a single cookie, its writes checked by their Origin; a card payment leaves the frame;
the script is served for any website, cached, and needs no inline code."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from accounts.embedding import OriginsInvalid, parse_origins
from accounts.models import Membership, Organizer, OrganizerChange
from core.redact import redact
from sales.models import Hold, Order
from tests import stripe_stub
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = pytest.mark.django_db(transaction=True)

INERTIA = {"X-Inertia": "true", "X-Inertia-Version": "0.1.0"}
SITE = "http://testserver"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.INERTIA_VERSION = "0.1.0"


@pytest.fixture
def event():
    organizer = make_organizer(slug="harbour", name="Harbour Club")
    event = make_event(organizer=organizer, slug="jazz-night", title="Jazz Night", currency="EUR")
    make_ticket_type(event, name="Entry", price=Decimal("0.00"), capacity=10)
    make_ticket_type(event, name="Paid", price=Decimal("15.00"), capacity=10)
    return event


class CookielessClient(Client):
    """A browser in a third-party frame: it keeps no cookie from one request to the next."""

    def request(self, **request):
        self.cookies.clear()
        return super().request(**request)


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def embedded_post(client: Client, url: str, data: dict, origin: str | None = SITE):
    headers = dict(INERTIA)
    if origin is not None:
        headers["Origin"] = origin
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def entry(event):
    return event.ticket_types.get(name="Entry")


def test_embedded_pages_may_be_framed_and_the_others_may_not(client, event):
    embedded = [
        client.get("/embed/events/jazz-night/"),
        client.get("/embed/o/harbour/"),
    ]
    for response in embedded:
        assert response.status_code == 200
        assert "X-Frame-Options" not in response
        assert frame_ancestors(response) == "frame-ancestors *"
        assert "no-store" in response["Cache-Control"]
    for path in ("/events/jazz-night/", "/o/harbour/", "/", "/accounts/login/"):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY"
        assert frame_ancestors(response) == "frame-ancestors 'none'"
    # Addresses that name nothing are answered as on the site, framed or not.
    assert client.get("/embed/orders/NOPE/confirm/not-a-token/").status_code == 404
    assert client.get("/embed/orders/NOPE/x/").status_code == 404
    assert client.get("/embed/checkout/0b6b1b8e-1111-2222-3333-444455556666/").status_code == 404
    # The back office and the account pages have no embedded counterpart.
    assert client.get("/embed/manage/").status_code == 404
    assert client.get("/embed/accounts/login/").status_code == 404
    assert client.get("/embed/waitlist/confirm/x/").status_code == 404


def test_only_the_organizers_websites_may_frame_its_pages(client, event):
    Organizer.objects.filter(slug="harbour").update(
        embed_origins=["https://harbour.example", "https://*.harbour.example"]
    )
    make_event(organizer=make_organizer(slug="other"), slug="other-gig")
    expected = "frame-ancestors 'self' https://harbour.example https://*.harbour.example"
    assert frame_ancestors(client.get("/embed/events/jazz-night/")) == expected
    assert frame_ancestors(client.get("/embed/o/harbour/")) == expected
    # Another organizer's pages keep their own (none named: any website).
    assert frame_ancestors(client.get("/embed/events/other-gig/")) == "frame-ancestors *"


def test_the_embedded_page_says_it_is_framed(client, event):
    page = client.get("/embed/events/jazz-night/", headers=INERTIA).json()
    assert page["component"] == "Events/Show"
    assert page["props"]["embed"] is True
    assert page["url"] == "/embed/events/jazz-night/"
    assert client.get("/events/jazz-night/", headers=INERTIA).json()["props"]["embed"] is False


def test_a_purchase_in_the_frame_needs_no_cookie(event, settings):
    settings.CSRF_TRUSTED_ORIGINS = []
    buyer = CookielessClient(enforce_csrf_checks=True)
    response = embedded_post(
        buyer, "/embed/events/jazz-night/hold/", {"quantities": {str(entry(event).pk): 2}}
    )
    assert response.status_code == 302
    checkout_url = response["Location"]
    assert re.fullmatch(r"/embed/checkout/[0-9a-f-]{36}/", checkout_url)

    document = buyer.get(checkout_url)
    assert document.status_code == 200
    assert frame_ancestors(document) == "frame-ancestors *"
    checkout = buyer.get(checkout_url, headers=INERTIA)
    assert checkout.json()["props"]["event"]["url"].startswith("/embed/events/jazz-night/?date=")

    response = embedded_post(buyer, checkout_url, {"name": "Ana Frame", "email": "ana@example.com"})
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert response["Location"] == f"/embed/orders/{order.code}/{order.secret}/"

    assert "X-Frame-Options" not in buyer.get(response["Location"])
    page = buyer.get(response["Location"], headers=INERTIA)
    assert page.status_code == 200
    props = page.json()["props"]
    assert props["embed"] is True
    assert props["order"]["status"] == "paid"
    assert props["order"]["pdf_url"] == f"{SITE}/embed/orders/{order.code}/{order.secret}/tickets.pdf"
    assert props["order"]["event"]["url"].startswith("/embed/events/jazz-night/")
    # The confirmation email links the site's own order page, never the framed one.
    assert f"{SITE}/orders/{order.code}/{order.secret}/" in mail.outbox[0].body
    assert "/embed/" not in mail.outbox[0].body


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null"])
def test_a_framed_write_from_another_site_or_none_is_refused(event, origin):
    buyer = CookielessClient(enforce_csrf_checks=True)
    response = embedded_post(
        buyer, "/embed/events/jazz-night/hold/", {"quantities": {str(entry(event).pk): 1}}, origin=origin
    )
    assert response.status_code == 403
    assert Hold.objects.count() == 0


def test_the_sites_own_pages_still_need_the_csrf_token(event):
    buyer = Client(enforce_csrf_checks=True)
    response = embedded_post(buyer, "/events/jazz-night/hold/", {"quantities": {str(entry(event).pk): 1}})
    assert response.status_code == 403
    assert Hold.objects.count() == 0


@pytest.fixture
def stripe_api(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_stub"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    with stripe_stub.running() as stub:
        settings.STRIPE_API_BASE = stub.base_url
        yield stub


def test_a_card_payment_opens_outside_the_frame(event, stripe_api):
    event.payment_methods = ["stripe"]
    event.save(update_fields=["payment_methods"])
    paid = event.ticket_types.get(name="Paid")
    buyer = CookielessClient(enforce_csrf_checks=True)
    checkout_url = embedded_post(buyer, "/embed/events/jazz-night/hold/", {"quantities": {str(paid.pk): 1}})[
        "Location"
    ]
    response = embedded_post(
        buyer, checkout_url, {"name": "Ana", "email": "ana@example.com", "payment_method": "stripe"}
    )
    order = Order.objects.get()
    assert order.status == Order.Status.PENDING
    # Not Inertia's external redirect (the provider's page refuses frames): the framed order
    # page, which opens the payment in a new tab.
    assert response.status_code == 302
    assert response["Location"] == f"/embed/orders/{order.code}/{order.secret}/?pay=1"
    props = buyer.get(response["Location"], headers=INERTIA).json()["props"]
    pay_now_url = props["order"]["pay_now_url"]
    assert pay_now_url == f"{SITE}/embed/orders/{order.code}/{order.secret}/pay/"

    # The new tab's plain form post, from the frame's page: redirected to Stripe.
    response = buyer.post(pay_now_url, headers={"Origin": SITE})
    session = stripe_api.sessions[order.payments.get().reference]
    assert response.status_code == 302
    assert response["Location"] == session["url"]
    # After paying, Stripe returns the buyer to the site's own order page.
    assert [c.form["success_url"] for c in stripe_api.creates()] == [
        f"{SITE}/orders/{order.code}/{order.secret}/"
    ]
    assert buyer.post(pay_now_url).status_code == 403  # no Origin: refused


def test_the_widget_script_is_served_to_any_website_and_cached(client):
    response = client.get("/widget/v1/maticko.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert "max-age=86400" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert "Cross-Origin-Resource-Policy" not in response
    assert "Set-Cookie" not in response
    again = client.get("/widget/v1/maticko.js", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    script = response.content.decode()
    # Nothing a strict Content-Security-Policy on the organizer's page refuses: no markup
    # parsed from strings, no style attributes or elements, no eval.
    for refused in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "<style",
        '"style"',
        "eval(",
        "document.write",
    ):
        assert refused not in script
    assert client.get("/widget/v2/maticko.js").status_code == 404


@pytest.mark.parametrize(
    ("text", "origins"),
    [
        ("https://example.org", ["https://example.org"]),
        (
            "  HTTPS://Example.org/  \n\nhttp://localhost:8080",
            ["https://example.org", "http://localhost:8080"],
        ),
        ("https://*.example.org\nhttps://*.example.org", ["https://*.example.org"]),
        ("http://192.168.1.10:3000", ["http://192.168.1.10:3000"]),
        ("", []),
    ],
)
def test_websites_are_read_as_origins(text, origins):
    assert parse_origins(text) == origins


@pytest.mark.parametrize(
    "text",
    [
        "example.org",
        "https://example.org/shop",
        "https://example.org?x=1",
        "javascript://example.org",
        "https://user@example.org",
        "https://exa mple.org",
        "https://example.org:99999",
        "https://999.1.1.1",
        "https://example.org\x00",
        "https://*",
        "'self'",
        "*",
        "https://" + "a" * 400 + ".org",
        "\n".join(f"https://site{n}.example" for n in range(21)),
    ],
)
def test_anything_but_an_origin_is_refused(text):
    with pytest.raises(OriginsInvalid):
        parse_origins(text)


# --- The back office -------------------------------------------------------------------


@pytest.fixture
def manager(event):
    client = Client()
    client.force_login(make_member(Organizer.objects.get(slug="harbour"), role=Membership.Role.MANAGER))
    return client


def test_the_event_widget_page_gives_the_snippet_s_address(manager, event):
    page = manager.get("/manage/harbour/events/jazz-night/widget/", headers=INERTIA).json()
    assert page["component"] == "Manage/EventWidget"
    props = page["props"]
    assert (props["site_url"], props["published"], props["embed_origins"]) == (SITE, True, [])
    assert props["event"]["slug"] == "jazz-night"


def test_a_manager_names_the_websites_and_the_change_is_audited(manager, event):
    url = "/manage/harbour/widget/"
    response = manager.post(
        url,
        json.dumps({"embed_origins": "https://Harbour.example/\nhttps://*.harbour.example\n"}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 302
    organizer = Organizer.objects.get(slug="harbour")
    assert organizer.embed_origins == ["https://harbour.example", "https://*.harbour.example"]
    (change,) = OrganizerChange.objects.filter(organizer=organizer)
    assert change.action == OrganizerChange.Action.EMBED_ORIGINS_CHANGED
    assert change.detail == {"before": [], "after": organizer.embed_origins}
    assert change.actor is not None
    assert change.actor_label == change.actor.email
    # The same again changes nothing and records nothing.
    manager.post(
        url,
        json.dumps({"embed_origins": "https://harbour.example\nhttps://*.harbour.example"}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert OrganizerChange.objects.count() == 1
    props = manager.get(url, headers=INERTIA).json()["props"]
    assert props["embed_origins"] == organizer.embed_origins
    assert [c["after"] for c in props["changes"]] == [organizer.embed_origins]
    # The embedded pages follow at once.
    assert frame_ancestors(Client().get("/embed/events/jazz-night/")) == (
        "frame-ancestors 'self' https://harbour.example https://*.harbour.example"
    )


def test_a_website_that_is_not_an_origin_is_a_form_error(manager, event):
    response = manager.post(
        "/manage/harbour/widget/",
        json.dumps({"embed_origins": "https://harbour.example/tickets"}),
        content_type="application/json",
        headers=INERTIA,
    )
    assert response.status_code == 422
    assert "no path" in response.json()["props"]["errors"]["embed_origins"]
    assert Organizer.objects.get(slug="harbour").embed_origins == []
    assert OrganizerChange.objects.count() == 0


def test_door_staff_have_no_widget_pages(event):
    door = Client()
    door.force_login(make_member(Organizer.objects.get(slug="harbour"), role=Membership.Role.DOOR_STAFF))
    assert door.get("/manage/harbour/widget/").status_code == 403
    assert door.get("/manage/harbour/events/jazz-night/widget/").status_code == 403


def test_the_embedded_pages_secrets_are_redacted_from_raw_log_lines():
    line = (
        '127.0.0.1 "GET /embed/orders/ABC123/s3cr3t-xyz/pay/ HTTP/1.1" '
        '"POST /embed/checkout/0b6b1b8e-1111-2222-3333-444455556666/ HTTP/1.1"'
    )
    assert redact(line) == (
        '127.0.0.1 "GET /embed/orders/ABC123/[redacted]/pay/ HTTP/1.1" '
        '"POST /embed/checkout/[redacted]/ HTTP/1.1"'
    )
