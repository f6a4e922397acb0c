"""The shop widget in Chromium, on another website: a page served from a different site
(``127.0.0.1`` beside Maticko's ``localhost``) with a strict Content-Security-Policy that
allows Maticko only in script-src and frame-src carries the snippet; the frame appears,
grows to its content without a scrollbar of its own, and a buyer buys a free ticket inside
it and sees the order there, with no cookie reaching Maticko and no CSP violation. The
overlay button opens the same shop over the page."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Frame, Page, expect

from accounts.models import Membership
from sales.models import Order
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


def organizer_site(maticko: str) -> Iterator[str]:
    """A tiny website on another site than Maticko, with a strict CSP."""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harbour Club</title></head>
<body>
<h1>Harbour Club</h1>
<p>Our next concert:</p>
<script src="{maticko}/widget/v1/maticko.js" async></script>
<div class="maticko-widget" data-event="jazz-night"></div>
<p><button class="maticko-button" data-event="jazz-night">Buy tickets</button></p>
</body></html>""".encode()
    policy = f"default-src 'none'; script-src {maticko}; frame-src {maticko}"

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", policy)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # Maticko's live server is http://localhost:…: 127.0.0.1 is another site.
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(live_server) -> Iterator[str]:
    yield from organizer_site(live_server.url)


@pytest.fixture
def event(site):
    organizer = make_organizer(slug="harbour", name="Harbour Club", embed_origins=[site])
    event = make_event(organizer=organizer, slug="jazz-night", title="Jazz Night", currency="EUR")
    make_ticket_type(event, name="Entry", price=Decimal("0.00"), capacity=50)
    return event


VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def shop_frame(page: Page) -> Frame:
    frame = next((f for f in page.frames if "/embed/" in f.url), None)
    assert frame is not None, [f.url for f in page.frames]
    return frame


def frame_height(page: Page) -> float:
    box = page.locator(".maticko-widget iframe").bounding_box()
    assert box is not None
    return box["height"]


def fits(page: Page, frame: Frame) -> None:
    """Wait until the frame's height is its content's (the page's CSP forbids the eval that
    wait_for_function needs, so this polls from here), and no scrollbar is left inside."""
    content = "document.querySelector('[data-testid=embedded-page]').getBoundingClientRect().height"
    for _ in range(100):
        height = frame_height(page)
        if abs(height - frame.evaluate(content)) <= 1:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"The frame is {height}px, its content {frame.evaluate(content)}px.")
    assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")


def test_buy_a_ticket_in_the_widget_on_another_website(page: Page, live_server, site, event):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(VIOLATIONS)
    cookies_sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            cookies_sent.append(request.url)
            if request.url.startswith(live_server.url) and "cookie" in request.headers
            else None
        ),
    )

    page.goto(site)
    iframe = page.locator(".maticko-widget iframe")
    expect(iframe).to_have_count(1)
    shop = page.frame_locator(".maticko-widget iframe")
    expect(shop.get_by_role("heading", name="Jazz Night")).to_be_visible()
    # The frame grows to its content: taller than its first 480 px, and no scrollbar inside.
    frame = shop_frame(page)
    fits(page, frame)
    assert frame_height(page) != 480  # its first height
    assert frame.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    # No header or footer of the site in the frame.
    expect(shop.get_by_role("link", name="Log in")).to_have_count(0)

    shop.get_by_label("Number of Entry tickets").select_option("2")
    shop.get_by_role("button", name="Get 2 tickets").click()
    expect(shop.get_by_role("heading", name="Checkout")).to_be_visible()
    shop.get_by_label("Your name").fill("Nora Neighbour")
    shop.get_by_label("Email").fill("nora@example.com")
    shop.get_by_role("button", name="Get my tickets").click()

    expect(shop.get_by_test_id("order-status")).to_have_text("Paid")
    expect(shop.get_by_test_id("ticket")).to_have_count(2)
    order = Order.objects.get()
    assert (order.buyer_email, order.status) == ("nora@example.com", Order.Status.PAID)
    assert shop_frame(page).url == f"{live_server.url}/embed/orders/{order.code}/{order.secret}/"
    assert page.url.startswith(site)  # the organizer's page stayed where it was
    # The order page, taller than the event page was, still fits the frame.
    fits(page, shop_frame(page))

    assert page.evaluate("window.__violations") == []
    assert errors == []
    assert cookies_sent == []  # a third-party frame: the purchase needed none


def test_the_button_opens_the_shop_over_the_page(page: Page, site, event):
    page.add_init_script(VIOLATIONS)
    page.goto(site)
    # The script loads async: a click before it bound the button opens nothing (as for a
    # visitor), so the test waits for the mark it sets once the button is bound.
    expect(page.locator(".maticko-button[data-maticko-ready]")).to_have_count(1)
    # The inline shop above the button grows to its content once it has loaded, moving the
    # button down: a click aimed before that lands beside it.
    expect(
        page.frame_locator(".maticko-widget iframe").get_by_role("heading", name="Jazz Night")
    ).to_be_visible()
    fits(page, shop_frame(page))
    page.get_by_role("button", name="Buy tickets").click()
    dialog = page.get_by_role("dialog", name="Buy tickets")
    expect(dialog).to_be_visible()
    expect(
        page.frame_locator("[role=dialog] iframe").get_by_role("heading", name="Jazz Night")
    ).to_be_visible()
    # Escape in the shop (its keys never reach the page; the frame tells it) closes the overlay.
    # The key goes to the focused frame from the keyboard: an element's press() waits on its
    # frame after the key, and the frame is removed with the overlay.
    page.frame_locator("[role=dialog] iframe").get_by_role("link", name="Harbour Club").focus()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Buy tickets")).to_be_focused()
    page.get_by_role("button", name="Buy tickets").click()
    page.get_by_role("dialog").get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Buy tickets")).to_be_focused()
    assert page.evaluate("window.__violations") == []


def test_the_manager_copies_the_snippet_and_sees_the_preview(page: Page, live_server, event):
    make_member(
        event.organizer, role=Membership.Role.MANAGER, email="mia@example.com", password="mia-pass-phrase"
    )
    page.goto(f"{live_server.url}/accounts/login/?next=/manage/harbour/events/jazz-night/widget/")
    page.get_by_label("Email").fill("mia@example.com")
    page.get_by_label("Password").fill("mia-pass-phrase")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Shop widget")).to_be_visible()
    snippet = page.get_by_test_id("widget-snippet")
    expect(snippet).to_have_value(
        f'<script src="{live_server.url}/widget/v1/maticko.js" async></script>\n'
        '<div class="maticko-widget" data-event="jazz-night"></div>'
    )
    # The preview runs the real script: the shop in a frame on this page.
    preview = page.frame_locator("[data-testid=widget-preview] iframe")
    expect(preview.get_by_role("heading", name="Jazz Night")).to_be_visible()

    page.get_by_label("Behind a button (opens over the page)").check()
    page.get_by_label("Button text").fill("Tickets & more")
    expect(snippet).to_have_value(
        f'<script src="{live_server.url}/widget/v1/maticko.js" async></script>\n'
        '<button type="button" class="maticko-button" data-event="jazz-night">Tickets &amp; more</button>'
    )
    page.get_by_test_id("widget-preview").click()
    expect(
        page.frame_locator("[role=dialog] iframe").get_by_role("heading", name="Jazz Night")
    ).to_be_visible()
