"""Who changed an order and how: the order's audit log (AuditEntry), shown on the
order in the back office. sales.lifecycle records every status change here;
sales.order_actions records the organizer's other actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import User
from sales.models import AuditEntry, Order


@dataclass(frozen=True)
class Actor:
    """A person in the back office, a program with an API token, or Maticko itself
    (``system``: the payment provider's webhook, the sweeper of overdue orders)."""

    user: User | None = None
    token_name: str = ""
    system: str = ""

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.email
        if self.system:
            return self.system
        return f"API token “{self.token_name}”"


SWEEPER = Actor(system="Maticko (payment deadline)")


def provider_actor(provider_name: str) -> Actor:
    """The payment provider reporting a payment (Stripe's webhook) or Maticko on its behalf."""
    return Actor(system=f"Payment provider ({provider_name})")


def record(order: Order | int, action: str, actor: Actor, **detail: Any) -> AuditEntry:
    order_id = order if isinstance(order, int) else order.pk
    return AuditEntry.objects.create(
        order_id=order_id, action=action, actor=actor.user, actor_label=actor.label, detail=detail
    )
