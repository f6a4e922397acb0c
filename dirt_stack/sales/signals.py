"""Signals other apps listen to without ``sales`` importing them.

``tickets_changed`` is sent inside the transaction that changed tickets after their sale in a
way the door must learn (an attendee renamed, a secret reissued); the check-in app writes its
devices' change feed from it (checkin/apps.py). Orders paid, closed or refunded reach the
other apps through ``order_listeners``.

Arguments: ``tickets`` (the changed Ticket rows, saved), ``previous_secrets`` (the secrets
that stopped admitting: a reissue's old one; empty otherwise).
"""

from __future__ import annotations

from django.dispatch import Signal

tickets_changed = Signal()
