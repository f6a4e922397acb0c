"""A buyer in Chromium adds a ticket to Apple Wallet: the order page shows "Add to Apple
Wallet" on each ticket once the operator configured it, and the link downloads the signed
pass with Wallet's content type; without the settings there is no button."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_event, make_ticket_type, only_date
from tests.support.dates import buy
from tests.support.wallet import configure_apple, make_chain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.WALLET_APPLE_PASS_TYPE_ID = ""
    settings.WALLET_GOOGLE_ISSUER_ID = ""


def test_the_order_page_offers_the_apple_wallet_pass_once_configured(
    page: Page, live_server, settings, tmp_path
):
    event = make_event(slug="concert", title="Winter Concert", venue_name="Rudolfinum")
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"))
    order = buy(only_date(event), {standard.pk: 2})
    order_page = f"{live_server.url}/orders/{order.code}/{order.secret}/"

    page.goto(order_page)
    expect(page.get_by_test_id("ticket")).to_have_count(2)
    expect(page.get_by_test_id("apple-wallet")).to_have_count(0)
    expect(page.get_by_test_id("google-wallet")).to_have_count(0)

    configure_apple(settings, make_chain(tmp_path))
    page.reload()
    buttons = page.get_by_role("link", name="Add to Apple Wallet")
    expect(buttons).to_have_count(2)
    expect(page.get_by_test_id("google-wallet")).to_have_count(0)

    first = order.tickets.order_by("pk").first()
    assert first is not None
    with (
        page.expect_response(lambda response: response.url.endswith(".pkpass")) as answer,
        page.expect_download() as download,
    ):
        buttons.first.click()
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "application/vnd.apple.pkpass"
    assert download.value.suggested_filename == f"ticket-{order.code}-{first.pk}.pkpass"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert {"pass.json", "manifest.json", "signature"} <= set(archive.namelist())
        assert json.loads(archive.read("pass.json"))["barcodes"][0]["message"] == first.secret
