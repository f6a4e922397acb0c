"""A ticket in the buyer's phone wallet: an Apple Wallet pass (.pkpass) and a Google Wallet
"Save to Google Wallet" link.

Both carry the ticket's secret as their QR code, exactly as the PDF ticket and the order
page encode it (``sales.tickets``), so the door scans a wallet pass like any other ticket:
the pass is a copy of the ticket, never a second ticket. A ticket whose order is refunded
or cancelled (or whose date or event is cancelled) gets no pass; a ticket that waits for
its payment gets one, as it gets its row on the order page, and the door refuses it until
the payment arrives (``checkin.services``).

The operator's credentials come from the environment (settings ``WALLET_*``); each wallet
is offered only when all of its settings are set. Certificates and keys are given as PEM
text or as the path of a PEM file.

Apple: a zip of ``pass.json``, its images, ``manifest.json`` (the SHA-1 of every other
file) and ``signature``, a detached PKCS#7 signature (DER) of the manifest by the pass
type certificate, with Apple's WWDR intermediate certificate included.

Google: a JWT signed RS256 with the operator's service account key, holding the event's
ticket class and the ticket's object; Google creates them when the buyer saves the pass.
It is minted when the buyer clicks (``google_save_url``), never written into a page or an
email, so a link copied from a page holds no signed token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from PIL import Image, ImageDraw

from core.text import single_line
from core.translated import resolve
from sales.models import Order, Ticket, order_url
from sales.tickets import TicketState, ticket_state

GOOGLE_SAVE_URL = "https://pay.google.com/gp/v/save/"
PKPASS_CONTENT_TYPE = "application/vnd.apple.pkpass"
# Wallet's colours: the PDF ticket's indigo band and white text.
_BACKGROUND = (79, 70, 229)
_FOREGROUND = (255, 255, 255)
_LABEL = (224, 231, 255)

# The states whose tickets may go into a wallet: those the order page lists as tickets of
# the buyer. Refunded and cancelled tickets never get in, so they get no pass.
_PASSABLE = frozenset({TicketState.VALID, TicketState.NOT_YET_VALID})


def ticket_passable(ticket: Ticket, order: Order) -> bool:
    """Whether ``ticket`` of ``order`` (its event and date loaded) may go into a wallet."""
    return ticket_state(ticket, order) in _PASSABLE


def ticket_pass_url(order: Order, ticket: Ticket, base_url: str) -> str:
    """The ticket's Apple Wallet pass, under the order's secret link ("sales:ticket_pkpass")."""
    return f"{order_url(order, base_url)}tickets/{ticket.pk}/wallet.pkpass"


def ticket_google_url(order: Order, ticket: Ticket, base_url: str) -> str:
    """The route that mints the ticket's Google Wallet link on click ("sales:ticket_google_wallet")."""
    return f"{order_url(order, base_url)}tickets/{ticket.pk}/google-wallet/"


@dataclass(frozen=True)
class TicketPassLinks:
    """Where one ticket's wallet passes are, for the wallets the operator configured."""

    ticket: Ticket
    apple_url: str | None
    google_url: str | None


def pass_links(order: Order, tickets: Iterable[Ticket], base_url: str) -> list[TicketPassLinks]:
    """The wallet links of ``order``'s ``tickets`` that may go into a wallet (the order page's
    buttons, the confirmation email's links); none when no wallet is configured."""
    apple, google = apple_configured(), google_configured()
    if not (apple or google):
        return []
    return [
        TicketPassLinks(
            ticket=ticket,
            apple_url=ticket_pass_url(order, ticket, base_url) if apple else None,
            google_url=ticket_google_url(order, ticket, base_url) if google else None,
        )
        for ticket in tickets
        if ticket_passable(ticket, order)
    ]


# --- Credentials ----------------------------------------------------------------------------


def _pem(setting: str, value: str) -> bytes:
    """A PEM setting's bytes: the text itself, or the file it names."""
    if "-----BEGIN" in value:
        # Environment files often carry PEM text with escaped line breaks.
        return value.replace("\\n", "\n").encode()
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        message = f"{setting}: cannot read the PEM file {value!r} ({exc.strerror})."
        raise ImproperlyConfigured(message) from exc


SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _private_key(setting: str, value: str, password: str = "") -> SigningKey:
    try:
        key = serialization.load_pem_private_key(_pem(setting, value), password.encode() or None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{setting}: not a PEM private key, or a wrong password.") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(f"{setting}: an RSA or EC private key is needed.")
    return key


def _certificate(setting: str, value: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(_pem(setting, value))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{setting}: not a PEM certificate.") from exc


@dataclass(frozen=True)
class AppleSigner:
    pass_type_id: str
    team_id: str
    certificate: x509.Certificate
    key: SigningKey
    wwdr: x509.Certificate


def apple_configured() -> bool:
    """Whether the operator set every Apple Wallet setting (the key's password is optional)."""
    return all(
        (
            settings.WALLET_APPLE_PASS_TYPE_ID,
            settings.WALLET_APPLE_TEAM_ID,
            settings.WALLET_APPLE_CERTIFICATE,
            settings.WALLET_APPLE_KEY,
            settings.WALLET_APPLE_WWDR_CERTIFICATE,
        )
    )


def google_configured() -> bool:
    """Whether the operator set every Google Wallet setting."""
    return all(
        (
            settings.WALLET_GOOGLE_ISSUER_ID,
            settings.WALLET_GOOGLE_SERVICE_ACCOUNT_EMAIL,
            settings.WALLET_GOOGLE_PRIVATE_KEY,
        )
    )


@cache
def _apple_signer(
    pass_type_id: str, team_id: str, certificate: str, key: str, password: str, wwdr: str
) -> AppleSigner:
    # Cached per value: the files are read and parsed once per process.
    return AppleSigner(
        pass_type_id=pass_type_id,
        team_id=team_id,
        certificate=_certificate("WALLET_APPLE_CERTIFICATE", certificate),
        key=_private_key("WALLET_APPLE_KEY", key, password),
        wwdr=_certificate("WALLET_APPLE_WWDR_CERTIFICATE", wwdr),
    )


def apple_signer() -> AppleSigner:
    """The pass type's certificate and key (raises ImproperlyConfigured when unusable)."""
    return _apple_signer(
        settings.WALLET_APPLE_PASS_TYPE_ID,
        settings.WALLET_APPLE_TEAM_ID,
        settings.WALLET_APPLE_CERTIFICATE,
        settings.WALLET_APPLE_KEY,
        settings.WALLET_APPLE_KEY_PASSWORD,
        settings.WALLET_APPLE_WWDR_CERTIFICATE,
    )


@cache
def _google_key(value: str) -> rsa.RSAPrivateKey:
    key = _private_key("WALLET_GOOGLE_PRIVATE_KEY", value)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("WALLET_GOOGLE_PRIVATE_KEY: Google's RS256 needs an RSA key.")
    return key


# --- The pass's content -----------------------------------------------------------------------


def _secret_digest(ticket: Ticket) -> str:
    """A short digest of the ticket's secret: it changes when the secret is reissued, and
    does not reveal the secret (ids are seen by more systems than the barcode)."""
    return hashlib.sha256(ticket.secret.encode()).hexdigest()[:16]


def _local_iso(moment: dt.datetime, order: Order) -> str:
    return moment.astimezone(order.event.tz).isoformat(timespec="seconds")


@dataclass(frozen=True)
class _TicketFacts:
    """What both wallets show, in one place, as one-line text."""

    title: str
    organizer: str
    venue: str
    ticket_type: str
    attendee: str
    starts_at: str
    ends_at: str


def _facts(ticket: Ticket, order: Order) -> _TicketFacts:
    event, date = order.event, order.date
    date.event = event  # the same row: the date's venue falls back to the event's
    return _TicketFacts(
        title=single_line(resolve(event, "title")),
        organizer=single_line(event.organizer.name),
        venue=single_line(date.venue_label),
        ticket_type=single_line(resolve(ticket.ticket_type, "name")),
        attendee=single_line(ticket.attendee_name or order.buyer_name),
        starts_at=_local_iso(date.starts_at, order),
        ends_at=_local_iso(date.ends_at, order),
    )


def pass_json(ticket: Ticket, order: Order, signer: AppleSigner) -> dict[str, Any]:
    """The pass.json of ``ticket``: an eventTicket whose QR code is the ticket's secret."""
    facts = _facts(ticket, order)
    barcode = {"format": "PKBarcodeFormatQR", "message": ticket.secret, "messageEncoding": "iso-8859-1"}
    # Times in the event's zone, shown as they are wherever the phone is (ignoresTimeZone),
    # like every time Maticko shows a buyer.
    when = {
        "key": "starts",
        "label": "WHEN",
        "value": facts.starts_at,
        "dateStyle": "PKDateStyleMedium",
        "timeStyle": "PKDateStyleShort",
        "ignoresTimeZone": True,
    }
    back = [
        {"key": "order", "label": "Order", "value": order.code},
        {"key": "organizer", "label": "Organizer", "value": facts.organizer},
        {"key": "timezone", "label": "Time zone", "value": order.event.timezone},
        {"key": "terms", "label": "Entry", "value": "Each ticket admits one person, once."},
    ]
    if ticket_state(ticket, order) == TicketState.NOT_YET_VALID:
        back.insert(0, {"key": "payment", "label": "Payment", "value": "Valid once the payment arrives."})
    return {
        "formatVersion": 1,
        "passTypeIdentifier": signer.pass_type_id,
        "teamIdentifier": signer.team_id,
        # Stable per ticket: adding the pass again (after a reissued code) replaces the old one.
        "serialNumber": f"ticket-{ticket.pk}",
        "organizationName": facts.organizer,
        "description": f"Ticket for {facts.title}",
        "logoText": facts.organizer[:30],
        "backgroundColor": "rgb({}, {}, {})".format(*_BACKGROUND),
        "foregroundColor": "rgb({}, {}, {})".format(*_FOREGROUND),
        "labelColor": "rgb({}, {}, {})".format(*_LABEL),
        "relevantDate": facts.starts_at,
        "expirationDate": facts.ends_at,
        "barcodes": [barcode],
        "barcode": barcode,  # iOS 8 and older read only this one
        "eventTicket": {
            "primaryFields": [{"key": "event", "label": "EVENT", "value": facts.title}],
            "secondaryFields": [
                {"key": "attendee", "label": "ATTENDEE", "value": facts.attendee},
                {"key": "ticket_type", "label": "TICKET", "value": facts.ticket_type},
            ],
            "auxiliaryFields": [when, {"key": "venue", "label": "VENUE", "value": facts.venue}],
            "backFields": back,
        },
    }


def _png(width: int, height: int) -> bytes:
    """A small indigo tile with a white ticket stub: the pass's icon and logo."""
    image = Image.new("RGBA", (width, height), (*_BACKGROUND, 255))
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    margin = side // 5
    left, top = margin, margin
    right, bottom = left + side - 2 * margin, side - margin
    draw.rounded_rectangle((left, top, right, bottom), radius=max(1, side // 10), fill=(*_FOREGROUND, 255))
    notch = max(1, side // 8)
    middle = (top + bottom) // 2
    for x in (left, right):
        draw.ellipse((x - notch, middle - notch, x + notch, middle + notch), fill=(*_BACKGROUND, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@cache
def pass_images() -> dict[str, bytes]:
    """The pass's images (Apple's sizes in points, @2x for Retina screens)."""
    return {
        "icon.png": _png(29, 29),
        "icon@2x.png": _png(58, 58),
        "logo.png": _png(50, 50),
        "logo@2x.png": _png(100, 100),
    }


def manifest(files: dict[str, bytes]) -> bytes:
    """manifest.json: every file's SHA-1, in hex (Apple's format)."""
    digests = {name: hashlib.sha1(content).hexdigest() for name, content in sorted(files.items())}  # noqa: S324
    return json.dumps(digests).encode()


def sign_manifest(content: bytes, signer: AppleSigner) -> bytes:
    """A detached PKCS#7 signature (DER) of ``content`` by the pass type certificate, with
    the WWDR intermediate included so a phone can follow the chain to Apple's root."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .add_certificate(signer.wwdr)
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )


def apple_pass(ticket: Ticket, order: Order) -> bytes:
    """The signed .pkpass of ``ticket`` (its order's event, organizer and date loaded)."""
    signer = apple_signer()
    files = {"pass.json": json.dumps(pass_json(ticket, order, signer), ensure_ascii=False).encode()}
    files.update(pass_images())
    manifest_json = manifest(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("manifest.json", manifest_json)
        archive.writestr("signature", sign_manifest(manifest_json, signer))
    return buffer.getvalue()


def pass_filename(ticket: Ticket, order: Order) -> str:
    return f"ticket-{order.code}-{ticket.pk}.pkpass"


# --- Google Wallet ----------------------------------------------------------------------------

# Google's ids are "<issuer id>.<suffix>", the suffix of letters, digits, ".", "_" and "-".
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9._-]")


def _localized(text: str) -> dict[str, Any]:
    return {"defaultValue": {"language": "en", "value": text}}


def google_class_id(order: Order) -> str:
    """The event ticket class of the order's date: the issuer's id, the event and the date."""
    issuer = settings.WALLET_GOOGLE_ISSUER_ID
    return f"{issuer}.{_UNSAFE_ID.sub('_', f'maticko-event-{order.event.pk}-date-{order.date.pk}')}"


def google_object_id(ticket: Ticket) -> str:
    # Google keeps the first object saved under an id, so a reissued code gets a new id.
    return f"{settings.WALLET_GOOGLE_ISSUER_ID}.maticko-ticket-{ticket.pk}-{_secret_digest(ticket)}"


def _site_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def google_claims(ticket: Ticket, order: Order, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The claims of the "Save to Google Wallet" JWT of ``ticket``."""
    facts = _facts(ticket, order)
    ticket_class = {
        "id": google_class_id(order),
        "issuerName": facts.organizer,
        "reviewStatus": "UNDER_REVIEW",
        "eventName": _localized(facts.title),
        "venue": {"name": _localized(facts.venue), "address": _localized(facts.venue)},
        "dateTime": {"start": facts.starts_at, "end": facts.ends_at},
    }
    ticket_object = {
        "id": google_object_id(ticket),
        "classId": ticket_class["id"],
        "state": "ACTIVE",
        "barcode": {"type": "QR_CODE", "value": ticket.secret},
        "ticketHolderName": facts.attendee,
        "ticketType": _localized(facts.ticket_type),
        "reservationInfo": {"confirmationCode": order.code},
    }
    return {
        "iss": settings.WALLET_GOOGLE_SERVICE_ACCOUNT_EMAIL,
        "aud": "google",
        "typ": "savetowallet",
        "iat": int((now or timezone.now()).timestamp()),
        "origins": [_site_origin()],
        "payload": {"eventTicketClasses": [ticket_class], "eventTicketObjects": [ticket_object]},
    }


def google_save_url(ticket: Ticket, order: Order, *, now: dt.datetime | None = None) -> str:
    """Google's "save to wallet" address for ``ticket``, with a JWT signed now."""
    token = jwt.encode(
        google_claims(ticket, order, now=now),
        _google_key(settings.WALLET_GOOGLE_PRIVATE_KEY),
        algorithm="RS256",
    )
    return f"{GOOGLE_SAVE_URL}{token}"
