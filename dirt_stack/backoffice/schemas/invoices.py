"""The back office's invoice pages: the organizer's invoices and the invoice settings."""

from __future__ import annotations

from typing import Annotated

from core.schemas import IsoDateTime, Money, OneOf, Option, PageProps, Pagination, Shape
from invoicing.models import InvoiceSettings
from storefront.schemas import InvoiceKind, OrganizerRef

InvoiceMode = Annotated[str, OneOf(InvoiceSettings.Mode.values)]


class InvoiceRow(Shape):
    id: int
    number: str
    kind: InvoiceKind
    kind_label: str
    refers_to: str | None
    issued_at: IsoDateTime
    order_code: str
    order_url: str
    event: str
    buyer: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    currency: str
    vat_id_recheck: bool
    pdf_url: str
    xml_url: str


class InvoiceSearch(Shape):
    kind: str
    q: str
    issued_from: str
    issued_to: str


class InvoicesPageProps(PageProps):
    component = "Manage/Invoices"

    organizer: OrganizerRef
    invoices: list[InvoiceRow]
    pagination: Pagination
    filters: InvoiceSearch
    kinds: list[Option]
    mode: InvoiceMode
    settings_url: str


class InvoiceSettingsValues(Shape):
    mode: InvoiceMode
    prefix: str
    footer: str


class InvoiceSettingsPageProps(PageProps):
    component = "Manage/InvoiceSettings"

    organizer: OrganizerRef
    settings: InvoiceSettingsValues
    modes: list[Option]
    # What the seller's block prints (the organizer's settings page edits it).
    seller_name: str
    seller_vat_id: str
    invoices_url: str
