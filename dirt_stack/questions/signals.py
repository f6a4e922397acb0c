"""Keeps ``Event.asks_questions`` true exactly while the event has questions, however a
question is added or removed (the services, the admin, a shell). Connected in apps.py."""

from __future__ import annotations

from typing import Any

from questions.models import Question
from questions.services import note_asked


def keep_event_flag(sender: type[Question], instance: Question, **kwargs: Any) -> None:
    asks = note_asked(instance.event_id)
    if Question._meta.get_field("event").is_cached(instance):  # the caller's copy says so too
        instance.event.asks_questions = asks
