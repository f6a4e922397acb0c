"""Two-factor authentication in Chromium: set it up from the key the page shows (as an
authenticator app would), then log in with a code; an owner's enforcement sends a member
to set it up."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import Membership
from tests.factories import make_member, make_organizer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed from the page."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_set_up_two_factor_then_log_in_with_a_code(page: Page, live_server):
    organizer = make_organizer(slug="acme", name="Acme Events")
    make_member(organizer, email="olga@example.com", password="olga-pass-phrase", full_name="Olga Owner")
    log_in(page, f"{live_server.url}/accounts/login/?next=/manage/", "olga@example.com", "olga-pass-phrase")
    expect(page.get_by_test_id("current-user")).to_have_text("Olga Owner")

    page.get_by_test_id("current-user").click()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("Off.")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    qr = page.get_by_test_id("totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0, "the QR code's SVG data URI renders under the CSP"
    secret = page.get_by_test_id("totp-secret").inner_text()

    page.get_by_label("Code from the app").fill("000000" if app_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()
    # django-otp waits a second after a wrong code before it checks another; skip the wait.
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("On. 10 unused recovery codes left.")

    page.get_by_role("button", name="Log out").click()
    log_in(
        page, f"{live_server.url}/accounts/login/?next=/manage/acme/", "olga@example.com", "olga-pass-phrase"
    )
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    page.get_by_label("Code").fill(app_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/manage/acme/")
    expect(page.get_by_role("heading", name="Acme Events")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_text("Olga Owner")


def test_a_member_of_an_organizer_that_requires_it_is_sent_to_set_it_up(page: Page, live_server):
    organizer = make_organizer(slug="strict", name="Strict Hall", require_two_factor=True)
    make_member(organizer, role=Membership.Role.MANAGER, email="max@example.com", password="max-pass-phrase")
    log_in(
        page, f"{live_server.url}/accounts/login/?next=/manage/strict/", "max@example.com", "max-pass-phrase"
    )
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_text("Strict Hall requires two-factor authentication")).to_be_visible()

    page.get_by_label("Code from the app").fill(app_code(page.get_by_test_id("totp-secret").inner_text()))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page).to_have_url(f"{live_server.url}/manage/strict/")
    expect(page.get_by_role("heading", name="Strict Hall")).to_be_visible()
