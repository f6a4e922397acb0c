"""The on-sale room's admission rate and limits (issue #18, must-show 3), in simulated time:
rounds every second with ``tick(now=...)``, shoppers picking up and using their turns
through the real status and gate."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import transaction
from django.utils import timezone

from core import statements
from events.models import Event
from onsale import gate, services
from onsale.models import QueueEntry, Room
from sales import purchase
from sales.models import Hold
from tests.factories import only_date
from tests.support.onsale import join_crowd, open_room_event, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def valid_tokens(room: Room, now: dt.datetime) -> int:
    """Admissions valid at ``now``: admitted, unused, unexpired."""
    return QueueEntry.objects.filter(room=room, status=QueueEntry.Status.ADMITTED, expires_at__gt=now).count()


def admitted_at(room: Room, now: dt.datetime) -> list[QueueEntry]:
    return list(QueueEntry.objects.filter(room=room, admitted_at=now))


def take_turn(event: Event, browser_id: str, now: dt.datetime) -> gate.Admission | None:
    """The visitor polls the status; on their turn, the gate's Admission for the token."""
    turn = services.status(event, browser_id, now=now)
    if turn.state != "your_turn":
        return None
    return gate.admission(event, token=turn.token, browser_id=browser_id)


def use(admission: gate.Admission) -> None:
    with transaction.atomic():
        statements.claim(admission.claims())


def test_120_a_minute_with_100_shoppers_admits_600_in_five_minutes_never_over_100() -> None:
    event, room = room_event(admissions_per_minute=120, max_active_shoppers=100)
    crowd = join_crowd(event, 800)
    browser = {entry.pk: f"browser-{i}" for i, entry in enumerate(crowd)}
    rng = random.Random(18)
    plans: dict[int, list[tuple[str, int]]] = defaultdict(list)
    admissions: dict[int, gate.Admission] = {}
    peak = 0
    for second in range(301):
        now = room.sale_starts_at + dt.timedelta(seconds=second)
        for action, entry_id in plans.pop(second, []):
            if action == "pick_up":
                admission = take_turn(event, browser[entry_id], now)
                assert admission is not None
                admissions[entry_id] = admission
            else:
                use(admissions.pop(entry_id))
        assert services.tick(event.pk, now=now).ran
        for entry in admitted_at(room, now):
            # Most shoppers pick their turn up within seconds and buy within 45 s; some
            # never come back (the turn is given back after ONSALE_TURN_PICKUP_SECONDS);
            # a few pick it up and walk away (it stays valid for the whole session).
            kind = rng.random()
            if kind < 0.97:
                picked_up = second + rng.randint(1, 5)
                plans[picked_up].append(("pick_up", entry.pk))
                if kind < 0.90:
                    plans[picked_up + rng.randint(5, 40)].append(("use", entry.pk))
        peak = max(peak, valid_tokens(room, now))
    total = QueueEntry.objects.filter(room=room, admitted_at__isnull=False).count()
    print(f"admitted {total} in 5 simulated minutes at 120/min; at most {peak} valid admissions at once")
    assert 570 <= total <= 630
    assert peak <= 100
    assert QueueEntry.objects.filter(room=room, status=QueueEntry.Status.USED).count() > 400


def test_max_active_shoppers_caps_valid_admissions_until_some_are_used() -> None:
    event, room = room_event(admissions_per_minute=600, max_active_shoppers=10)
    crowd = join_crowd(event, 40)
    start = room.sale_starts_at
    for second in range(20):
        services.tick(event.pk, now=start + dt.timedelta(seconds=second))
        assert valid_tokens(room, start + dt.timedelta(seconds=second)) <= 10
    now = start + dt.timedelta(seconds=20)
    assert valid_tokens(room, now) == 10
    holders = list(QueueEntry.objects.filter(room=room, status=QueueEntry.Status.ADMITTED))[:3]
    names = {entry.pk: f"browser-{i}" for i, entry in enumerate(crowd)}
    for entry in holders:
        admission = take_turn(event, names[entry.pk], now)
        assert admission is not None
        use(admission)
    result = services.tick(event.pk, now=now)
    assert result.admitted == 3
    assert valid_tokens(room, now) == 10


def test_admission_stops_when_nothing_is_left_and_resumes_when_holds_expire() -> None:
    event, room = open_room_event(capacity=5, admissions_per_minute=600)
    join_crowd(event, 12)
    date = only_date(event)
    ticket_type = event.ticket_types.get()
    clock = iter(timezone.now() + dt.timedelta(seconds=s) for s in range(1000))

    first = services.tick(event.pk, now=next(clock))
    assert first.admitted == 5  # as many as there are tickets
    assert services.tick(event.pk, now=next(clock)).admitted == 0  # each ticket has its shopper
    now = next(clock)
    for i in range(12):
        admission = take_turn(event, f"browser-{i}", now)
        if admission is not None:
            purchase.start_checkout(date, {ticket_type.pk: 1}, extra_claims=admission.claims())
    stopped = services.tick(event.pk, now=next(clock))
    assert stopped.sold_out
    assert stopped.admitted == 0
    waiting = (
        QueueEntry.objects.filter(room=room, status=QueueEntry.Status.WAITING).order_by("position").first()
    )
    assert waiting is not None
    states = {services.status(event, f"browser-{i}", now=now).state for i in range(12)}
    assert states == {"used", "sold_out"}
    assert services.counts(Room.objects.get(pk=room.pk)).sold_out

    Hold.objects.filter(date=date).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    resumed = services.tick(event.pk, now=next(clock))
    assert not resumed.sold_out
    assert resumed.admitted == 5
    assert services.tick(event.pk, now=next(clock)).admitted == 0


def test_a_paused_room_admits_nobody_and_resumes_without_a_burst() -> None:
    event, room = room_event(admissions_per_minute=120, max_active_shoppers=1000)
    join_crowd(event, 100)
    start = room.sale_starts_at
    services.tick(event.pk, now=start)
    services.pause(room, actor=None, actor_label="organizer")
    for second in range(1, 31):
        assert services.tick(event.pk, now=start + dt.timedelta(seconds=second)).admitted == 0
    assert services.status(event, "browser-0", now=start + dt.timedelta(seconds=30)).state in {
        "paused",
        "your_turn",
    }
    assert not QueueEntry.objects.filter(room=room, status=QueueEntry.Status.ADMITTED).exists()
    services.resume(room, actor=None, actor_label="organizer")
    assert services.tick(event.pk, now=start + dt.timedelta(seconds=31)).admitted == 2
    actions = list(room.changes.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["paused", "resumed"]


def test_a_rate_change_takes_effect_at_the_next_round() -> None:
    event, room = room_event(admissions_per_minute=60, max_active_shoppers=10_000)
    join_crowd(event, 700)
    start = room.sale_starts_at
    slow = sum(services.tick(event.pk, now=start + dt.timedelta(seconds=s)).admitted for s in range(61))
    services.set_rate(room, 600, actor=None, actor_label="organizer")
    fast = sum(services.tick(event.pk, now=start + dt.timedelta(seconds=s)).admitted for s in range(61, 121))
    assert slow == 60
    assert fast == 600
    change = room.changes.get(action="rate_changed")
    assert change.detail == {"admissions_per_minute": {"before": 60, "after": 600}}
