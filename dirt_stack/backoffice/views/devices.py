"""The door's scanner devices (managers) and its status: who came in, went out and is
inside per gate and list, and the double admissions (everyone who works the door)."""

from __future__ import annotations

from typing import cast

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from backoffice.access import MANAGERS, managed_event
from backoffice.forms import ScannerDeviceForm
from backoffice.schemas.common import EventInZone, IdName
from backoffice.schemas.devices import (
    DeviceAction,
    DeviceLogRow,
    DeviceRow,
    DevicesPageProps,
    DeviceState,
    DoorStatus,
    DoorStatusPageProps,
    Pairing,
)
from checkin import devices, gates
from checkin.models import ScannerDevice
from core.inertia import form_errors, render_page, render_with_errors, submitted_data
from core.input import parse_id
from events.models import Event


def _state(device: ScannerDevice) -> DeviceState:
    if device.revoked_at is not None:
        return "revoked"
    return "paired" if device.paired_at is not None else "waiting"


def _device_row(event: Event, device: ScannerDevice) -> DeviceRow:
    tz = event.tz
    return DeviceRow(
        id=device.pk,
        name=device.name,
        gate=device.gate,
        lists=None if device.all_lists else [lst.name for lst in device.lists.all()],
        state=_state(device),
        paired_at=device.paired_at.astimezone(tz) if device.paired_at else None,
        last_seen_at=device.last_seen_at.astimezone(tz) if device.last_seen_at else None,
        pairing_expires_at=device.pairing_expires_at.astimezone(tz) if device.pairing_expires_at else None,
        log=[
            DeviceLogRow(
                action=cast("DeviceAction", entry.action),
                actor=(entry.actor.full_name or entry.actor.email) if entry.actor else "",
                at=entry.at.astimezone(tz),
            )
            for entry in device.log.all()
        ],
    )


def _pairing(request: HttpRequest, event: Event, device: ScannerDevice, code: str) -> Pairing:
    # The code travels in the fragment: it never reaches a server's logs.
    url = request.build_absolute_uri("/door/") + f"#pair={code}"
    return Pairing(
        device_id=device.pk,
        device_name=device.name,
        code=f"{code[:4]}-{code[4:8]}-{code[8:]}",
        url=url,
        qr_svg=segno.make(url, error="m").svg_data_uri(scale=6, border=2),
        expires_at=(device.pairing_expires_at or event.starts_at).astimezone(event.tz),
    )


def _devices_props(event: Event, organizer_slug: str, pairing: Pairing | None = None) -> DevicesPageProps:
    rows = event.scanner_devices.prefetch_related("lists", "log__actor")
    return DevicesPageProps(
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        organizer_slug=organizer_slug,
        lists=[IdName(id=lst.pk, name=lst.name) for lst in event.check_in_lists.all()],
        devices=[_device_row(event, device) for device in rows],
        pairing=pairing,
    )


@login_required
@require_http_methods(["GET", "POST"])
def device_list(request: AuthenticatedHttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Managers create scanner devices, show a device's pairing code (once) and revoke them."""
    _, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    title = {"page_title": gettext("Scanner devices · %(event)s") % {"event": event.title}}
    if request.method == "GET":
        return render_page(request, _devices_props(event, organizer_slug), template_data=title)
    data = submitted_data(request)
    action = data.get("action")
    if action in ("revoke", "pairing_code"):
        device = get_object_or_404(ScannerDevice, pk=parse_id(data.get("id")) or 0, event=event)
        if action == "revoke":
            devices.revoke(device, request.user)
            messages.success(
                request,
                gettext("Device “%(name)s” revoked: it can no longer check tickets in.")
                % {"name": device.name},
            )
            return redirect("backoffice:devices", organizer_slug=organizer_slug, event_slug=event_slug)
        if device.revoked_at is not None:
            return render_with_errors(
                request,
                _devices_props(event, organizer_slug),
                {"form": "A revoked device cannot be paired again."},
            )
        code = devices.new_pairing_code(device, request.user)
        device.refresh_from_db()
        pairing = _pairing(request, event, device, code)
        return render_page(request, _devices_props(event, organizer_slug, pairing), template_data=title)
    form = ScannerDeviceForm(data, event=event)
    if not form.is_valid():
        return render_with_errors(request, _devices_props(event, organizer_slug), form_errors(form))
    chosen = None if form.cleaned_data["all_lists"] else list(form.cleaned_data["lists"])
    device, code = devices.create_device(
        event,
        name=form.cleaned_data["name"],
        gate=form.cleaned_data["gate"],
        lists=chosen,
        actor=request.user,
    )
    pairing = _pairing(request, event, device, code)
    return render_page(request, _devices_props(event, organizer_slug, pairing), template_data=title)


def _status(event: Event) -> DoorStatus:
    return DoorStatus.model_validate(
        {**gates.door_status(event), "double_admissions": gates.double_admissions(event)}
    )


@login_required
@require_GET
def door_status(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """Entries, exits and who is inside per gate and list, and the double admissions; with
    ``?format=json`` the same status alone (the page refreshes with it)."""
    _, event = managed_event(request, organizer_slug, event_slug)
    status = _status(event)
    if request.GET.get("format") == "json":
        return JsonResponse(status.model_dump(mode="json"))
    props = DoorStatusPageProps(
        event=EventInZone(title=event.title, slug=event.slug, timezone=event.timezone),
        organizer_slug=organizer_slug,
        status=status,
        status_url=f"{request.path}?format=json",
    )
    title = gettext("Door status · %(event)s") % {"event": event.title}
    return render_page(request, props, template_data={"page_title": title})
