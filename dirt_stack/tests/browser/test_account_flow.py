"""Signing up by the emailed link, and an invitation opened by the wrong account, in Chromium."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import User
from tests.factories import make_member, make_organizer, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_by_the_emailed_link(page: Page, live_server):
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("status")).to_contain_text("Check your email")

    (email,) = mail.outbox
    found = re.search(r"https?://[^/\s]+(/accounts/signup/confirm/\?token=\S+)", str(email.body))
    assert found is not None
    page.goto(live_server.url + found.group(1))
    expect(page.get_by_text("dana@example.com")).to_be_visible()
    page.get_by_label("Your name").fill("Dana Novak")
    page.get_by_label("Password").fill("Ab1!Ab1!")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("at least 12 characters")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_value("")  # the refused password is cleared

    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("status")).to_have_text("Welcome to Maticko! Your account is ready.")
    expect(page.get_by_test_id("current-user")).to_have_text("Dana Novak")
    assert User.objects.filter(email="dana@example.com").exists()


def test_an_invitation_for_another_address_explains_and_offers_no_accept(page: Page, live_server):
    organizer = make_organizer(slug="acme", name="Acme")
    owner = make_member(organizer)
    invitation = services.invite_member(
        organizer=organizer, email="bob@example.com", role="manager", invited_by=owner
    )
    make_user(email="mallory@example.com", password="s3cret-pass-word")

    page.goto(live_server.url + f"/accounts/login/?next=/invitations/{invitation.token}/")
    page.get_by_label("Email").fill("mallory@example.com")
    page.get_by_label("Password").fill("s3cret-pass-word")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_test_id("invitation-refusal")).to_contain_text("sent to bob@example.com")
    expect(page.get_by_role("button", name="Accept the invitation")).to_have_count(0)
