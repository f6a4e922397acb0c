"""The door's devices page and its status page (gates, lists, double admissions)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backoffice.schemas.common import EventInZone, IdName
from core.schemas import IsoDateTime, PageProps, Shape

DeviceAction = Literal["created", "pairing_code", "paired", "revoked"]
DeviceState = Literal["waiting", "paired", "revoked"]


class DeviceLogRow(Shape):
    action: DeviceAction
    actor: str = Field(description="Who did it; empty for the device itself.")
    at: IsoDateTime


class DeviceRow(Shape):
    id: int
    name: str
    gate: str
    lists: list[str] | None = Field(description="The lists' names; null: every list of the event.")
    state: DeviceState
    paired_at: IsoDateTime | None
    last_seen_at: IsoDateTime | None
    pairing_expires_at: IsoDateTime | None
    log: list[DeviceLogRow]


class Pairing(Shape):
    """A pairing code just made, shown this once."""

    device_id: int
    device_name: str
    code: str
    url: str = Field(description="Opens the scanner and pairs: what the QR code holds.")
    qr_svg: str = Field(description="The QR code of ``url`` as an SVG data URI.")
    expires_at: IsoDateTime


class DevicesPageProps(PageProps):
    component = "Manage/Devices"

    event: EventInZone
    organizer_slug: str
    lists: list[IdName]
    devices: list[DeviceRow]
    pairing: Pairing | None


class PassageCounts(Shape):
    entries: int
    exits: int
    inside: int


class GateRow(PassageCounts):
    gate: str = Field(description="Empty: scans made on the scanner page, without a device.")


class ListStatusRow(PassageCounts):
    id: int
    name: str


class DoubleEntry(Shape):
    gate: str
    list: str
    device: str
    scanned_at: IsoDateTime
    offline: bool
    flagged: bool = Field(description="The later entry, kept as a fact: not the ticket's admission.")


class DoubleAdmission(Shape):
    ticket_id: int
    order_code: str
    attendee_name: str
    ticket_type: str
    entries: list[DoubleEntry]


class DoorCounts(Shape):
    """Entries, exits and inside (entries - exits) per gate and list, and in all."""

    gates: list[GateRow]
    lists: list[ListStatusRow]
    total: PassageCounts


class DoorStatus(DoorCounts):
    double_admissions: list[DoubleAdmission]


class DoorStatusPageProps(PageProps):
    component = "Manage/DoorStatus"

    event: EventInZone
    organizer_slug: str
    status: DoorStatus
    status_url: str = Field(description="The same status as JSON, for refreshing the page.")
