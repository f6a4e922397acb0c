"""What several back-office pages share."""

from __future__ import annotations

from typing import Annotated

from accounts.models import Membership
from core.schemas import IsoDateTime, OneOf, Shape
from storefront.schemas import DateStatus

MembershipRole = Annotated[str, OneOf(Membership.Role.values)]


class EventInZone(Shape):
    """The event a page is about, with the zone its times are shown in."""

    title: str
    slug: str
    timezone: str


class IdName(Shape):
    id: int
    name: str


class DateChoice(Shape):
    """One of the event's dates, as a filter or a form offers it (times in the event's offset)."""

    id: int
    starts_at: IsoDateTime
    status: DateStatus
