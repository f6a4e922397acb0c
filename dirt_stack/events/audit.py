"""An event's audit log (EventAuditEntry): what was done to the event as a whole, by whom.
Callers above events pass who acted as a user or a label (sales.audit.Actor's)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from events.models import Event, EventAuditEntry


def record(event: Event, action: str, *, user: User | None, label: str, **detail: Any) -> EventAuditEntry:
    return EventAuditEntry.objects.create(
        event=event, action=action, actor=user, actor_label=label[:200], detail=detail
    )
