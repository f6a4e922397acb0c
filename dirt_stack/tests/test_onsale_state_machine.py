"""Property test of the on-sale room: any sequence of joins, rounds, pick-ups, uses (holds
made with the admission), expiries, pauses and rate changes in simulated time keeps the
room's invariants: positions dense and unique, given in draw order to the pre-queue and
in arrival order after it; never more valid admissions than the shopper slots nor than
the tickets left; an admission used at most once, and only by a hold that took stock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from onsale import gate, services
from onsale.exceptions import AdmissionRequired
from onsale.models import QueueEntry, Room
from sales import purchase
from sales.exceptions import OrderConflict
from sales.models import HoldLine
from tests.factories import only_date
from tests.support.onsale import room_event

CAPACITY = 8
SHOPPERS = 3


class RoomMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.event, self.room = room_event(
            capacity=CAPACITY, admissions_per_minute=120, max_active_shoppers=SHOPPERS
        )
        self.date = only_date(self.event)
        self.ticket_type = self.event.ticket_types.get()
        self.now = self.room.sale_starts_at - dt.timedelta(seconds=30)
        self.browsers: list[str] = []
        self.used: set[str] = set()

    def _room(self) -> Room:
        return Room.objects.get(pk=self.room.pk)

    @rule(count=st.integers(1, 4))
    def join(self, count: int) -> None:
        for _ in range(count):
            browser = f"browser-{len(self.browsers)}"
            services.join(self.event, browser_id=browser, client_hash="c", now=self.now)
            self.browsers.append(browser)
        self.now += dt.timedelta(milliseconds=10)

    @rule(seconds=st.integers(1, 20))
    def round(self, seconds: int) -> None:
        self.now += dt.timedelta(seconds=seconds)
        assert services.tick(self.event.pk, now=self.now).ran

    @rule(minutes=st.sampled_from([3, 11]))
    def time_passes(self, minutes: int) -> None:
        """Turns not picked up (3 minutes) or whole sessions (11) end."""
        self.now += dt.timedelta(minutes=minutes)
        services.tick(self.event.pk, now=self.now)

    @precondition(lambda self: self.browsers)
    @rule(data=st.data())
    def use(self, data: Any) -> None:
        browser = data.draw(st.sampled_from(self.browsers))
        turn = services.status(self.event, browser, now=self.now)
        if turn.state != "your_turn":
            assert turn.token is None
            return
        admission = gate.admission(self.event, token=turn.token, browser_id=browser)
        assert admission is not None
        try:
            purchase.start_checkout(self.date, {self.ticket_type.pk: 1}, extra_claims=admission.claims())
        except AdmissionRequired:
            raise
        except OrderConflict:
            return  # sold out: the admission stays unused
        assert browser not in self.used
        self.used.add(browser)
        with pytest.raises(AdmissionRequired):
            purchase.start_checkout(self.date, {self.ticket_type.pk: 1}, extra_claims=admission.claims())

    @rule(paused=st.booleans())
    def pause_or_resume(self, paused: bool) -> None:
        room = self._room()
        (services.pause if paused else services.resume)(room, actor=None, actor_label="test")

    @rule(rate=st.sampled_from([6, 60, 600]))
    def change_rate(self, rate: int) -> None:
        services.set_rate(self._room(), rate, actor=None, actor_label="test")

    @invariant()
    def positions_are_dense_unique_and_fair(self) -> None:
        room = self._room()
        placed = list(QueueEntry.objects.filter(room=room, position__isnull=False).order_by("position"))
        assert [e.position for e in placed] == list(range(1, len(placed) + 1))
        assert room.next_position == len(placed) + 1
        prequeued = [e for e in placed if e.prequeued]
        assert placed[: len(prequeued)] == prequeued  # the pre-queue first...
        assert [e.draw for e in prequeued] == sorted(e.draw or 0 for e in prequeued)  # ...by draw
        later = placed[len(prequeued) :]
        assert [e.joined_at for e in later] == sorted(e.joined_at for e in later)  # then by arrival
        if room.opened_at is None:
            assert not placed
        waiting_ahead = QueueEntry.objects.filter(
            room=room, status=QueueEntry.Status.WAITING, position__lte=room.admitted_through
        )
        assert not waiting_ahead.exists()

    @invariant()
    def admissions_stay_within_the_limits(self) -> None:
        room = self._room()
        valid = QueueEntry.objects.filter(
            room=room, status=QueueEntry.Status.ADMITTED, expires_at__gt=self.now
        ).count()
        held = HoldLine.objects.filter(hold__date=self.date).aggregate(n=Sum("quantity"))["n"] or 0
        assert valid <= SHOPPERS
        assert valid + held <= CAPACITY
        used = QueueEntry.objects.filter(room=room, status=QueueEntry.Status.USED)
        assert used.count() == len(self.used) == held
        assert all(e.used_at is not None for e in used)


@pytest.mark.django_db
def test_room_state_machine() -> None:
    RoomMachine.TestCase.settings = hypothesis_settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    RoomMachine.TestCase().runTest()
