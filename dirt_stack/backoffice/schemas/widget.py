"""The shop widget's pages in the back office (``Manage/OrganizerWidget``,
``Manage/EventWidget``): the snippets to paste, a preview, and the websites that may frame
the widget (accounts.embedding, ADR 0032)."""

from __future__ import annotations

from pydantic import Field

from backoffice.schemas.common import EventInZone
from core.schemas import IsoDateTime, PageProps, Shape
from storefront.schemas import OrganizerRef


class WidgetOriginsChange(Shape):
    """One entry of the organizer's audit log of the widget's websites."""

    at: IsoDateTime
    by: str
    before: list[str]
    after: list[str]


class OrganizerWidgetPageProps(PageProps):
    component = "Manage/OrganizerWidget"

    organizer: OrganizerRef
    site_url: str = Field(description="This site's address, which the snippets load the widget from.")
    embed_origins: list[str] = Field(description="The websites that may frame the widget; empty: any.")
    changes: list[WidgetOriginsChange]


class EventWidgetPageProps(PageProps):
    component = "Manage/EventWidget"

    organizer: OrganizerRef
    event: EventInZone
    site_url: str
    embed_origins: list[str]
    published: bool = Field(description="Only a published event's shop can be embedded.")
