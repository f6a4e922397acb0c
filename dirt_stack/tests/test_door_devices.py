"""The door's devices: pairing, the snapshot and change feed, offline uploads, double
admissions, exits and the counts per gate (checkin/README.md)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from checkin import devices, gates, services, sync
from checkin.door_keys import door_key, order_key, unseal
from checkin.models import CheckIn, CheckInList, DeviceLogEntry, DoorChange
from sales import lifecycle, order_actions, pricing, purchase
from sales.audit import Actor
from sales.models import Order
from sales.tickets import reissue_secret
from tests.factories import make_event, make_member, make_organizer, make_ticket_type, only_date

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.DEMO_PAYMENTS = True
    settings.PURCHASE_RATE_LIMIT = 0


@pytest.fixture
def world():
    organizer = make_organizer(slug="acme")
    event = make_event(organizer=organizer, slug="gig", timezone="Europe/Prague")
    standard = make_ticket_type(event, name="Standard", price=Decimal("10.00"))
    main = CheckInList.objects.create(event=event, name="Main entrance", allow_exits=True)
    return {
        "organizer": organizer,
        "event": event,
        "standard": standard,
        "main": main,
        "manager": make_member(organizer, role=Membership.Role.MANAGER),
    }


def buy(world, name="Ana Attendee", method="demo", email="ana@example.com") -> Order:
    details = pricing.BuyerDetails(
        name="Ana Buyer", email=email, payment_method=method, attendee_names=[name]
    )
    return purchase.place_order(
        only_date(world["event"]), {world["standard"].pk: 1}, details, base_url="http://testserver/"
    ).order


def paired(world, gate="A", lists=None) -> tuple[Client, int]:
    device, code = devices.create_device(
        world["event"], name=f"Phone {gate}", gate=gate, lists=lists, actor=world["manager"]
    )
    answer = Client().post("/api/v1/door/pair", {"code": code}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return Client(headers={"Authorization": f"Bearer {answer.json()['token']}"}), device.pk


def upload(client: Client, *scans: dict) -> list[dict]:
    answer = client.post("/api/v1/door/scans", {"scans": list(scans)}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def offline_scan(world, ticket, at: dt.datetime, kind="entry", nonce=None) -> dict:
    return {
        "nonce": str(nonce or uuid.uuid4()),
        "key": door_key(ticket.secret),
        "list_id": world["main"].pk,
        "kind": kind,
        "scanned_at": at.isoformat(),
    }


def snapshot_of(client: Client, world) -> dict:
    answer = client.get(f"/api/v1/door/lists/{world['main'].pk}/snapshot")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_a_device_pairs_once_with_its_code_and_is_refused_once_revoked(world):
    device, code = devices.create_device(
        world["event"], name="Phone", gate="A", lists=None, actor=world["manager"]
    )
    assert code not in device.pairing_code_hash  # only a hash is kept
    pairing = Client().post("/api/v1/door/pair", {"code": code.lower()}, content_type="application/json")
    assert pairing.status_code == 200
    body = pairing.json()
    assert body["device"]["gate"] == "A"
    assert [lst["name"] for lst in body["device"]["lists"]] == ["Main entrance"]
    token = body["token"]
    again = Client().post("/api/v1/door/pair", {"code": code}, content_type="application/json")
    assert again.status_code == 404  # spent
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/v1/door/device").status_code == 200
    assert devices.revoke(device, world["manager"])
    assert client.get("/api/v1/door/device").status_code == 401
    actions = list(
        DeviceLogEntry.objects.filter(device=device).order_by("at", "id").values_list("action", flat=True)
    )
    assert actions == ["created", "paired", "revoked"]


def test_an_expired_or_wrong_code_pairs_nothing_and_organizer_tokens_are_no_device_tokens(world):
    device, code = devices.create_device(world["event"], name="Phone", gate="A", lists=None, actor=None)
    device.pairing_expires_at = timezone.now() - dt.timedelta(seconds=1)
    device.save()
    for attempt in (code, "", "A" * 40, "\x00" * 12):
        answer = Client().post("/api/v1/door/pair", {"code": attempt}, content_type="application/json")
        assert answer.status_code in (404, 422)
    assert (
        Client(headers={"Authorization": "Bearer mtk_whatever"}).get("/api/v1/door/device").status_code == 401
    )


def test_a_device_sees_only_its_lists(world):
    vip = CheckInList.objects.create(event=world["event"], name="VIP")
    client, _ = paired(world, lists=[vip])
    assert client.get(f"/api/v1/door/lists/{world['main'].pk}/snapshot").status_code == 404
    assert client.get(f"/api/v1/door/lists/{vip.pk}/snapshot").status_code == 200


def test_the_snapshot_holds_keys_and_sealed_data_never_the_attendees_name(world):
    valid = buy(world).tickets.get()
    unpaid = buy(world, name="Bob Pending", method="offline", email="bob@example.com").tickets.get()
    cancelled_order = buy(world, name="Cleo Cancelled", email="cleo@example.com")
    lifecycle.cancel(cancelled_order)
    client, _ = paired(world)
    answer = client.get(f"/api/v1/door/lists/{world['main'].pk}/snapshot")
    text = answer.content.decode()
    for personal in (
        "Ana Attendee",
        "Bob Pending",
        "Cleo",
        "ana@example.com",
        valid.secret,
        valid.order.code,
    ):
        assert personal not in text
    records = {r["key"]: r for r in answer.json()["tickets"]}
    assert records[door_key(valid.secret)]["refusal"] is None
    assert records[door_key(unpaid.secret)]["refusal"] == "unpaid"
    assert records[door_key(cancelled_order.tickets.get().secret)]["refusal"] == "order_cancelled"
    mine = records[door_key(valid.secret)]
    assert mine["order_key"] == order_key(valid.order.code.lower())
    assert unseal(valid.secret, mine["sealed"]) == {
        "name": "Ana Attendee",
        "email": "ana@example.com",
        "order_code": valid.order.code,
    }
    with pytest.raises(Exception):  # noqa: B017, PT011 - another ticket's secret opens nothing
        unseal(unpaid.secret, mine["sealed"])


def test_the_snapshot_pages_by_id(world):
    secrets = {door_key(buy(world, email=f"b{i}@example.com").tickets.get().secret) for i in range(5)}
    client, _ = paired(world)
    keys, after, pages = set(), 0, 0
    while after is not None:
        page = client.get(f"/api/v1/door/lists/{world['main'].pk}/snapshot?after={after}&limit=2").json()
        assert (page["cursor"] is not None) == (pages == 0)
        keys |= {r["key"] for r in page["tickets"]}
        after, pages = page["next_after"], pages + 1
    assert keys == secrets
    assert pages == 3


def test_the_change_feed_sends_new_cancelled_renamed_reissued_and_admitted_tickets(world, monkeypatch):
    monkeypatch.setattr(sync, "SETTLE", dt.timedelta(0))
    first = buy(world).tickets.get()
    client, _ = paired(world)
    cursor = snapshot_of(client, world)["cursor"]

    def feed() -> dict:
        nonlocal cursor
        answer = client.get(f"/api/v1/door/lists/{world['main'].pk}/changes", {"cursor": cursor})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        cursor = body["cursor"]
        return body

    assert feed()["tickets"] == []
    second = buy(world, email="b@example.com").tickets.get()
    assert [r["key"] for r in feed()["tickets"]] == [door_key(second.secret)]
    lifecycle.cancel(second.order)
    assert [r["refusal"] for r in feed()["tickets"]] == ["order_cancelled"]
    order_actions.change_attendee(first, "Ana Renamed", Actor(system="test"))
    renamed = feed()["tickets"]
    assert unseal(first.secret, renamed[0]["sealed"])["name"] == "Ana Renamed"
    old_key = door_key(first.secret)
    reissue_secret(first)
    reissued = feed()
    assert reissued["revoked"] == [old_key]
    assert [r["key"] for r in reissued["tickets"]] == [door_key(first.secret)]
    other, _ = paired(world, gate="B")
    scanned = other.post(
        f"/api/v1/door/lists/{world['main'].pk}/scan",
        {"secret": first.secret, "nonce": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert scanned.json()["outcome"] == "admitted"
    seen = feed()
    assert seen["tickets"][0]["admitted"]["gate"] == "B"
    assert seen["tickets"][0]["inside"]
    assert seen["status"]["total"] == {"entries": 1, "exits": 0, "inside": 1}
    assert feed()["tickets"] == []


def test_a_young_row_is_sent_again_until_it_settles(world):
    client, _ = paired(world)
    cursor = snapshot_of(client, world)["cursor"]
    ticket = buy(world).tickets.get()
    url = f"/api/v1/door/lists/{world['main'].pk}/changes"
    once = client.get(url, {"cursor": cursor}).json()
    twice = client.get(url, {"cursor": once["cursor"]}).json()
    assert (
        [r["key"] for r in once["tickets"]]
        == [r["key"] for r in twice["tickets"]]
        == [door_key(ticket.secret)]
    )
    # Not past a row younger than the settling window.
    assert sync.Cursor.parse(once["cursor"]).tickets < ticket.pk


@pytest.mark.parametrize(
    "cursor", ["", "v1.1.2", "v2.1.2.3", "v1.-1.0.0", "v1.1.1.1\x00", "v1." + "9" * 30 + ".0.0"]
)
def test_a_cursor_the_server_did_not_issue_is_refused_clearly(world, cursor):
    client, _ = paired(world)
    answer = client.get(f"/api/v1/door/lists/{world['main'].pk}/changes", {"cursor": cursor})
    assert answer.status_code in (400, 422)
    assert answer["Content-Type"].startswith("application/")


def test_an_upload_applies_once_and_the_same_batch_again_changes_nothing(world):
    ticket = buy(world).tickets.get()
    client, _ = paired(world)
    snapshot_of(client, world)
    now = timezone.now()
    batch = [offline_scan(world, ticket, now - dt.timedelta(minutes=5))]
    assert [a["result"] for a in upload(client, *batch)] == ["accepted"]
    rows = list(CheckIn.objects.values_list("pk", "flag", "offline", "gate"))
    assert [a["result"] for a in upload(client, *batch)] == ["duplicate"]
    assert (
        list(CheckIn.objects.values_list("pk", "flag", "offline", "gate"))
        == rows
        == [(rows[0][0], "", True, "A")]
    )


def test_two_devices_admitting_one_ticket_offline_keep_both_and_flag_the_later(world):
    ticket = buy(world).tickets.get()
    gate_a, _ = paired(world, gate="A")
    gate_b, _ = paired(world, gate="B")
    for client in (gate_a, gate_b):
        snapshot_of(client, world)
    now = timezone.now()
    # B's later scan arrives first; A's earlier one takes the admission when it arrives.
    assert (
        upload(gate_b, offline_scan(world, ticket, now - dt.timedelta(minutes=1)))[0]["result"] == "accepted"
    )
    assert (
        upload(gate_a, offline_scan(world, ticket, now - dt.timedelta(minutes=3)))[0]["result"] == "accepted"
    )
    rows = {c.gate: c.flag for c in CheckIn.objects.all()}
    assert rows == {"A": "", "B": CheckIn.Flag.DOUBLE_ADMISSION}
    report = gates.double_admissions(world["event"])
    assert len(report) == 1
    assert [(e["gate"], e["flagged"]) for e in report[0]["entries"]] == [("A", False), ("B", True)]
    assert report[0]["entries"][0]["scanned_at"] < report[0]["entries"][1]["scanned_at"]
    # A third, later scan is flagged at once.
    third = upload(gate_a, offline_scan(world, ticket, now))[0]
    assert (third["result"], third["reason"]) == ("conflict", "double_admission")
    assert CheckIn.objects.admissions().count() == 1


def test_an_offline_entry_of_a_void_ticket_is_kept_as_a_flagged_fact(world):
    order = buy(world)
    ticket = order.tickets.get()
    client, _ = paired(world)
    snapshot_of(client, world)
    lifecycle.cancel(order)
    answer = upload(client, offline_scan(world, ticket, timezone.now()))[0]
    assert (answer["result"], answer["reason"]) == ("conflict", "order_cancelled")
    assert list(CheckIn.objects.values_list("flag", flat=True)) == [CheckIn.Flag.VOID]
    assert CheckIn.objects.admissions().count() == 0


def test_uploads_naming_unknown_tickets_other_lists_or_far_times_keep_nothing(world):
    ticket = buy(world).tickets.get()
    other = CheckInList.objects.create(event=world["event"], name="Back door")
    client, _ = paired(world, lists=[world["main"]])
    snapshot_of(client, world)
    now = timezone.now()
    unknown = offline_scan(world, ticket, now) | {"key": "0" * 64}
    wrong_list = offline_scan(world, ticket, now) | {"list_id": other.pk}
    far = offline_scan(world, ticket, now.replace(year=now.year + 50))
    answers = upload(client, unknown, wrong_list, far)
    assert [(a["result"], a["reason"]) for a in answers] == [
        ("conflict", "unknown"),
        ("conflict", "not_this_devices_list"),
        ("conflict", "bad_time"),
    ]
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    "scans",
    [
        [{"nonce": "not-a-uuid", "key": "0" * 64, "list_id": 1, "scanned_at": "2026-01-01T00:00:00Z"}],
        [
            {
                "nonce": str(uuid.uuid4()),
                "key": "x\x00" * 32,
                "list_id": 1,
                "scanned_at": "2026-01-01T00:00:00Z",
            }
        ],
        [{"nonce": str(uuid.uuid4()), "key": "0" * 64, "list_id": 1, "scanned_at": "NaN"}],
        [
            {
                "nonce": str(uuid.uuid4()),
                "key": "0" * 64,
                "list_id": 2**70,
                "scanned_at": "2026-01-01T00:00:00Z",
            }
        ],
        [{"nonce": str(uuid.uuid4()), "key": "0" * 64, "list_id": 1, "kind": "teleport"}],
        [{"deep": json.loads("[" * 50 + "]" * 50)}],
    ],
)
def test_malformed_uploads_are_refused_with_a_readable_error(world, scans):
    client, _ = paired(world)
    answer = client.post("/api/v1/door/scans", {"scans": scans}, content_type="application/json")
    assert answer.status_code in (400, 422)
    assert answer.json()["detail"]
    assert CheckIn.objects.count() == 0


def test_a_batch_too_large_is_refused(world):
    client, _ = paired(world)
    scan = {"nonce": str(uuid.uuid4()), "key": "0" * 64, "list_id": 1, "scanned_at": "2026-01-01T00:00:00Z"}
    answer = client.post("/api/v1/door/scans", {"scans": [scan] * 501}, content_type="application/json")
    assert answer.status_code == 422


def test_exits_and_reentry_online(world):
    ticket = buy(world).tickets.get()
    client, _ = paired(world)
    url = f"/api/v1/door/lists/{world['main'].pk}/scan"

    def scan(kind: str, nonce: str | None = None) -> str:
        body = {"secret": ticket.secret, "kind": kind, "nonce": nonce or str(uuid.uuid4())}
        return client.post(url, body, content_type="application/json").json()["outcome"]

    assert scan("exit") == "refused"  # not inside yet
    nonce = str(uuid.uuid4())
    assert scan("entry", nonce) == "admitted"
    assert scan("entry", nonce) == "admitted"  # the same scan asked again: answered the same
    assert scan("entry") == "already_checked_in"
    assert scan("exit") == "exited"
    assert scan("exit") == "refused"
    assert scan("entry") == "admitted"  # back in
    assert list(CheckIn.objects.order_by("id").values_list("kind", "reentry")) == [
        ("entry", False),
        ("exit", False),
        ("entry", True),
    ]
    assert CheckIn.objects.admissions().count() == 1


def test_a_list_without_exits_refuses_them(world):
    ticket = buy(world).tickets.get()
    world["main"].allow_exits = False
    world["main"].save()
    client, _ = paired(world)
    body = {"secret": ticket.secret, "kind": "exit", "nonce": str(uuid.uuid4())}
    answer = client.post(f"/api/v1/door/lists/{world['main'].pk}/scan", body, content_type="application/json")
    assert answer.json()["outcome"] == "refused"


def test_gate_counts_30_in_at_a_20_at_b_5_out_at_a(world):
    tickets = [buy(world, email=f"p{i}@example.com").tickets.get() for i in range(50)]
    gate_a, _ = paired(world, gate="A")
    gate_b, _ = paired(world, gate="B")
    for client in (gate_a, gate_b):
        snapshot_of(client, world)
    now = timezone.now() - dt.timedelta(minutes=10)
    results = upload(gate_a, *(offline_scan(world, t, now) for t in tickets[:30]))
    results += upload(gate_b, *(offline_scan(world, t, now) for t in tickets[30:]))
    results += upload(
        gate_a, *(offline_scan(world, t, now + dt.timedelta(minutes=5), kind="exit") for t in tickets[:5])
    )
    assert {r["result"] for r in results} == {"accepted"}
    status = gates.door_status(world["event"])
    assert status["gates"] == [
        {"gate": "A", "entries": 30, "exits": 5, "inside": 25},
        {"gate": "B", "entries": 20, "exits": 0, "inside": 20},
    ]
    assert status["total"] == {"entries": 50, "exits": 5, "inside": 45}
    assert status["lists"] == [
        {"id": world["main"].pk, "name": "Main entrance", "entries": 50, "exits": 5, "inside": 45}
    ]


def test_undo_takes_back_every_passage_and_tells_the_devices(world, monkeypatch):
    monkeypatch.setattr(sync, "SETTLE", dt.timedelta(0))
    ticket = buy(world).tickets.get()
    client, _ = paired(world)
    url = f"/api/v1/door/lists/{world['main'].pk}/scan"
    for kind in ("entry", "exit", "entry"):
        client.post(
            url,
            {"secret": ticket.secret, "kind": kind, "nonce": str(uuid.uuid4())},
            content_type="application/json",
        )
    services.undo(CheckIn.objects.admissions().get(), by=None)
    assert CheckIn.objects.live().count() == 0
    assert DoorChange.objects.filter(ticket=ticket).exists()


def test_an_offline_admission_tells_the_webhooks_once(world, settings):
    from core.models import OutboxMessage
    from events.models import Event

    settings.WEBHOOK_DELIVERY = "manual"  # the message is written, nothing is sent
    Event.objects.filter(pk=world["event"].pk).update(sends_webhooks=True)
    ticket = buy(world).tickets.get()
    gate_a, _ = paired(world, gate="A")
    gate_b, _ = paired(world, gate="B")
    snapshot_of(gate_a, world)
    now = timezone.now()
    upload(gate_a, offline_scan(world, ticket, now - dt.timedelta(minutes=2)))
    upload(gate_b, offline_scan(world, ticket, now - dt.timedelta(minutes=1)))  # flagged: no message

    def checkins() -> list[dict]:
        return [
            entry
            for message in OutboxMessage.objects.filter(kind="webhooks.fanout")
            for entry in message.payload["events"]
            if entry["type"] == "checkin.created"
        ]

    assert [entry["subject"]["ticket_id"] for entry in checkins()] == [ticket.pk]
