"""Bad input in the back office: an inline error for each mistake, nothing saved, never a 500."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import Membership
from events.images import reencode_cover
from events.models import DateTicketType, Event, TicketType
from sales.models import Voucher
from tests.factories import make_event, make_member, make_organizer, make_ticket_type

pytestmark = pytest.mark.django_db

VALID_EVENT = {
    "title": "Autumn Concert",
    "slug": "",
    "description": "Strings and brass.",
    "venue_name": "City Hall",
    "venue_address": "Main Square 1",
    "is_online": False,
    "timezone": "Europe/Vienna",
    "starts_at": "2031-10-01T19:30",
    "ends_at": "2031-10-01T22:00",
    "currency": "EUR",
    "capacity": "",
}
VALID_TICKET_TYPE = {
    "name": "Standard",
    "description": "",
    "price": "25.00",
    "capacity": "100",
    "sales_start": "",
    "sales_end": "",
    "min_per_order": "1",
    "max_per_order": "10",
    "hidden": False,
}


@pytest.fixture
def organizer():
    return make_organizer(slug="acme")


@pytest.fixture
def client(organizer):
    client = Client()
    client.force_login(make_member(organizer, role=Membership.Role.MANAGER))
    return client


def post_json(client, url, data):
    return client.post(
        url, data=json.dumps(data), content_type="application/json", headers={"X-Inertia": "true"}
    )


def errors_of(response) -> dict:
    assert response.status_code == 422, response.content[:500]
    return response.json()["props"]["errors"]


def test_a_valid_event_is_created_with_times_in_its_own_zone(client):
    response = post_json(client, "/manage/acme/events/new/", VALID_EVENT)
    assert response.status_code == 302
    event = Event.objects.get(slug="autumn-concert")
    assert event.status == Event.Status.DRAFT
    assert event.starts_at.isoformat() == "2031-10-01T17:30:00+00:00"  # 19:30 in Vienna (CEST)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2031-10-01T18:00"}, "ends_at", "cannot end before it starts"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "not a known time zone"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217"),
        ({"title": ""}, "title", "required"),
        ({"starts_at": "next tuesday"}, "starts_at", "valid date"),
        ({"venue_name": "", "is_online": False}, "venue_name", "Give the venue"),
        ({"capacity": "-5"}, "capacity", "greater than or equal to 0"),
    ],
)
def test_invalid_events_are_refused_with_a_field_error(client, changes, field, message):
    errors = errors_of(post_json(client, "/manage/acme/events/new/", {**VALID_EVENT, **changes}))
    assert message in errors[field]
    assert Event.objects.count() == 0


def test_duplicate_slug_is_refused(client, organizer):
    make_event(organizer=make_organizer(), slug="autumn-concert")
    errors = errors_of(
        post_json(client, "/manage/acme/events/new/", {**VALID_EVENT, "slug": "autumn-concert"})
    )
    assert "already uses this URL name" in errors["slug"]
    assert Event.objects.filter(organizer=organizer).count() == 0


def _png(size: tuple[int, int] = (60, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_cover_image_upload_is_validated(client, organizer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    form = {k: str(v).lower() if isinstance(v, bool) else v for k, v in VALID_EVENT.items()}
    not_an_image = SimpleUploadedFile("cover.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = client.post(
        "/manage/acme/events/new/", {**form, "cover_image": not_an_image}, headers={"X-Inertia": "true"}
    )
    assert "valid image" in errors_of(response)["cover_image"]

    huge = SimpleUploadedFile("cover.png", _png() + b"\0" * (5 * 1024 * 1024), content_type="image/png")
    response = client.post(
        "/manage/acme/events/new/", {**form, "cover_image": huge}, headers={"X-Inertia": "true"}
    )
    assert "larger than 5 MB" in errors_of(response)["cover_image"]
    assert Event.objects.count() == 0

    good = SimpleUploadedFile("cover.png", _png(), content_type="image/png")
    response = client.post(
        "/manage/acme/events/new/", {**form, "cover_image": good}, headers={"X-Inertia": "true"}
    )
    assert response.status_code == 302
    stored = Event.objects.get().cover_image.name
    assert stored is not None
    assert stored.startswith("events/covers/")


def _jpeg_with_gps(size: tuple[int, int]) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 5.0, 0.0), 3: "E", 4: (14.0, 25.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "JPEG", exif=exif, comment=b"taken at home")
    return buffer.getvalue()


def _upload(client, form, name, data):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(
        "/manage/acme/events/new/", {**form, "cover_image": upload}, headers={"X-Inertia": "true"}
    )


def test_cover_images_are_reencoded_without_metadata_and_capped_in_pixels(
    client, organizer, settings, tmp_path
):
    """Security review L-5: the GPS position of an organizer's photo is not published, a
    huge picture is scaled down, and a decompression bomb is refused before decoding."""
    settings.MEDIA_ROOT = tmp_path
    form = {k: str(v).lower() if isinstance(v, bool) else v for k, v in VALID_EVENT.items()}
    original = _jpeg_with_gps((5000, 1000))
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)

    assert _upload(client, form, "holiday.jpeg", original).status_code == 302
    event = Event.objects.get()
    with event.cover_image.open("rb") as stored_file:
        stored = stored_file.read()
    assert str(event.cover_image.name).endswith(".jpg")
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG"
    assert picture.size == (4000, 800)
    assert not picture.getexif()
    assert b"PhoneMaker" not in stored
    assert b"taken at home" not in stored
    event.delete()

    # 9,400 x 9,400 pixels of one colour: a small file, 88 megapixels once decoded.
    bomb = io.BytesIO()
    Image.new("1", (9400, 9400)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 200_000
    response = _upload(client, form, "bomb.png", bomb.getvalue())
    assert "megapixels" in errors_of(response)["cover_image"]
    assert Event.objects.count() == 0

    # Bytes appended to a valid PNG (a polyglot) do not survive the re-encoding.
    assert _upload(client, form, "cover.png", _png() + b"<script>alert(1)</script>").status_code == 302
    with Event.objects.get().cover_image.open("rb") as stored_file:
        assert b"<script>" not in stored_file.read()


@pytest.mark.parametrize(
    ("kind", "mode", "extension"),
    [("PNG", "P", ".png"), ("PNG", "RGBA", ".png"), ("WEBP", "RGBA", ".webp"), ("JPEG", "CMYK", ".jpg")],
)
def test_each_format_stays_itself_with_its_transparency(kind, mode, extension):
    source = Image.new(mode, (30, 30))
    buffer = io.BytesIO()
    source.save(buffer, kind, **({"transparency": 0} if mode == "P" else {}))
    stored = reencode_cover(SimpleUploadedFile("x", buffer.getvalue()), "cover.upload")
    assert stored.name == f"cover{extension}"
    picture = Image.open(io.BytesIO(stored.read()))
    assert picture.format == kind
    assert picture.size == (30, 30)
    if mode in ("P", "RGBA"):
        assert picture.mode == "RGBA" or "transparency" in picture.info


def test_event_capacity_cannot_drop_below_tickets_already_allocated(client, organizer):
    event = make_event(organizer=organizer, slug="busy", capacity=100)
    make_ticket_type(event, capacity=100)
    # As the stock service records sales: the ticket type's counter and the date's own.
    DateTicketType.objects.filter(date__event=event).update(allocated=40)
    event.dates.update(allocated=40)
    data = {**VALID_EVENT, "slug": "busy", "capacity": "30"}
    errors = errors_of(post_json(client, "/manage/acme/events/busy/", data))
    assert "40 tickets are already sold or reserved" in errors["capacity"]
    event.refresh_from_db()
    assert event.capacity == 100


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"price": "-1.00"}, "price", "greater than or equal to 0"),
        ({"price": "abc"}, "price", "Enter a number"),
        (
            {"sales_start": "2031-05-02T10:00", "sales_end": "2031-05-01T10:00"},
            "sales_end",
            "end after they start",
        ),
        ({"min_per_order": "5", "max_per_order": "2"}, "max_per_order", "cannot be below the minimum"),
        ({"capacity": "0"}, "capacity", "greater than or equal to 1"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_invalid_ticket_types_are_refused_with_a_field_error(client, organizer, changes, field, message):
    event = make_event(organizer=organizer, slug="gig")
    errors = errors_of(
        post_json(client, "/manage/acme/events/gig/ticket-types/", {**VALID_TICKET_TYPE, **changes})
    )
    assert message in errors[f"new.{field}"]
    assert not TicketType.objects.filter(event=event).exists()


def test_ticket_type_capacity_cannot_drop_below_sold(client, organizer):
    event = make_event(organizer=organizer, slug="gig")
    ticket_type = make_ticket_type(event, capacity=50)
    DateTicketType.objects.filter(ticket_type=ticket_type).update(allocated=20)
    url = f"/manage/acme/events/gig/ticket-types/{ticket_type.pk}/"
    errors = errors_of(post_json(client, url, {**VALID_TICKET_TYPE, "capacity": "10"}))
    assert "20 tickets are already sold or reserved" in errors[f"{ticket_type.pk}.capacity"]
    ticket_type.refresh_from_db()
    assert ticket_type.capacity == 50


def test_ticket_type_with_sales_cannot_be_deleted(client, organizer):
    event = make_event(organizer=organizer, slug="gig")
    sold, unsold = make_ticket_type(event), make_ticket_type(event)
    DateTicketType.objects.filter(ticket_type=sold).update(allocated=1)
    response = post_json(client, f"/manage/acme/events/gig/ticket-types/{sold.pk}/", {"action": "delete"})
    assert "cannot be deleted" in errors_of(response)[f"{sold.pk}.form"]
    assert (
        post_json(
            client, f"/manage/acme/events/gig/ticket-types/{unsold.pk}/", {"action": "delete"}
        ).status_code
        == 302
    )
    assert list(TicketType.objects.filter(event=event)) == [sold]


def test_ticket_types_are_reordered(client, organizer):
    event = make_event(organizer=organizer, slug="gig")
    first, _, third = (make_ticket_type(event, name=n) for n in ("A", "B", "C"))
    post_json(client, f"/manage/acme/events/gig/ticket-types/{third.pk}/", {"action": "up"})
    assert [t.name for t in event.ticket_types.all()] == ["A", "C", "B"]
    post_json(client, f"/manage/acme/events/gig/ticket-types/{first.pk}/", {"action": "up"})  # already first
    assert [t.name for t in event.ticket_types.all()] == ["A", "C", "B"]


def test_publishing_needs_a_ticket_type_and_a_future_event(client, organizer):
    make_event(organizer=organizer, slug="empty", status=Event.Status.DRAFT)
    response = post_json(client, "/manage/acme/events/empty/publish/", {})
    assert "Add at least one ticket type" in errors_of(response)["status"]
    assert Event.objects.get(slug="empty").status == Event.Status.DRAFT


def test_invalid_status_changes_are_refused(client, organizer):
    make_event(organizer=organizer, slug="gone", status=Event.Status.CANCELLED)
    response = post_json(client, "/manage/acme/events/gone/publish/", {})
    assert errors_of(response)["status"] == "This event is cancelled; it cannot be published or unpublished."


VALID_VOUCHER = {
    "code": "early-bird",
    "kind": "percent",
    "value": "15",
    "max_usages": "20",
    "valid_from": "",
    "valid_until": "",
}


def test_vouchers_are_created_and_validated(client, organizer):
    event = make_event(organizer=organizer, slug="gig")
    hidden = make_ticket_type(event, hidden=True)
    response = post_json(
        client, "/manage/acme/events/gig/vouchers/", {**VALID_VOUCHER, "ticket_types": [hidden.pk]}
    )
    assert response.status_code == 302
    voucher = Voucher.objects.get(event=event)
    assert (voucher.code, voucher.max_usages, list(voucher.ticket_types.all())) == (
        "EARLY-BIRD",
        20,
        [hidden],
    )
    cases: list[tuple[dict[str, object], str, str]] = [
        ({"code": "early-bird"}, "code", "already has a voucher"),
        ({"code": "no spaces!"}, "code", "letters, digits"),
        ({"value": "150"}, "value", "cannot exceed 100"),
        ({"value": "-5", "kind": "amount"}, "value", "cannot be negative"),
        ({"max_usages": "0"}, "max_usages", "greater than or equal to 1"),
        (
            {"code": "X1", "valid_from": "2031-01-02T00:00", "valid_until": "2031-01-01T00:00"},
            "valid_until",
            "end after",
        ),
        ({"code": "X2", "ticket_types": [make_ticket_type(make_event()).pk]}, "ticket_types", "valid choice"),
    ]
    for changes, field, message in cases:
        errors = errors_of(
            post_json(client, "/manage/acme/events/gig/vouchers/", {**VALID_VOUCHER, **changes})
        )
        assert message in errors[f"voucher.{field}"], (changes, errors)
    assert Voucher.objects.filter(event=event).count() == 1


def test_a_voucher_without_a_code_gets_a_long_random_one(client, organizer):
    """Security review M-4: the default code cannot be guessed."""
    event = make_event(organizer=organizer, slug="gig")
    for _ in range(2):
        assert (
            post_json(client, "/manage/acme/events/gig/vouchers/", {**VALID_VOUCHER, "code": " "}).status_code
            == 302
        )
    codes = list(Voucher.objects.filter(event=event).values_list("code", flat=True))
    assert len(set(codes)) == 2
    for code in codes:
        assert re.fullmatch(r"[A-HJKMNP-TV-Z2-9]{4}(-[A-HJKMNP-TV-Z2-9]{4}){3}", code), code


def test_checkout_settings_are_saved_with_the_event(client, organizer):
    make_event(organizer=organizer, slug="busy")
    data = {
        **VALID_EVENT,
        "slug": "busy",
        "hold_minutes": "15",
        "collect_attendee_names": True,
        "payment_methods": ["offline"],
    }
    assert post_json(client, "/manage/acme/events/busy/", data).status_code == 302
    event = Event.objects.get(slug="busy")
    assert (event.hold_minutes, event.collect_attendee_names, event.payment_methods) == (
        15,
        True,
        ["offline"],
    )
    errors = errors_of(post_json(client, "/manage/acme/events/busy/", {**data, "hold_minutes": "500"}))
    assert "less than or equal to 60" in errors["hold_minutes"]
    errors = errors_of(post_json(client, "/manage/acme/events/busy/", {**data, "payment_methods": ["cash"]}))
    assert "valid choice" in errors["payment_methods"]
