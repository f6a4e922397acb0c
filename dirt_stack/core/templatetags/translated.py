"""``{{ event|translated:"title" }}``: an organizer-written text in the active language
(core.translated.resolve; an email is rendered in its order's language)."""

from __future__ import annotations

from typing import Any

from django import template

from core.translated import resolve

register = template.Library()


@register.filter(name="translated")
def translated(obj: Any, field: str) -> Any:
    return resolve(obj, field)
