"""Joining the room with a proof of work (onsale.services.join_queue): the address's join
counted, the challenge spent once and the entry inserted once per browser, in one
statement on PostgreSQL and step by step elsewhere, with the refusals in the order the
interfaces answer them (429, 428, 409)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import RateLimitCounter
from onsale import services as onsale
from onsale.exceptions import ProofRefused, RoomClosed, TooManyJoins
from onsale.models import QueueEntry
from sales.models import SpentChallenge
from tests.factories import make_event, make_ticket_type
from tests.test_onsale_web import INERTIA, open_room, solved

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "198.51.100.20"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.INERTIA_VERSION = "0.1.0"
    settings.ONSALE_TICK_SECONDS = 0
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 3


@pytest.fixture
def event():
    event = make_event(slug="rush")
    make_ticket_type(event, name="Standing", price=Decimal("20.00"), capacity=50)
    return event


def found(event) -> onsale.Lookup:
    lookup = onsale.lookup(browser_id=None, slug=event.slug)
    assert lookup is not None
    return lookup


def join(event, proof: object, *, browser: str = "b" * 43, address: str = ADDRESS) -> onsale.Joined:
    return onsale.join_queue(found(event), browser_id=browser, address=address, proof=proof)


def test_a_join_spends_its_challenge_counts_the_address_and_inserts_one_entry(event):
    open_room(event)
    first = join(event, solved(Client()))
    assert first.created
    assert first.status.state == "drawing"
    stored = QueueEntry.objects.get()
    assert stored.pk == first.entry.pk
    assert (stored.browser_hash, stored.client_hash) == (first.entry.browser_hash, first.entry.client_hash)
    assert stored.client_hash  # a keyed hash of the address, never the address
    assert ADDRESS not in stored.client_hash
    assert SpentChallenge.objects.count() == 1
    assert RateLimitCounter.objects.get().count == 1
    # The same browser again: its entry, not a second one (and the new proof is spent too).
    again = join(event, solved(Client()))
    assert not again.created
    assert again.entry.pk == first.entry.pk
    assert QueueEntry.objects.count() == 1
    assert SpentChallenge.objects.count() == 2


def test_a_challenge_is_spent_once(event):
    open_room(event)
    proof = solved(Client())
    join(event, proof)
    with pytest.raises(ProofRefused):
        join(event, proof, browser="c" * 43)
    assert QueueEntry.objects.count() == 1


@pytest.mark.parametrize("proof", [None, "", "not-a-payload", 7, "x" * 5000])
def test_no_valid_proof_no_entry_but_the_attempt_counts(event, proof):
    open_room(event)
    with pytest.raises(ProofRefused):
        join(event, proof)
    assert not QueueEntry.objects.exists()
    assert RateLimitCounter.objects.get().count == 1


def test_past_the_limit_nothing_is_spent_and_429_comes_before_428(event):
    open_room(event)
    for n in range(3):
        join(event, solved(Client()), browser=f"{n}" * 43)
    proof = solved(Client())
    with pytest.raises(TooManyJoins) as refused:
        join(event, proof, browser="d" * 43)
    assert 1 <= refused.value.retry_after <= 60
    assert "Too many joins" in str(refused.value)
    with pytest.raises(TooManyJoins):
        join(event, "not-a-payload", browser="d" * 43)  # the limit first, as the interfaces answer
    assert QueueEntry.objects.count() == 3
    # The refused proof was not spent: it still joins from another address.
    assert join(event, proof, browser="d" * 43, address="198.51.100.21").created


def test_a_closed_room_refuses_after_the_proof_and_writes_no_entry(event):
    with pytest.raises(ProofRefused):
        join(event, "not-a-payload")  # no room at all: the proof is still checked first
    with pytest.raises(RoomClosed):
        join(event, solved(Client()))
    open_room(
        event,
        queue_opens_at=timezone.now() + dt.timedelta(hours=1),
        sale_starts_at=timezone.now() + dt.timedelta(hours=2),
    )
    with pytest.raises(RoomClosed):
        join(event, solved(Client()))
    assert not QueueEntry.objects.exists()


def test_no_limit_when_it_is_zero(event, settings):
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 0
    open_room(event)
    for n in range(5):
        assert join(event, solved(Client()), browser=f"{n}" * 43).created
    assert not RateLimitCounter.objects.exists()


def test_a_prequeued_join_stores_its_draw_from_secrets(event):
    now = timezone.now()
    open_room(event, queue_opens_at=now - dt.timedelta(minutes=1), sale_starts_at=now + dt.timedelta(hours=1))
    joined = [join(event, solved(Client()), browser=f"{n}" * 43) for n in range(3)]
    draws = [j.entry.draw for j in joined]
    assert all(isinstance(draw, int) and 0 <= draw < 2**63 for draw in draws)
    assert len(set(draws)) == 3
    assert set(QueueEntry.objects.values_list("draw", flat=True)) == set(draws)
    assert all(j.status.state == "before_open" and j.entry.prequeued for j in joined)


@pytest.mark.parametrize("room_open", [True, False])
def test_a_refused_web_join_shows_the_status_from_its_own_read(event, room_open):
    if room_open:  # refused for its proof; before the sale, so no status starts a round
        now = timezone.now()
        open_room(
            event, queue_opens_at=now - dt.timedelta(minutes=1), sale_starts_at=now + dt.timedelta(hours=1)
        )
    client = Client()
    proof = "not-a-payload" if room_open else solved(client)
    with CaptureQueriesContext(connection) as queries:
        refused = client.post(
            f"/events/{event.slug}/queue/join/",
            json.dumps({"altcha": proof}),
            content_type="application/json",
            headers=INERTIA,
        )
    assert refused.status_code == (428 if room_open else 409)
    assert refused.json()["props"]["status"]["state"] == ("not_joined" if room_open else "no_room")
    entry_reads = [q["sql"] for q in queries.captured_queries if "onsale_queueentry" in q["sql"]]
    assert len(entry_reads) == 1, entry_reads  # the join's own read, not a second status read
