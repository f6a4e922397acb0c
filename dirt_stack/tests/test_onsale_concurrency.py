"""The on-sale room under concurrency on PostgreSQL: joins racing rounds from several
threads (each with its own connection) lose no entry and give no position twice; rounds
racing each other admit no more than the limits allow (the event's advisory lock)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.models import RateLimitCounter
from onsale import services
from onsale.exceptions import ProofRefused
from onsale.models import QueueEntry
from tests.support.onsale import join_crowd, room_event
from tests.support.races import run_together
from tests.test_onsale_web import solved

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

JOINERS = 6
PER_JOINER = 40


@pytest.fixture
def fast_rounds(settings: Any) -> None:
    settings.ONSALE_TICK_SECONDS = 0.1


def test_joins_racing_rounds_across_the_opening_lose_nothing_and_share_no_position(fast_rounds: None) -> None:
    now = timezone.now()
    event, room = room_event(
        admissions_per_minute=6000,
        queue_opens_at=now - dt.timedelta(minutes=1),
        sale_starts_at=now + dt.timedelta(seconds=0.5),
    )

    def joiner(n: int) -> None:
        for i in range(PER_JOINER):
            services.join(event, browser_id=f"joiner-{n}-{i}", client_hash=f"c{n}")

    def ticker() -> None:
        for _ in range(60):
            services.tick(event.pk)
            time.sleep(0.02)

    run_together(*(lambda n=n: joiner(n) for n in range(JOINERS)), ticker, ticker)
    services.tick(event.pk, now=timezone.now() + dt.timedelta(seconds=5))

    positions = [p or 0 for p in QueueEntry.objects.filter(room=room).values_list("position", flat=True)]
    assert len(positions) == JOINERS * PER_JOINER
    assert sorted(positions) == list(range(1, JOINERS * PER_JOINER + 1))  # none lost, none twice
    # Whoever was pre-queued when the opening round drew holds the first positions.
    first = QueueEntry.objects.get(room=room, position=1)
    assert first.prequeued == QueueEntry.objects.filter(room=room, prequeued=True).exists()


def test_rounds_racing_each_other_admit_no_more_than_the_limits() -> None:
    event, room = room_event(admissions_per_minute=6000, max_active_shoppers=5)
    join_crowd(event, 50)
    start = room.sale_starts_at
    services.tick(event.pk, now=start)
    ran: list[bool] = []

    def round_at(seconds: int) -> None:
        ran.append(services.tick(event.pk, now=start + dt.timedelta(seconds=seconds)).ran)

    run_together(*(lambda: round_at(5) for _ in range(4)))
    assert ran.count(True) == 1
    run_together(*(lambda s=s: round_at(s) for s in range(6, 10)))
    admitted = QueueEntry.objects.filter(room=room, status=QueueEntry.Status.ADMITTED)
    assert admitted.count() == 5
    assert sorted(p or 0 for p in admitted.values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_joins_of_one_browser_and_replays_of_one_proof_racing_write_once(settings: Any) -> None:
    """join_queue's one statement: the same browser joining from several threads at once
    gets one entry; one proof sent by several browsers at once is spent by one of them;
    the address's joins are all counted."""
    settings.ALTCHA_MAX_NUMBER = 2_000
    settings.ONSALE_JOINS_PER_ADDRESS_PER_MINUTE = 100
    event, room = room_event(admissions_per_minute=600)
    proofs = [solved(Client()) for _ in range(4)]
    replayed = solved(Client())
    outcomes: list[str] = []

    def join(browser: str, proof: str) -> None:
        found = services.lookup(browser_id=None, event_id=event.pk)
        assert found is not None
        try:
            joined = services.join_queue(found, browser_id=browser, address="198.51.100.30", proof=proof)
        except ProofRefused:
            outcomes.append(f"{browser}:refused")
        else:
            outcomes.append(f"{browser}:{'created' if joined.created else 'again'}")

    run_together(
        *(lambda p=p: join("same-browser", p) for p in proofs),
        *(lambda n=n: join(f"replayer-{n}", replayed) for n in range(4)),
    )
    assert sorted(o for o in outcomes if o.startswith("same")) == ["same-browser:again"] * 3 + [
        "same-browser:created"
    ]
    replays = sorted(o.split(":")[1] for o in outcomes if o.startswith("replayer"))
    assert replays == ["created"] + ["refused"] * 3
    assert QueueEntry.objects.filter(room=room).count() == 2
    assert RateLimitCounter.objects.get().count == 8
