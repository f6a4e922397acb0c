"""What several back-office pages share."""

from __future__ import annotations

from typing import Annotated

from accounts.models import Membership
from core.schemas import OneOf, Shape

MembershipRole = Annotated[str, OneOf(Membership.Role.values)]


class EventInZone(Shape):
    """The event a page is about, with the zone its times are shown in."""

    title: str
    slug: str
    timezone: str


class IdName(Shape):
    id: int
    name: str
