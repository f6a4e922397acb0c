"""The account pages and the back office's first pages in the pseudo-locale, in Chromium.

`en-x-pseudo` shows every wrapped message with its letters accented, so a walk finds any
visible text or label that was never wrapped for translation (the check is the buyer walk's,
`tests/browser/test_i18n_flow.py`). The walk: the anonymous pages (log in, sign up, the
emailed sign-up link, the password reset and its link, valid and spent, an invitation, open
and expired), then an organizer's owner logged in: security with two-factor authentication
off, its setup, the recovery codes, security with it on and required by the organizer,
changing the password, confirming it is them, the back office's home and a new organizer's
form, the invitation to accept, and logging in again with a code.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from accounts import services, signup
from accounts.models import Invitation
from tests.browser.test_i18n_flow import PSEUDO_LOCALE, PseudoWalk
from tests.browser.test_two_factor_flow import app_code
from tests.factories import make_event, make_member, make_organizer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_EMAIL = "olga@example.com"
OWNER_PASSWORD = "olga-pass-phrase"
# The owner's and organizer's own texts, which a page shows as they are.
OWN_TEXTS = ["Olga Owner", OWNER_EMAIL, "Acme Arts", "Bright Hall", "dana@example.com"]


walk = PseudoWalk(OWN_TEXTS)


def log_in(page: Page, url: str) -> None:
    """Log in by the form's fields, whatever their labels say in the pseudo-locale."""
    page.goto(url)
    page.locator('input[name="email"]').fill(OWNER_EMAIL)
    page.locator('input[name="password"]').fill(OWNER_PASSWORD)
    page.locator('form button[type="submit"]').click()


def test_the_pseudo_locale_shows_no_unwrapped_string_on_the_account_pages(page: Page, live_server):
    organizer = make_organizer(slug="acme", name="Acme Arts")
    owner = make_member(organizer, email=OWNER_EMAIL, password=OWNER_PASSWORD, full_name="Olga Owner")
    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": live_server.url}])
    base = live_server.url

    # Anonymous: log in, sign up and its emailed link, the password reset and its link.
    assert walk.visit(page, f"{base}/accounts/login/", 'input[name="password"]') == []
    assert walk.visit(page, f"{base}/accounts/signup/", 'input[name="email"]') == []
    token = signup.signup_token("dana@example.com", "/manage/")
    assert walk.visit(page, f"{base}/accounts/signup/confirm/?token={token}", 'input[name="full_name"]') == []
    assert walk.visit(page, f"{base}/accounts/signup/confirm/?token=spent", '[role="alert"]') == []
    assert walk.visit(page, f"{base}/accounts/password/reset/", 'input[name="email"]') == []
    uid = urlsafe_base64_encode(force_bytes(owner.pk))
    reset = f"{base}/accounts/password/reset/{uid}/{default_token_generator.make_token(owner)}/"
    assert walk.visit(page, reset, 'input[name="password"]') == []
    assert walk.visit(page, f"{base}/accounts/password/reset/{uid}/spent/", '[role="alert"]') == []

    # An invitation to another organizer's team: seen before logging in, and expired.
    other = make_organizer(slug="bright", name="Bright Hall")
    invitation = services.invite_member(
        organizer=other, email=OWNER_EMAIL, role="manager", invited_by=make_member(other)
    )
    assert walk.visit(page, f"{base}/invitations/{invitation.token}/", 'a[href^="/accounts/signup/"]') == []
    expired = services.invite_member(
        organizer=other, email="dana@example.com", role="manager", invited_by=owner
    )
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert walk.visit(page, f"{base}/invitations/{expired.token}/", '[role="alert"]') == []

    # The owner: security with two-factor authentication off, then its setup.
    log_in(page, f"{base}/accounts/login/?next=/accounts/security/")
    expect(page.get_by_test_id("two-factor-status")).to_be_visible()
    assert walk.untranslated(page) == []
    page.goto(f"{base}/accounts/two-factor/setup/")
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert walk.untranslated(page, secret) == []

    page.locator('input[name="code"]').fill(app_code(secret))
    page.locator('form button[type="submit"]').click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    codes = page.get_by_test_id("recovery-code").all_inner_texts()
    assert walk.untranslated(page, *codes) == []

    # Two-factor authentication on, and required by the organizer: the security page's other
    # texts (recovery codes left, who requires it, turning it off).
    organizer.require_two_factor = True
    organizer.save(update_fields=["require_two_factor"])
    assert walk.visit(page, f"{base}/accounts/security/", '[data-testid="two-factor-status"]') == []
    expect(page.get_by_test_id("two-factor-status")).not_to_contain_text("On. 10")
    expect(page.locator("[data-server-text]", has_text="Acme Arts")).to_be_visible()

    assert walk.visit(page, f"{base}/accounts/password/change/", 'input[autocomplete="new-password"]') == []
    assert walk.visit(page, f"{base}/accounts/confirm/?next=/manage/", 'input[name="code"]') == []

    # The back office's home, without an event and with one, and a new organizer's form.
    assert walk.visit(page, f"{base}/manage/", "main h2") == []
    make_event(organizer=organizer, slug="gala", title="Harbour Gala")
    assert walk.visit(page, f"{base}/manage/", '[data-testid="event-row"]', "Harbour Gala") == []
    expect(page.get_by_test_id("event-status")).not_to_have_text("published")
    assert walk.visit(page, f"{base}/manage/organizers/new/", 'input[name="slug"]') == []
    # The invitation again, logged in with the invited address: it can be accepted.
    assert walk.visit(page, f"{base}/invitations/{invitation.token}/", 'form button[type="submit"]') == []

    # Logging in again asks for a code.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "maticko_locale", "value": PSEUDO_LOCALE, "url": live_server.url}])
    log_in(page, f"{base}/accounts/login/?next=/manage/acme/")
    expect(page.locator('input[name="code"]')).to_be_visible()
    assert walk.untranslated(page) == []
