"""The demo data command that `make run` uses."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Membership, Organizer, User
from demo.data import DEMO_EMAIL, DEMO_EVENTS, DEMO_PASSWORD, DOOR_EMAIL, ORGANIZERS
from events.models import Event, TicketType
from sales.models import Order, Voucher
from tests.factories import allocated

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Organizer, User, Membership, Event, TicketType, Order, Voucher))


def test_seed_demo_is_idempotent_and_the_printed_logins_work(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert first[:4] == (len(ORGANIZERS), 2, 3, len(DEMO_EVENTS))
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in capsys.readouterr().out
    owner = authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD)
    door = authenticate(username=DOOR_EMAIL, password=DEMO_PASSWORD)
    assert {m.role for m in Membership.objects.filter(user=owner)} == {Membership.Role.OWNER}
    assert Membership.objects.get(user=door).role == Membership.Role.DOOR_STAFF


def test_seed_demo_has_events_in_every_state():
    call_command("seed_demo")
    events = Event.objects.all()
    assert {e.status for e in events} == {"draft", "published", "cancelled"}
    assert any(e.has_ended for e in events)
    prices = set(TicketType.objects.values_list("price", flat=True))
    assert 0 in prices
    assert any(p > 0 for p in prices)
    assert TicketType.objects.filter(sales_start__isnull=False).exists()  # not yet on sale
    assert TicketType.objects.filter(hidden=True).exists()
    assert Event.objects.filter(capacity__isnull=False).exists()
    # Nearly sold out, through real orders: the stock counters agree with them.
    seat = TicketType.objects.get(event__slug="poetry-by-candlelight")
    assert allocated(seat) == Order.objects.filter(event=seat.event, status="paid").count() == 37
    assert Voucher.objects.filter(ticket_types__hidden=True).exists()
