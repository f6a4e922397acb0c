"""The door scanner on a paired device, in Chromium with its service worker: pairing by the
QR code's address, the offline reload, decisions without the server, the upload that cannot
double-count, a cancellation reaching an online device, and what its IndexedDB holds."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import Membership
from checkin import devices
from checkin.door_keys import door_key
from checkin.models import CheckIn, CheckInList
from sales import lifecycle, pricing, purchase
from sales.models import Order, Ticket
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Everything personal a device could hold about the buyers below.
PERSONAL = [
    "Ana Attendee",
    "Bob Attendee",
    "Cleo Cancelled",
    "ana@example.com",
    "bob@example.com",
    "cleo@example.com",
]

READ_DATABASE = """async () => {
  const open = indexedDB.open("maticko-door");
  const db = await new Promise((resolve, reject) => {
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const dump = {};
  for (const name of db.objectStoreNames) {
    dump[name] = await new Promise((resolve) => {
      const request = db.transaction(name).objectStore(name).getAll();
      request.onsuccess = () => resolve(request.result);
    });
  }
  db.close();
  return dump;
}"""


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


@pytest.fixture
def door():
    organizer = make_organizer(slug="acme", name="Acme Arts")
    event = make_event(organizer=organizer, slug="gig", title="Night Gig", timezone="Europe/Prague")
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"))
    main = CheckInList.objects.create(event=event, name="Main entrance")

    def buy(name: str, email: str) -> Ticket:
        details = pricing.BuyerDetails(name=name, email=email, payment_method="demo", attendee_names=[name])
        order = purchase.place_order(
            only_date(event), {standard.pk: 1}, details, base_url="http://testserver/"
        ).order
        return order.tickets.get()

    tickets = {
        "ana": buy("Ana Attendee", "ana@example.com"),
        "bob": buy("Bob Attendee", "bob@example.com"),
        "cleo": buy("Cleo Cancelled", "cleo@example.com"),
    }
    lifecycle.cancel(Order.objects.get(pk=tickets["cleo"].order_id))
    manager = make_member(
        organizer, role=Membership.Role.MANAGER, email="mia@example.com", password="mia-pass-phrase"
    )
    return {"event": event, "main": main, "tickets": tickets, "manager": manager}


def pair_device(page: Page, live_server, door, gate: str) -> None:
    _, code = devices.create_device(door["event"], name=f"Phone {gate}", gate=gate, lists=None, actor=None)
    page.goto(f"{live_server.url}/door/#pair={code}")
    expect(page.get_by_test_id("sync-banner")).to_contain_text("last sync", timeout=20_000)
    # The service worker controls the page once it is active (it claims its clients).
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)


def scan(page: Page, code: str, outcome: str) -> None:
    field = page.locator("#door-code")
    field.fill(code)
    field.press("Enter")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-outcome", outcome)


def test_an_offline_device_reloads_decides_at_the_door_and_uploads_once(page: Page, live_server, door):
    ana, cleo = door["tickets"]["ana"], door["tickets"]["cleo"]
    pair_device(page, live_server, door, "North")

    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#door-code")).to_be_visible()
    scan(page, ana.secret, "admitted")
    expect(page.get_by_test_id("scan-result")).to_contain_text("Ana Attendee")  # opened with its QR code
    expect(page.get_by_test_id("scan-result")).to_contain_text("Decided on this device")
    scan(page, ana.secret, "already_checked_in")
    scan(page, secrets.token_urlsafe(24), "refused")
    expect(page.get_by_test_id("scan-result")).to_contain_text("Unknown ticket")
    scan(page, cleo.secret, "refused")
    expect(page.get_by_test_id("scan-result")).to_contain_text("the order was cancelled")
    expect(page.get_by_test_id("sync-banner")).to_contain_text(re.compile(r"Offline since .* 1 scan waiting"))
    assert not CheckIn.objects.exists()

    # The device's database: keys and sealed data, no name or email in plain text.
    stored = page.evaluate(READ_DATABASE)
    text = json.dumps(stored, ensure_ascii=False)
    for personal in PERSONAL:
        assert personal not in text
    assert {t["key"] for t in stored["tickets"]} == {door_key(t.secret) for t in door["tickets"].values()}
    assert [s["key"] for s in stored["scans"]] == [door_key(ana.secret)]

    page.context.set_offline(False)
    expect(page.get_by_test_id("sync-banner")).to_contain_text("no scans waiting", timeout=15_000)
    admitted = CheckIn.objects.get()
    assert (admitted.ticket_id, admitted.offline, admitted.gate, admitted.flag) == (ana.pk, True, "North", "")
    # Uploading the same batch again changes nothing.
    batch = stored["scans"]
    token_client = page.evaluate(
        """async (batch) => {
          const open = indexedDB.open("maticko-door");
          const db = await new Promise((resolve) => { open.onsuccess = () => resolve(open.result); });
          const pairing = await new Promise((resolve) => {
            const r = db.transaction("pairing").objectStore("pairing").get("device");
            r.onsuccess = () => resolve(r.result);
          });
          const answer = await fetch("/api/v1/door/scans", {
            method: "POST",
            headers: {"Content-Type": "application/json", Authorization: `Bearer ${pairing.token}`},
            body: JSON.stringify({scans: batch}),
          });
          return (await answer.json()).results.map((r) => r.result);
        }""",
        batch,
    )
    assert token_client == ["duplicate"]
    assert CheckIn.objects.count() == 1


def test_a_ticket_cancelled_while_the_device_is_online_scans_red_within_10_seconds(
    page: Page, live_server, door
):
    bob = door["tickets"]["bob"]
    pair_device(page, live_server, door, "South")
    lifecycle.cancel(Order.objects.get(pk=bob.order_id))
    cancelled_at = time.monotonic()
    key = door_key(bob.secret)
    refusal = None
    while refusal != "order_cancelled" and time.monotonic() - cancelled_at < 10:
        page.wait_for_timeout(250)
        refusal = page.evaluate(
            """async (key) => {
              const open = indexedDB.open("maticko-door");
              const db = await new Promise((resolve) => { open.onsuccess = () => resolve(open.result); });
              const record = await new Promise((resolve) => {
                const all = db.transaction("tickets").objectStore("tickets").getAll();
                all.onsuccess = () => resolve(all.result.find((t) => t.key === key));
              });
              db.close();
              return record ? record.refusal : null;
            }""",
            key,
        )
    assert refusal == "order_cancelled"
    assert time.monotonic() - cancelled_at < 10
    # Red on the device itself, even with the server out of reach.
    page.context.set_offline(True)
    scan(page, bob.secret, "refused")
    expect(page.get_by_test_id("scan-result")).to_contain_text("the order was cancelled")


def test_two_devices_admit_one_ticket_offline_and_the_door_status_shows_both(
    page: Page, live_server, door, browser
):
    ana = door["tickets"]["ana"]
    second_context: BrowserContext = browser.new_context()
    second = second_context.new_page()
    try:
        pair_device(page, live_server, door, "North")
        pair_device(second, live_server, door, "South")
        for device in (page, second):
            device.context.set_offline(True)
            scan(device, ana.secret, "admitted")
        for device in (page, second):
            device.context.set_offline(False)
            expect(device.get_by_test_id("sync-banner")).to_contain_text("no scans waiting", timeout=15_000)
    finally:
        second_context.close()
    entries = list(CheckIn.objects.order_by("scanned_at").values_list("gate", "flag", "offline"))
    assert entries == [("North", "", True), ("South", "double_admission", True)]

    # The back office's door status lists both gates and times.
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator('input[name="email"]').fill("mia@example.com")
    page.locator('input[name="password"]').fill("mia-pass-phrase")
    page.locator('form button[type="submit"]').click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.goto(f"{live_server.url}/manage/acme/events/gig/door-status/")
    doubles = page.get_by_test_id("double-admissions")
    expect(doubles).to_contain_text("Ana Attendee")
    expect(doubles.locator("tbody tr")).to_have_count(2)
    expect(doubles.locator("tbody tr").first).to_contain_text("North")
    expect(doubles.locator("tbody tr").nth(1)).to_contain_text("South")
    expect(doubles.locator("tbody tr").nth(1)).to_contain_text("flagged")
    expect(page.get_by_test_id("door-total")).to_contain_text("2")
    assert timezone.now() - CheckIn.objects.latest("scanned_at").scanned_at < dt.timedelta(minutes=5)
