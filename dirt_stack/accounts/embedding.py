"""Where an organizer's shop widget may be framed (ADR 0032): the websites' origins.

The storefront's embedded pages (``/embed/...``) name them in their Content-Security-Policy's
``frame-ancestors``; an empty list lets any website frame them. Origins are what CSP source
expressions accept and nothing more: ``http`` or ``https``, a host name (optionally
``*.`` for its subdomains) or an IPv4 address, an optional port, no path.
"""

from __future__ import annotations

import ipaddress
import re

from django.db import transaction
from django.utils.translation import gettext, ngettext

from accounts.models import Organizer, OrganizerChange, User
from core.input import text_problem

MAX_ORIGINS = 20
MAX_ORIGIN_LENGTH = 300
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ORIGIN = re.compile(
    rf"(?P<scheme>https?)://(?P<host>(?:\*\.)?{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?/?"
)


class OriginsInvalid(ValueError):
    """The text names something that is not a website's origin; the message says which."""


def _too_many() -> OriginsInvalid:
    return OriginsInvalid(
        ngettext("Name at most %(count)s website.", "Name at most %(count)s websites.", MAX_ORIGINS)
        % {"count": MAX_ORIGINS}
    )


def _not_an_address(shown: str) -> OriginsInvalid:
    return OriginsInvalid(gettext("“%(value)s” is not a website's address.") % {"value": shown})


def parse_origins(text: str) -> list[str]:
    """The origins of ``text``, one per line (blank lines ignored), lower case, each once,
    in the order given. Raises OriginsInvalid naming the first line that is not one."""
    if len(text) > MAX_ORIGINS * (MAX_ORIGIN_LENGTH + 2):
        raise _too_many()
    origins: list[str] = []
    for line in text.splitlines():
        value = line.strip().lower()
        if not value:
            continue
        origin = _origin(value)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise _too_many()
    return origins


def _origin(value: str) -> str:
    shown = value[:80]
    if len(value) > MAX_ORIGIN_LENGTH or text_problem(value):
        raise _not_an_address(shown)
    match = _ORIGIN.fullmatch(value)
    if match is None:
        raise OriginsInvalid(
            gettext(
                "“%(value)s” is not a website's address: write it as https://example.org "
                "(no path; https://*.example.org for its subdomains)."
            )
            % {"value": shown}
        )
    host = match["host"]
    if host.replace(".", "").isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise _not_an_address(shown) from None
    port = match["port"]
    if port is not None and not 0 < int(port) < 65536:
        raise OriginsInvalid(gettext("“%(value)s” has no valid port.") % {"value": shown})
    return f"{match['scheme']}://{host}" + (f":{int(port)}" if port else "")


def set_embed_origins(organizer: Organizer, origins: list[str], actor: User) -> bool:
    """Save the websites that may frame ``organizer``'s widget, recorded in its audit log.
    False when nothing changed (and nothing is recorded)."""
    with transaction.atomic():
        locked = Organizer.objects.select_for_update().get(pk=organizer.pk)
        before = list(locked.embed_origins or [])
        if before == origins:
            return False
        locked.embed_origins = origins
        locked.save(update_fields=["embed_origins"])
        OrganizerChange.objects.create(
            organizer=locked,
            action=OrganizerChange.Action.EMBED_ORIGINS_CHANGED,
            detail={"before": before, "after": origins},
            actor=actor,
            actor_label=actor.email,
        )
    organizer.embed_origins = origins
    return True


def frame_ancestors(origins: list[str] | None) -> list[str]:
    """The ``frame-ancestors`` sources of an embedded page: this site (the back office's
    preview) and the organizer's websites; any website when the organizer names none or
    the page belongs to no organizer (an error page)."""
    if not origins:
        return ["*"]
    return ["'self'", *origins]
