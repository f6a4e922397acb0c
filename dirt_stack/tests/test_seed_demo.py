"""The demo data command that `make run` uses."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Membership, Organizer, User
from core.management.commands.seed_demo import DEMO_EMAIL, DEMO_EVENTS, DEMO_PASSWORD
from events.models import Event

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Organizer.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Event.objects.count(),
    )


def test_seed_demo_is_idempotent_and_the_printed_login_works(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first == (1, 1, 1, len(DEMO_EVENTS))
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in capsys.readouterr().out
    user = authenticate(username=DEMO_EMAIL, password=DEMO_PASSWORD)
    assert user is not None
    assert Membership.objects.get(user=user).role == Membership.Role.OWNER


def test_seed_demo_events_are_upcoming_and_published():
    call_command("seed_demo")
    assert Event.objects.published().upcoming().count() == len(DEMO_EVENTS)
