"""What a visitor with JavaScript turned off sees in a real Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.factories import make_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_without_javascript_a_styled_note_says_so_above_the_fold(browser: Browser, live_server):
    make_event(title="Harbour Lights Festival", slug="harbour-lights")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/events/harbour-lights/")

        note = page.get_by_role("alert")
        expect(note).to_have_text("Maticko needs JavaScript to show this page. Please turn it on and reload.")
        expect(note).to_be_in_viewport()
        box = note.bounding_box()
        assert box is not None
        assert box["y"] < 50  # first on the page, not under the empty app's full height
        # Styled by the stylesheet (the CSP refuses inline styles): the amber banner.
        expect(note).to_have_css("background-color", "rgb(254, 243, 199)")
    finally:
        context.close()
