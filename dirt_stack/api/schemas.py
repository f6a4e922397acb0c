"""Responses of the REST API that add to the pages' shapes, and its problem documents
(OpenAPI at /api/v1/openapi.json). Shapes the pages share live in storefront.schemas and
backoffice.schemas; request bodies live next to their endpoints."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from storefront.schemas import EventDetail, EventSummary


class EventSummaryOut(EventSummary):
    url: str = Field(description="The event's page.")


class EventDetailOut(EventDetail):
    description: str = Field(description="Markdown.")
    url: str = Field(description="The event's page.")


class ProblemOut(Schema):
    """An RFC 7807 problem: what went wrong, in words a person can read."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
