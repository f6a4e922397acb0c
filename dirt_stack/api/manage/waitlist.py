"""Organizer endpoint for an event's waiting list: its settings and every entry with its
place and offers (an owner or manager token: entries carry emails), the same rows as the
back office's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router

from api.auth import OrganizerToken
from api.manage.common import event_of, require_manager
from api.schemas import ProblemOut
from backoffice.schemas import WaitlistEntryRow, WaitlistSettingsOut
from backoffice.serializers import waitlist_entries, waitlist_settings
from core.schemas import Shape

router = Router(tags=["Organizer"], auth=OrganizerToken())


class WaitlistOut(Shape):
    settings: WaitlistSettingsOut
    entries: list[WaitlistEntryRow] = Field(
        description="By date, ticket type and place; `position` counts waiting entries only."
    )


@router.get(
    "/manage/events/{slug}/waitlist",
    response={200: WaitlistOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut},
    summary="The event's waiting list: settings and entries with their offers",
)
def get_waitlist(request: HttpRequest, slug: str) -> HttpResponse:
    require_manager(request)  # the entries' emails: as orders, owners and managers only
    event = event_of(request, slug)
    body = WaitlistOut(settings=waitlist_settings(event), entries=waitlist_entries(event))
    return HttpResponse(body.model_dump_json(), content_type="application/json")
