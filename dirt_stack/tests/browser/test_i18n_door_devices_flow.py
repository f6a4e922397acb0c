"""The door's scanner devices, its status and the door scanner app in the pseudo-locale, in
Chromium.

`en-x-pseudo` shows every wrapped message with its letters accented, so a walk finds any
visible text or label that was never wrapped for translation (the check is the buyer walk's,
`tests/browser/test_i18n_flow.py`). The walk, by a manager: the scanner devices (the new
device's form with its lists, the pairing QR code of a device made by the form, a device's
log, revoking asked first), the door status (passages at two gates and on the check-in page,
an exit, a ticket let in twice offline), then the door scanner app on a phone: pairing (a
wrong code refused), the choice of a list, the scanning screen once synced, a ticket
admitted, scanned again, an unknown code refused, an order's tickets, a ticket admitted
while offline; and the devices again, one of them paired and seen. Only the test's own data,
what the server writes (`data-server-text`, and the door app's page title) and the pairing
code's shape may stay plain.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Membership
from checkin import devices, offline, services, sync
from checkin.door_keys import door_key
from checkin.models import CheckIn, CheckInList
from tests.browser.test_door_offline_flow import scan
from tests.browser.test_i18n_flow import PSEUDO_LOCALE, PseudoWalk, untranslated, vltava_sessions  # noqa: F401
from tests.factories import make_member, only_date
from tests.support.dates import buy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORGANIZER = "/manage/prague-nights"
EVENT = f"{ORGANIZER}/events/vltava-sessions"
MANAGER_EMAIL = "mia@example.com"
MANAGER_PASSWORD = "mia-pass-phrase"
# The manager, the event's zone, and the lists, devices and gates the test makes.
OWN_TEXTS = (
    MANAGER_EMAIL,
    "Mia Manager",
    "Europe/Prague",
    "Main entrance",
    "Balcony door",
    "Phone North",
    "North gate",
    "Phone South",
    "South gate",
    "Phone East",
    "East gate",
    "Gallery phone",
    "Gallery stairs",
)
# The door app's page title, which the server writes in its own language (its catalog,
# backoffice/locale); the pseudo-locale is the frontend's alone.
DOOR_PAGE_TITLE = "Door scanner"
# The pairing code field's placeholder: the code's shape, no words.
PAIRING_CODE_SHAPE = "XXXX-XXXX-XXXX"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


walk = PseudoWalk(OWN_TEXTS)


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_door_devices_pages_and_app(
    page: Page,
    browser: Browser,
    live_server,
    vltava_sessions,  # noqa: F811
):
    event = vltava_sessions
    organizer = event.organizer
    first = only_date(event)
    standard = event.ticket_types.get(name="Standard")
    main = CheckInList.objects.create(event=event, name="Main entrance", allow_exits=True)
    CheckInList.objects.create(event=event, name="Balcony door")
    manager = make_member(
        organizer,
        role=Membership.Role.MANAGER,
        email=MANAGER_EMAIL,
        password=MANAGER_PASSWORD,
        full_name="Mia Manager",
    )
    twice, through, online, offline_ticket = (
        buy(first, {standard.pk: 1}, email=f"{who}@example.com").tickets.get()
        for who in ("dora", "eva", "filip", "gita")
    )
    two_tickets = buy(first, {standard.pk: 2}, email="ivan@example.com")
    door_ticket = two_tickets.tickets.order_by("pk")[0]

    # Passages for the door status: a ticket let in offline at two gates (the later one
    # flagged), one in and out again, one let in on the check-in page (no device).
    north, _ = devices.create_device(event, name="Phone North", gate="North gate", lists=None, actor=manager)
    south, _ = devices.create_device(event, name="Phone South", gate="South gate", lists=None, actor=manager)
    sync.snapshot(main)  # the list's tickets get the door keys that offline uploads name
    now = timezone.now()

    def passage(ticket, kind: str, minutes_ago: int) -> offline.OfflineScan:
        return offline.OfflineScan(
            uuid.uuid4(), door_key(ticket.secret), main.pk, kind, now - dt.timedelta(minutes=minutes_ago)
        )

    assert [a["result"] for a in offline.apply_batch(north, [passage(twice, "entry", 20)])] == ["accepted"]
    assert [a["reason"] for a in offline.apply_batch(south, [passage(twice, "entry", 10)])] == [
        "double_admission"
    ]
    upload = offline.apply_batch(north, [passage(through, "entry", 30), passage(through, "exit", 5)])
    assert [a["result"] for a in upload] == ["accepted", "accepted"]
    assert services.scan(main, secret=online.secret, user=manager).outcome == "admitted"

    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": live_server.url}])
    server = live_server.url
    page.goto(f"{server}/accounts/login/")
    page.locator('input[name="email"]').fill(MANAGER_EMAIL)
    page.locator('input[name="password"]').fill(MANAGER_PASSWORD)
    page.locator('form button[type="submit"]').click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)

    # The scanner devices: the form with the event's lists to choose from, then a new
    # device's pairing QR code, its log, and revoking it asked first.
    assert walk.visit(page, f"{server}{EVENT}/devices/", '[data-testid="device"]') == []
    form = page.locator("main form")
    form.locator('input[name="name"]').fill("Gallery phone")
    form.locator('input[name="gate"]').fill("Gallery stairs")
    form.locator('input[name="all_lists"]').uncheck()
    expect(form.locator("fieldset")).to_be_visible()
    assert walk.untranslated(page) == []
    form.locator('input[name="all_lists"]').check()
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("pairing")).to_be_visible()
    expect(page.get_by_test_id("pairing").locator("img")).to_be_visible()
    assert walk.untranslated(page) == []
    gallery = page.get_by_test_id("device").filter(has_text="Gallery phone")
    gallery.locator("summary").click()
    expect(gallery.locator("details li").first).to_be_visible()
    assert walk.untranslated(page) == []
    gallery.locator("button").last.click()
    assert walk.asked_first(page) == []

    # The door status: the gates (the check-in page's passage has none), the lists, and the
    # ticket let in twice with both its entries.
    status = f"{server}{EVENT}/door-status/"
    assert walk.visit(page, status, '[data-testid="double-admissions"] tbody tr') == []
    expect(page.get_by_test_id("double-admissions").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("door-gates").locator("tbody tr")).to_have_count(3)

    # The door scanner app on a phone: unpaired, a wrong code refused.
    phone_context = browser.new_context()
    phone_context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": server}])
    phone = phone_context.new_page()
    try:
        assert (
            walk.visit(phone, f"{server}/door/", "#pairing-code", DOOR_PAGE_TITLE, PAIRING_CODE_SHAPE) == []
        )
        phone.locator("#pairing-code").fill("AAAA-BBBB-CCCC")
        phone.locator('button[type="submit"]').click()
        expect(phone.locator('[role="alert"]')).to_be_visible()
        assert walk.untranslated(phone, DOOR_PAGE_TITLE, PAIRING_CODE_SHAPE) == []

        # Paired by the QR code's address; the device scans for both lists, so it asks which.
        _, code = devices.create_device(event, name="Phone East", gate="East gate", lists=None, actor=manager)
        phone.goto("about:blank")
        choices = phone.locator("main ul button")
        assert walk.visit(phone, f"{server}/door/#pair={code}", "main ul button", DOOR_PAGE_TITLE) == []
        expect(choices).to_have_count(2)
        choices.filter(has_text="Main entrance").click()

        # The scanning screen once its first sync is done (the banner tells its time).
        banner = phone.get_by_test_id("sync-banner")
        expect(banner).to_contain_text(re.compile(r"\d:\d\d"), timeout=20_000)
        expect(phone.locator('input[name="direction"]')).to_have_count(2)  # the list records exits
        assert walk.untranslated(phone, DOOR_PAGE_TITLE) == []

        # A ticket admitted, then scanned again (where it first came in), an unknown code.
        allowed = (*OWN_TEXTS, DOOR_PAGE_TITLE)
        scan(phone, door_ticket.secret, "admitted")
        assert untranslated(phone, *allowed) == []
        scan(phone, door_ticket.secret, "already_checked_in")
        assert untranslated(phone, *allowed) == []
        scan(phone, secrets.token_urlsafe(24), "refused")
        assert untranslated(phone, *allowed) == []

        # An order's code: its two tickets, one in already.
        field = phone.locator("#door-code")
        field.fill(two_tickets.code)
        field.press("Enter")
        expect(phone.get_by_test_id("order-tickets").locator("li")).to_have_count(2)
        assert untranslated(phone, *allowed) == []

        # Without a network: decided on the phone, the banner says since when and what waits.
        phone_context.set_offline(True)
        scan(phone, offline_ticket.secret, "admitted")
        expect(banner).to_have_class(re.compile(r"bg-amber-100"))
        assert not CheckIn.objects.filter(ticket=offline_ticket).exists()
        assert untranslated(phone, *allowed) == []
    finally:
        phone_context.close()

    # The devices again: the phone paired and seen, its log longer.
    assert walk.visit(page, f"{server}{EVENT}/devices/", '[data-testid="device"]') == []
    east = page.get_by_test_id("device").filter(has_text="Phone East")
    east.locator("summary").click()
    expect(east.locator("details li")).to_have_count(2)
    assert walk.untranslated(page) == []
