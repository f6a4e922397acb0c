"""Who may see and change what in the back office.

Every back-office lookup goes through ``membership_for``: an organizer the user
does not belong to answers 404 (its existence is not revealed); a member whose
role does not allow an action gets 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Membership, User


def membership_for(user: User | AnonymousUser, organizer_slug: str) -> Membership:
    membership = (
        Membership.objects.select_related("organizer")
        .filter(user=user, organizer__slug=organizer_slug)
        .first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such organizer.")
    return membership


def require_role(membership: Membership, roles: Iterable[str]) -> None:
    if membership.role not in roles:
        raise PermissionDenied("Your role in this organizer does not allow this.")


def can_manage_events(membership: Membership) -> bool:
    return membership.role in Membership.EVENT_MANAGERS
