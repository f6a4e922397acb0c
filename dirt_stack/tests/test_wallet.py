"""A ticket in the buyer's phone wallet (sales.wallet): the Apple Wallet pass is a zip whose
manifest lists every file's SHA-1 and whose signature openssl verifies against the
certificate chain (a test root, a WWDR-like intermediate, a pass type certificate), its QR
code is the ticket's secret and scans green at the door; the Google Wallet link is a JWT
signed at the click with the service account's key; both are offered only when configured,
and refused for refunded and cancelled tickets."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.utils import timezone

from accounts import tokens
from sales import lifecycle, wallet
from sales.models import Order, Ticket
from tests.factories import make_event, make_ticket_type, only_date
from tests.support.dates import buy, delivered_mail
from tests.support.wallet import PASS_TYPE_ID, TEAM_ID, Chain, configure_apple, make_chain, new_key

pytestmark = pytest.mark.django_db

EVENING = dt.datetime(2031, 12, 4, 18, 30, tzinfo=dt.UTC)  # Thursday 4 December, 19:30 in Prague
SITE = "https://tickets.example.org"
INERTIA = {"X-Inertia": "true", "X-Inertia-Version": settings.INERTIA_VERSION}


@pytest.fixture(scope="session")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    return make_chain(tmp_path_factory.mktemp("wallet-chain"))


@pytest.fixture(scope="session")
def google_key() -> rsa.RSAPrivateKey:
    return new_key()


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0
    settings.SITE_URL = f"{SITE}/"
    for name in (
        "PASS_TYPE_ID",
        "TEAM_ID",
        "CERTIFICATE",
        "KEY",
        "KEY_PASSWORD",
        "WWDR_CERTIFICATE",
    ):
        setattr(settings, f"WALLET_APPLE_{name}", "")
    settings.WALLET_GOOGLE_ISSUER_ID = ""
    settings.WALLET_GOOGLE_SERVICE_ACCOUNT_EMAIL = ""
    settings.WALLET_GOOGLE_PRIVATE_KEY = ""


@pytest.fixture
def apple(settings, chain: Chain) -> Chain:
    configure_apple(settings, chain)
    return chain


@pytest.fixture
def google(settings, google_key: rsa.RSAPrivateKey) -> rsa.RSAPublicKey:
    """Google Wallet configured; returns the public key that verifies its links."""
    settings.WALLET_GOOGLE_ISSUER_ID = "3388000000012345678"
    settings.WALLET_GOOGLE_SERVICE_ACCOUNT_EMAIL = "wallet@maticko-test.iam.gserviceaccount.com"
    # As environment files often carry it: PEM text with its line breaks escaped.
    settings.WALLET_GOOGLE_PRIVATE_KEY = _private_pem(google_key).replace("\n", "\\n")
    return google_key.public_key()


@pytest.fixture
def order() -> Order:
    """A paid order of two tickets, one with an attendee name in three scripts."""
    event = make_event(
        slug="concert",
        title="Winter Concert",
        starts_at=EVENING,
        venue_name="Rudolfinum",
        venue_address="Alšovo nábřeží 12, Praha",
    )
    standard = make_ticket_type(event, name="Standard", price=Decimal("20.00"))
    order = buy(only_date(event), {standard.pk: 2})
    assert order.status == Order.Status.PAID
    first = order.tickets.order_by("pk").first()
    assert first is not None
    first.attendee_name = "Zoë Łukasiewicz 李小龍"
    first.save(update_fields=["attendee_name"])
    return order


def tickets_of(order: Order) -> list[Ticket]:
    return list(order.tickets.order_by("pk"))


def page_props(client: Client, order: Order) -> dict[str, Any]:
    response = client.get(f"/orders/{order.code}/{order.secret}/", headers=INERTIA)
    assert response.status_code == 200, response.content[:300]
    return response.json()["props"]


def pass_url(order: Order, ticket: Ticket) -> str:
    return f"/orders/{order.code}/{order.secret}/tickets/{ticket.pk}/wallet.pkpass"


def google_url(order: Order, ticket: Ticket) -> str:
    return f"/orders/{order.code}/{order.secret}/tickets/{ticket.pk}/google-wallet/"


def download_pass(client: Client, order: Order, ticket: Ticket) -> dict[str, bytes]:
    response = client.get(pass_url(order, ticket))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/vnd.apple.pkpass"
    assert response["Content-Disposition"] == f'attachment; filename="ticket-{order.code}-{ticket.pk}.pkpass"'
    assert response["Cache-Control"] == "private, no-store"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def openssl_verify(
    folder: Path, chain: Chain, manifest: bytes, signature: bytes
) -> subprocess.CompletedProcess:
    (folder / "manifest.json").write_bytes(manifest)
    (folder / "signature").write_bytes(signature)
    return subprocess.run(
        [
            "openssl",
            "smime",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(folder / "signature"),
            "-content",
            str(folder / "manifest.json"),
            "-CAfile",
            str(chain.root),
            "-certfile",
            str(chain.wwdr),
            "-purpose",
            "any",
            "-out",
            str(folder / "verified"),
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )


# --- Apple Wallet -----------------------------------------------------------------------------


def test_the_pass_is_a_signed_zip_whose_manifest_lists_every_file(client, order, apple, tmp_path):
    ticket = tickets_of(order)[0]
    files = download_pass(client, order, ticket)
    assert {"pass.json", "manifest.json", "signature", "icon.png", "icon@2x.png", "logo.png"} <= files.keys()

    manifest = json.loads(files["manifest.json"])
    assert manifest.keys() == files.keys() - {"manifest.json", "signature"}
    for name, digest in manifest.items():
        assert hashlib.sha1(files[name]).hexdigest() == digest, name  # noqa: S324
    for image in ("icon.png", "icon@2x.png", "logo.png"):
        assert files[image].startswith(b"\x89PNG\r\n\x1a\n")

    verified = openssl_verify(tmp_path, apple, files["manifest.json"], files["signature"])
    assert verified.returncode == 0, verified.stderr.decode()
    assert (tmp_path / "verified").read_bytes() == files["manifest.json"]

    # One changed byte of the manifest (a swapped pass.json's hash) breaks the signature.
    tampered = files["manifest.json"].replace(manifest["pass.json"].encode(), b"0" * 40)
    assert tampered != files["manifest.json"]
    refused = openssl_verify(tmp_path, apple, tampered, files["signature"])
    assert refused.returncode != 0


def test_the_signature_includes_the_wwdr_certificate(client, order, apple, tmp_path):
    """A phone has Apple's root but not the intermediate: the signature must carry it."""
    files = download_pass(client, order, tickets_of(order)[0])
    (tmp_path / "signature").write_bytes(files["signature"])
    printed = subprocess.run(
        ["openssl", "pkcs7", "-inform", "DER", "-in", str(tmp_path / "signature"), "-print_certs", "-noout"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert "Test Worldwide Developer Relations" in printed
    assert f"Pass Type ID: {PASS_TYPE_ID}" in printed


def test_the_pass_shows_the_ticket_and_its_qr_code_is_the_ticket_secret(client, order, apple):
    first, second = tickets_of(order)
    content = json.loads(download_pass(client, order, first)["pass.json"])
    assert content["formatVersion"] == 1
    assert content["passTypeIdentifier"] == PASS_TYPE_ID
    assert content["teamIdentifier"] == TEAM_ID
    assert content["serialNumber"] == f"ticket-{first.pk}"
    assert content["barcodes"] == [
        {"format": "PKBarcodeFormatQR", "message": first.secret, "messageEncoding": "iso-8859-1"}
    ]
    assert content["barcode"] == content["barcodes"][0]
    fields = {
        field["key"]: field
        for group in ("primaryFields", "secondaryFields", "auxiliaryFields", "backFields")
        for field in content["eventTicket"][group]
    }
    assert fields["event"]["value"] == "Winter Concert"
    assert fields["attendee"]["value"] == "Zoë Łukasiewicz 李小龍"
    assert fields["ticket_type"]["value"] == "Standard"
    assert fields["venue"]["value"] == "Rudolfinum, Alšovo nábřeží 12, Praha"
    assert fields["order"]["value"] == order.code
    # The event's wall clock in Prague (UTC+1 in December), shown in that zone anywhere.
    assert fields["starts"]["value"] == "2031-12-04T19:30:00+01:00"
    assert fields["starts"]["ignoresTimeZone"] is True
    assert content["relevantDate"] == "2031-12-04T19:30:00+01:00"
    # Each ticket its own pass and code; an attendee without a name shows the buyer's.
    other = json.loads(download_pass(client, order, second)["pass.json"])
    assert other["barcodes"][0]["message"] == second.secret != first.secret
    assert [f["value"] for f in other["eventTicket"]["secondaryFields"] if f["key"] == "attendee"] == [
        order.buyer_name
    ]


def test_the_pass_barcode_scans_green_at_the_check_in_api(client, order, apple):
    ticket = tickets_of(order)[0]
    message = json.loads(download_pass(client, order, ticket)["pass.json"])["barcodes"][0]["message"]
    _, raw = tokens.create_token(
        organizer=order.event.organizer, name="Door", role="door_staff", created_by=None
    )
    scan = client.post(
        "/api/v1/checkin",
        json.dumps({"secret": message}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert scan.status_code == 200, scan.content
    assert scan.json()["outcome"] == "admitted"


def test_refunded_and_cancelled_tickets_get_no_pass_but_an_unpaid_one_does(client, order, apple, google):
    first, second = tickets_of(order)
    lifecycle.refund(order, tickets=[first.pk], reason="Cannot come")
    for url in (pass_url(order, first), google_url(order, first)):
        refused = client.get(url, headers=INERTIA)
        assert refused.status_code == 410
        assert refused.json()["props"]["message"].startswith("This ticket was refunded")
    assert client.get(pass_url(order, second)).status_code == 200

    lifecycle.cancel(order)
    refused = client.get(pass_url(order, second))
    assert refused.status_code == 410
    assert b"This ticket was cancelled" in refused.content

    pending = buy(order.date, {first.ticket_type_id: 1}, method="offline", email="bo@example.com")
    assert pending.status == Order.Status.PENDING
    (waiting,) = tickets_of(pending)
    content = json.loads(download_pass(client, pending, waiting)["pass.json"])
    assert content["barcodes"][0]["message"] == waiting.secret
    assert any(field["key"] == "payment" for field in content["eventTicket"]["backFields"])


def test_a_pass_only_with_the_order_secret_and_of_its_own_tickets(client, order, apple):
    ticket = tickets_of(order)[0]
    other = buy(order.date, {ticket.ticket_type_id: 1}, email="bo@example.com")
    (foreign,) = tickets_of(other)
    assert client.get(f"/orders/{order.code}/{'x' * 32}/tickets/{ticket.pk}/wallet.pkpass").status_code == 404
    assert client.get(pass_url(order, foreign)).status_code == 404
    assert (
        client.get(
            f"/orders/{order.code}/{order.secret}/tickets/99999999999999999999/wallet.pkpass"
        ).status_code
        == 404
    )


def test_nothing_is_offered_when_the_operator_configured_nothing(client, order):
    ticket = tickets_of(order)[0]
    assert page_props(client, order)["wallet_passes"] == []
    assert client.get(pass_url(order, ticket)).status_code == 404
    assert client.get(google_url(order, ticket)).status_code == 404
    (email,) = delivered_mail()
    assert isinstance(email, EmailMultiAlternatives)
    assert "Wallet" not in email.body
    assert "Wallet" not in str(email.alternatives[0][0])


def test_the_order_page_and_email_offer_the_configured_wallets(client, order, apple, google, settings):
    first, second = tickets_of(order)
    assert page_props(client, order)["wallet_passes"] == [
        {
            "ticket_id": ticket.pk,
            "apple_url": f"http://testserver{pass_url(order, ticket)}",
            "google_url": f"http://testserver{google_url(order, ticket)}",
        }
        for ticket in (first, second)
    ]
    (email,) = delivered_mail()
    assert isinstance(email, EmailMultiAlternatives)
    assert f"Apple Wallet: http://testserver{pass_url(order, first)}" in email.body
    assert f"Google Wallet: http://testserver{google_url(order, second)}" in email.body
    assert f'href="http://testserver{google_url(order, second)}">Save to Google Wallet' in str(
        email.alternatives[0][0]
    )

    # Only Apple configured: only Apple's buttons; a refunded ticket has none.
    settings.WALLET_GOOGLE_ISSUER_ID = ""
    lifecycle.refund(order, tickets=[first.pk], reason="Cannot come")
    assert page_props(client, order)["wallet_passes"] == [
        {
            "ticket_id": second.pk,
            "apple_url": f"http://testserver{pass_url(order, second)}",
            "google_url": None,
        }
    ]


def test_unusable_credentials_are_a_readable_503_and_an_error_log(
    client, settings, order, apple, google, caplog
):
    ticket = tickets_of(order)[0]
    settings.WALLET_APPLE_KEY_PASSWORD = "wrong"
    settings.WALLET_GOOGLE_PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\\nnot a key\\n-----END PRIVATE KEY-----"
    for url, setting in (
        (pass_url(order, ticket), "WALLET_APPLE_KEY"),
        (google_url(order, ticket), "WALLET_GOOGLE"),
    ):
        answer = client.get(url, headers=INERTIA)
        assert answer.status_code == 503
        assert answer.json()["props"]["message"].startswith("Wallet passes cannot be made right now.")
        assert any(setting in record.getMessage() for record in caplog.records if record.levelname == "ERROR")
        caplog.clear()


def test_an_unreadable_credential_says_which_setting(settings, order, apple):
    settings.WALLET_APPLE_WWDR_CERTIFICATE = "/nonexistent/wwdr.pem"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="WALLET_APPLE_WWDR_CERTIFICATE"):
        wallet.apple_pass(tickets_of(order)[0], order)
    settings.WALLET_APPLE_WWDR_CERTIFICATE = str(apple.wwdr)
    settings.WALLET_APPLE_KEY_PASSWORD = "wrong"
    with pytest.raises(ImproperlyConfigured, match="WALLET_APPLE_KEY"):
        wallet.apple_pass(tickets_of(order)[0], order)


# --- Google Wallet ----------------------------------------------------------------------------


def test_the_google_link_is_a_jwt_signed_at_the_click(client, order, google, monkeypatch):
    ticket = tickets_of(order)[0]
    page = client.get(f"/orders/{order.code}/{order.secret}/")
    assert b"pay.google.com" not in page.content  # no signed link in the page
    props = page_props(client, order)
    assert "pay.google.com" not in json.dumps(props)

    # The click's clock differs from the page's: the token's iat is the click's.
    click = timezone.now() - dt.timedelta(minutes=5)
    monkeypatch.setattr(wallet.timezone, "now", lambda: click)
    response = client.get(google_url(order, ticket))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert location.startswith("https://pay.google.com/gp/v/save/")
    token = location.removeprefix("https://pay.google.com/gp/v/save/")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, google, algorithms=["RS256"], audience="google")
    assert claims["iat"] == int(click.timestamp())  # made at the click, not with the page
    assert claims["iss"] == "wallet@maticko-test.iam.gserviceaccount.com"
    assert claims["typ"] == "savetowallet"
    assert claims["origins"] == [SITE]
    (ticket_class,) = claims["payload"]["eventTicketClasses"]
    (ticket_object,) = claims["payload"]["eventTicketObjects"]
    assert ticket_object["barcode"] == {"type": "QR_CODE", "value": ticket.secret}
    assert ticket_object["classId"] == ticket_class["id"]
    assert ticket_class["id"] == f"3388000000012345678.maticko-event-{order.event.pk}-date-{order.date.pk}"
    assert ticket_object["id"].startswith(f"3388000000012345678.maticko-ticket-{ticket.pk}-")
    assert ticket.secret not in ticket_object["id"]
    assert ticket_object["ticketHolderName"] == "Zoë Łukasiewicz 李小龍"
    assert ticket_object["reservationInfo"] == {"confirmationCode": order.code}
    assert ticket_class["eventName"]["defaultValue"]["value"] == "Winter Concert"
    assert ticket_class["dateTime"]["start"] == "2031-12-04T19:30:00+01:00"

    # A key other than the operator's does not verify it.
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, new_key().public_key(), algorithms=["RS256"], audience="google")


def test_a_reissued_code_is_a_new_google_object(client, order, google):
    from sales.tickets import reissue_secret

    ticket = tickets_of(order)[0]
    before = wallet.google_claims(ticket, order)["payload"]["eventTicketObjects"][0]
    reissue_secret(ticket)
    after = wallet.google_claims(ticket, order)["payload"]["eventTicketObjects"][0]
    assert after["barcode"]["value"] == ticket.secret
    assert after["id"] != before["id"]
