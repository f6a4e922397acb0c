"""The door: the scanner page (door staff and managers) and check-in lists (managers)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import can_manage_events
from backoffice.access import MANAGERS, event_date, managed_event
from backoffice.forms import CheckInListForm
from backoffice.schemas import (
    CheckInCounts,
    CheckInListRow,
    CheckInListsPageProps,
    EventInZone,
    IdName,
    ReissueResult,
    ScannerEndpoints,
    ScannerList,
    ScannerPageProps,
    ScanResult,
    SearchHit,
    SearchResults,
    UndoResult,
)
from backoffice.serializers import date_choice, date_choices
from checkin import services
from checkin.models import CheckIn, CheckInList
from core.inertia import form_errors, render_page, render_with_errors, submitted_data
from core.input import parse_id
from core.schemas import Shape
from events.models import Event
from sales.models import Ticket
from sales.tickets import reissue_secret
from storefront.schemas import OrganizerRef

MAX_SCAN_BODY = 4096  # a QR payload is tiny; anything bigger is not a scan


def _list_for(event: Event, list_id: int) -> CheckInList:
    return get_object_or_404(CheckInList.objects.select_related("event__organizer"), pk=list_id, event=event)


def _date_start(event: Event, check_in_list: CheckInList) -> dt.datetime | None:
    return check_in_list.date.starts_at.astimezone(event.tz) if check_in_list.date else None


def _scanner_list(event: Event, check_in_list: CheckInList) -> ScannerList:
    return ScannerList(
        id=check_in_list.pk,
        name=check_in_list.name,
        date_starts_at=_date_start(event, check_in_list),
        allow_exits=check_in_list.allow_exits,
    )


@login_required
@require_GET
def scanner(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The scanner on ``?list=`` (otherwise ``checkin.services.door_list``: a series opens
    on the list of its date happening now or next); ``?date=`` opens that date's list,
    made on demand when the date has none."""
    membership, event = managed_event(request, organizer_slug, event_slug)
    date = event_date(event, request.GET.get("date"))
    if date is not None:
        return redirect(f"{request.path}?list={services.list_for_date(date).pk}")
    wanted = parse_id(request.GET.get("list"))
    if wanted is None or not event.check_in_lists.filter(pk=wanted).exists():
        wanted = services.door_list(event).pk
    lists = list(event.check_in_lists.select_related("date"))
    chosen = next(lst for lst in lists if lst.pk == wanted)
    base = f"/manage/{organizer_slug}/events/{event_slug}/checkin"
    props = ScannerPageProps(
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        organizer=OrganizerRef(name=membership.organizer.name, slug=membership.organizer.slug),
        lists=[_scanner_list(event, lst) for lst in lists],
        list=_scanner_list(event, chosen),
        dates_without_list=[date_choice(event, d) for d in services.dates_without_list(event)],
        counts=CheckInCounts(**services.list_counts(chosen)),
        endpoints=ScannerEndpoints(
            scan=f"{base}/{chosen.pk}/scan/",
            search=f"{base}/{chosen.pk}/search/",
            stats=f"{base}/{chosen.pk}/stats/",
        ),
        can_manage=can_manage_events(membership),
    )
    return render_page(
        request, props, template_data={"page_title": gettext("Check-in · %(event)s") % {"event": event.title}}
    )


def _json(shape: Shape) -> JsonResponse:
    return JsonResponse(shape.model_dump(mode="json"))


def _json_body(request: HttpRequest) -> dict | None:
    if len(request.body) > MAX_SCAN_BODY:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return None
    return data if isinstance(data, dict) else None


@login_required
@require_POST
def scan(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, list_id: int
) -> JsonResponse:
    """One scan from the scanner page; the answer is shown in big letters."""
    _, event = managed_event(request, organizer_slug, event_slug)
    check_in_list = _list_for(event, list_id)
    data = _json_body(request)
    if data is None:
        return _json(ScanResult(**services.scan(check_in_list, secret="").as_dict()))
    ticket_id = data.get("ticket_id")
    # A list with exits lets the scanner record people going out ("kind": "exit").
    kind = CheckIn.Kind.EXIT if data.get("kind") == "exit" else CheckIn.Kind.ENTRY
    if isinstance(ticket_id, int) and not isinstance(ticket_id, bool):
        result = services.scan(check_in_list, ticket_id=ticket_id, user=request.user, kind=kind)
    else:
        secret = str(data.get("secret", ""))[:200]
        result = services.scan(check_in_list, secret=secret, user=request.user, kind=kind)
    return _json(ScanResult(**result.as_dict()))


@login_required
@require_GET
def search(request: HttpRequest, organizer_slug: str, event_slug: str, list_id: int) -> JsonResponse:
    _, event = managed_event(request, organizer_slug, event_slug)
    hits = services.search(_list_for(event, list_id), request.GET.get("q", ""))
    return _json(SearchResults(results=[SearchHit(**hit) for hit in hits]))


@login_required
@require_GET
def stats(request: HttpRequest, organizer_slug: str, event_slug: str, list_id: int) -> JsonResponse:
    _, event = managed_event(request, organizer_slug, event_slug)
    return _json(CheckInCounts(**services.list_counts(_list_for(event, list_id))))


@login_required
@require_POST
def undo(
    request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str, ticket_id: int
) -> JsonResponse:
    """Managers take back a check-in made by mistake."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    check_in = get_object_or_404(
        CheckIn.objects.admissions(), ticket_id=ticket_id, ticket__order__event=event
    )
    services.undo(check_in, by=request.user)
    return _json(
        UndoResult(undone=True, counts=CheckInCounts(**services.list_counts(check_in.check_in_list)))
    )


@login_required
@require_POST
def reissue(request: HttpRequest, organizer_slug: str, event_slug: str, ticket_id: int) -> JsonResponse:
    """Managers give a ticket a new code (e.g. a photo of it leaked); the old code stops working."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    ticket = get_object_or_404(Ticket, pk=ticket_id, order__event=event)
    reissue_secret(ticket)
    return _json(ReissueResult(reissued=True))


def _lists_props(event: Event, organizer_slug: str) -> CheckInListsPageProps:
    lists = list(event.check_in_lists.select_related("date").prefetch_related("ticket_types"))
    counts = services.lists_counts(lists)
    return CheckInListsPageProps(
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        organizer_slug=organizer_slug,
        ticket_types=[IdName(id=t.pk, name=t.name) for t in event.ticket_types.all()],
        dates=date_choices(event),
        dates_without_list=[date_choice(event, d) for d in services.dates_without_list(event)],
        lists=[
            CheckInListRow(
                id=lst.pk,
                name=lst.name,
                date_starts_at=_date_start(event, lst),
                all_ticket_types=lst.all_ticket_types,
                ticket_types=[t.name for t in lst.ticket_types.all()],
                allow_exits=lst.allow_exits,
                counts=CheckInCounts(checked_in=counts[lst.pk].checked_in, expected=counts[lst.pk].expected),
                can_delete=not counts[lst.pk].used,
            )
            for lst in lists
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def lists(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    if request.method == "GET":
        return render_page(
            request,
            _lists_props(event, organizer_slug),
            template_data={"page_title": gettext("Check-in lists")},
        )
    data = submitted_data(request)
    if data.get("action") == "for_date":
        date = event_date(event, data.get("date"))
        if date is None:
            return render_with_errors(
                request,
                _lists_props(event, organizer_slug),
                {"form": gettext("Choose one of the event's dates.")},
            )
        check_in_list = services.list_for_date(date)
        messages.success(
            request, gettext("Check-in list “%(name)s” is ready.") % {"name": check_in_list.name}
        )
        return redirect("backoffice:checkin_lists", organizer_slug=organizer_slug, event_slug=event_slug)
    if data.get("action") == "delete":
        check_in_list = _list_for(event, parse_id(data.get("id")) or 0)
        if check_in_list.check_ins.exists():
            return render_with_errors(
                request,
                _lists_props(event, organizer_slug),
                {"form": gettext("Tickets were checked in through this list; it stays.")},
            )
        check_in_list.delete()
        messages.success(request, gettext("Check-in list deleted."))
        return redirect("backoffice:checkin_lists", organizer_slug=organizer_slug, event_slug=event_slug)
    form = CheckInListForm(data, event=event)
    if not form.is_valid():
        return render_with_errors(request, _lists_props(event, organizer_slug), form_errors(form))
    form.save()
    messages.success(request, gettext("Check-in list “%(name)s” created.") % {"name": form.instance.name})
    return redirect("backoffice:checkin_lists", organizer_slug=organizer_slug, event_slug=event_slug)
