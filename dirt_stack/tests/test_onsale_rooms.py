"""The on-sale room's settings, audit log, joining, a visitor's status and the live counts
(service level), hostile values included, and the ticker's place on the sweeper thread."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import outbox
from onsale import services
from onsale.exceptions import RoomClosed
from onsale.models import QueueEntry, Room, RoomChange
from tests.factories import make_event, make_user
from tests.support.onsale import join_crowd, open_room_event, room_event

pytestmark = pytest.mark.django_db(transaction=True)


def field_errors(event: Any, **values: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        services.configure(event, actor=None, actor_label="test", **values)
    return raised.value.message_dict


NOW = dt.datetime(2030, 5, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"admissions_per_minute": 0}, "admissions_per_minute"),
        ({"admissions_per_minute": 100_001}, "admissions_per_minute"),
        ({"admissions_per_minute": 10**30}, "admissions_per_minute"),
        ({"admissions_per_minute": math.nan}, "admissions_per_minute"),
        ({"admissions_per_minute": 1.5}, "admissions_per_minute"),
        ({"admissions_per_minute": True}, "admissions_per_minute"),
        ({"admissions_per_minute": "120"}, "admissions_per_minute"),
        ({"max_active_shoppers": -1}, "max_active_shoppers"),
        ({"session_minutes": 61}, "session_minutes"),
        ({"session_minutes": 0}, "session_minutes"),
        ({"mode": "lottery"}, "mode"),
        ({"mode": "random\x00"}, "mode"),
        ({"enabled": "yes"}, "enabled"),
        ({"paused": 1}, "paused"),
        ({"queue_opens_at": dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)}, "queue_opens_at"),
        ({"sale_starts_at": dt.datetime(1, 1, 1, tzinfo=dt.UTC)}, "sale_starts_at"),
        ({"sale_starts_at": dt.datetime(2030, 5, 1)}, "sale_starts_at"),  # noqa: DTZ001 - naive
        ({"sale_starts_at": "2030-05-01T12:00:00Z"}, "sale_starts_at"),
        ({"queue_opens_at": NOW + dt.timedelta(hours=1)}, "queue_opens_at"),  # after the sale starts
    ],
)
def test_bad_settings_are_refused_per_field_and_nothing_is_written(
    values: dict[str, Any], field: str
) -> None:
    event = make_event()
    base = {"queue_opens_at": NOW - dt.timedelta(hours=1), "sale_starts_at": NOW}
    errors = field_errors(event, **{**base, **values})
    assert field in errors
    assert not Room.objects.filter(event=event).exists()


def test_a_new_room_needs_both_times() -> None:
    errors = field_errors(make_event(), enabled=True)
    assert set(errors) == {"queue_opens_at", "sale_starts_at"}


def test_settings_changes_are_audited_with_who_and_what() -> None:
    event = make_event()
    organizer = make_user()
    room = services.configure(
        event, actor=organizer, actor_label="Olga", queue_opens_at=NOW, sale_starts_at=NOW, enabled=True
    )
    assert room.admissions_per_minute == 120
    assert room.max_active_shoppers == 100
    assert room.session_minutes == 10
    assert room.mode == "random"
    services.configure(event, actor=organizer, actor_label="Olga", session_minutes=5, max_active_shoppers=50)
    services.configure(event, actor=organizer, actor_label="Olga", session_minutes=5)  # no change: no entry
    services.set_rate(room, 300, actor=organizer, actor_label="Olga")
    services.pause(room, actor=None, actor_label="console")
    services.resume(room, actor=None, actor_label="console")
    services.configure(event, actor=organizer, actor_label="Olga", enabled=False)
    changes = list(RoomChange.objects.filter(room=room).order_by("id"))
    assert [c.action for c in changes] == [
        "enabled",
        "settings_changed",
        "rate_changed",
        "paused",
        "resumed",
        "disabled",
    ]
    assert changes[0].detail["queue_opens_at"] == {"before": None, "after": NOW.isoformat()}
    assert changes[1].detail == {
        "session_minutes": {"before": 10, "after": 5},
        "max_active_shoppers": {"before": 100, "after": 50},
    }
    assert changes[2].actor == organizer
    assert changes[3].actor_label == "console"


def test_the_mode_cannot_change_once_the_order_is_drawn() -> None:
    event, room = room_event(mode="fifo")
    services.tick(event.pk, now=room.sale_starts_at)
    assert "mode" in field_errors(event, mode="random")
    services.configure(event, actor=None, actor_label="test", mode="fifo")


def test_switching_to_random_before_opening_draws_for_those_already_waiting() -> None:
    event, room = room_event(mode="fifo")
    entries = join_crowd(event, 30)
    assert all(e.draw is None for e in entries)
    services.configure(event, actor=None, actor_label="test", mode="random")
    services.tick(event.pk, now=room.sale_starts_at)
    placed = QueueEntry.objects.filter(room=room).order_by("position")
    draws = [e.draw for e in placed]
    assert None not in draws
    assert draws == sorted(draws, key=lambda d: d or 0)


def test_joining_is_once_per_browser_and_only_while_the_queue_is_open() -> None:
    later = timezone.now() + dt.timedelta(hours=1)
    event, _room = room_event(queue_opens_at=later, sale_starts_at=later)
    with pytest.raises(RoomClosed):
        services.join(event, browser_id="b", client_hash="c")
    with pytest.raises(RoomClosed):
        services.join(make_event(), browser_id="b", client_hash="c")
    services.configure(event, actor=None, actor_label="test", queue_opens_at=timezone.now())
    first = services.join(event, browser_id="b", client_hash="c")
    again = services.join(event, browser_id="b", client_hash="other")
    assert again.pk == first.pk
    assert first.prequeued
    assert first.draw is not None
    assert first.position is None
    services.configure(event, actor=None, actor_label="test", enabled=False)
    with pytest.raises(RoomClosed):
        services.join(event, browser_id="b2", client_hash="c")


@pytest.mark.parametrize("browser_id", ["\x00", "\ud800", "é" * 10_000, " ", "a\nb"])
def test_hostile_browser_ids_join_and_ask_without_error(browser_id: str) -> None:
    event, _room = open_room_event()
    entry = services.join(event, browser_id=browser_id, client_hash="\x00\ud800" * 100)
    assert len(entry.browser_hash) == 64
    assert len(QueueEntry.objects.get(pk=entry.pk).client_hash) == 64
    assert services.status(event, browser_id).state in {"drawing", "waiting", "your_turn"}


def test_status_follows_a_visitor_from_countdown_to_turn_to_used() -> None:
    event, room = room_event(admissions_per_minute=60, max_active_shoppers=1)
    join_crowd(event, 3)
    before = services.status(event, "browser-1", now=room.sale_starts_at - dt.timedelta(minutes=1))
    assert before.state == "before_open"
    assert before.sale_starts_at == room.sale_starts_at
    assert before.prequeued
    assert before.mode == "random"
    assert services.status(event, "stranger").state == "not_joined"
    assert services.status(make_event(), "browser-1").state == "no_room"

    services.tick(event.pk, now=room.sale_starts_at)
    by_position = {
        e.position: f"browser-{i}" for i, e in enumerate(QueueEntry.objects.filter(room=room).order_by("id"))
    }
    second = services.tick(event.pk, now=room.sale_starts_at + dt.timedelta(seconds=1))
    assert second.admitted == 1
    now = room.sale_starts_at + dt.timedelta(seconds=1)
    last = services.status(event, by_position[3], now=now)
    assert last.state == "waiting"
    assert last.position == 3
    assert last.ahead == 1
    assert last.eta_seconds is not None
    assert last.eta_seconds[0] <= last.eta_seconds[1]
    assert 1 <= last.poll_after_seconds <= 30
    turn = services.status(event, by_position[1], now=now)
    assert turn.state == "your_turn"
    assert turn.token
    assert turn.expires_at == now + dt.timedelta(minutes=10)


def test_the_eta_never_grows_while_the_rate_is_steady() -> None:
    event, room = room_event(admissions_per_minute=30, max_active_shoppers=1000)
    join_crowd(event, 60)
    services.tick(event.pk, now=room.sale_starts_at)
    last = QueueEntry.objects.get(room=room, position=60)
    browser = next(f"browser-{i}" for i, e in enumerate(QueueEntry.objects.order_by("id")) if e.pk == last.pk)
    etas = []
    for second in range(1, 100, 3):
        now = room.sale_starts_at + dt.timedelta(seconds=second)
        services.tick(event.pk, now=now)
        state = services.status(event, browser, now=now)
        if state.state != "waiting":
            break
        assert state.eta_seconds is not None
        etas.append(state.eta_seconds)
    assert len(etas) > 10
    assert all(b[0] <= a[0] and b[1] <= a[1] for a, b in itertools.pairwise(etas))


def test_a_turn_not_picked_up_in_time_is_given_back(settings: Any) -> None:
    settings.ONSALE_TURN_PICKUP_SECONDS = 30
    event, room = room_event(admissions_per_minute=60, max_active_shoppers=1)
    join_crowd(event, 2)
    start = room.sale_starts_at
    services.tick(event.pk, now=start)
    services.tick(event.pk, now=start + dt.timedelta(seconds=1))
    first = QueueEntry.objects.get(room=room, status=QueueEntry.Status.ADMITTED)
    result = services.tick(event.pk, now=start + dt.timedelta(seconds=32))
    assert result.expired == 1
    assert result.admitted == 1
    first.refresh_from_db()
    assert first.status == QueueEntry.Status.EXPIRED


def test_status_ticks_a_room_whose_ticker_stopped() -> None:
    event, room = open_room_event()
    services.join(event, browser_id="b", client_hash="c")
    assert Room.objects.get(pk=room.pk).last_tick_at is None
    assert services.status(event, "b").state == "your_turn"
    assert Room.objects.get(pk=room.pk).last_tick_at is not None


def test_counts_show_the_room_live() -> None:
    event, room = room_event(admissions_per_minute=120, max_active_shoppers=10)
    join_crowd(event, 8)
    services.tick(event.pk, now=room.sale_starts_at)
    now = room.sale_starts_at + dt.timedelta(seconds=2)
    services.tick(event.pk, now=now)
    counts = services.counts(Room.objects.get(pk=room.pk), now=now)
    assert counts.prequeued == 8
    assert counts.admitted == 4
    assert counts.queued == 4
    assert counts.used == 0
    assert counts.admissions_last_minute == 4
    assert not counts.sold_out
    assert not counts.paused


def test_the_sweeper_runs_frequent_work_when_due(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    clock = [1000.0]
    monkeypatch.setattr(outbox.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(outbox, "_frequent", {lambda: runs.append(1): 1.0})
    monkeypatch.setattr(outbox, "_frequent_next", {})
    assert outbox.run_frequent() == pytest.approx(1.0)
    assert runs == [1]
    clock[0] += 0.5
    assert outbox.run_frequent() == pytest.approx(0.5)  # not due yet
    assert runs == [1]
    clock[0] += 0.5
    outbox.run_frequent()
    assert runs == [1, 1]


def test_rooms_tick_on_the_sweeper_every_tick_seconds() -> None:
    from onsale.ticker import tick_all_quietly

    assert outbox._frequent.get(tick_all_quietly) == pytest.approx(1.0)
