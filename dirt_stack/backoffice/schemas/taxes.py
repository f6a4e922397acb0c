"""The back office's tax pages: the organizer's tax rules and seller details
(``Manage/TaxRules``), and an event's tax settings on its editor (``EventTaxSettings``)."""

from __future__ import annotations

from pydantic import Field

from core.schemas import Option, PageProps, Shape
from storefront.schemas import Country, OrganizerRef, TaxRate


class TaxClause(Shape):
    """One rule of a tax rule, tried in order."""

    country: str = Field(description="An ISO 3166-1 alpha-2 code, or `*`, `EU`, `EU_FOREIGN`, `NON_EU`.")
    buyer: str = Field(description="`any`, `private`, `business`, `business_vat_id`.")
    action: str = Field(description="`vat`, `vat_rate`, `vat_buyer_country`, `reverse_charge`, `exempt`.")
    rate: TaxRate | None = Field(description="The rate of `vat_rate`.")


class ManagedTaxRule(Shape):
    id: int
    name: str
    rate: TaxRate
    price_includes_tax: bool
    seller_rate_below_oss_threshold: bool
    clauses: list[TaxClause]
    default_action: str
    default_rate: TaxRate | None
    template: str = Field(description="The template it was made from; empty when none.")
    events: int = Field(description="How many events and ticket types use it: 0 may be deleted.")


class TaxTemplate(Shape):
    key: str
    name: str
    description: str


class SellerSettings(Shape):
    """The seller on invoices: the organizer's legal name, address, country and VAT ID."""

    legal_name: str
    legal_address: str
    country: str
    vat_id: str


class TaxRulesPageProps(PageProps):
    component = "Manage/TaxRules"

    organizer: OrganizerRef
    can_edit_seller: bool = Field(description="Owners change the seller's details.")
    seller: SellerSettings
    rules: list[ManagedTaxRule]
    templates: list[TaxTemplate]
    actions: list[Option]
    buyers: list[Option]
    country_groups: list[Option]
    countries: list[Country]


class TicketTypeTaxRule(Shape):
    id: int
    name: str
    tax_rule: int | None = Field(description="Its own rule; null: the event's.")


class EventTaxSettings(Shape):
    """An event's tax rule, its ticket types' own, and whether its checkout asks for an invoice
    address; the organizer's rules to choose from."""

    url: str = Field(description="Where the settings are posted.")
    rules_url: str
    tax_rule: int | None
    invoice_address: str
    invoice_address_options: list[Option]
    ticket_types: list[TicketTypeTaxRule]
    rules: list[Option] = Field(description="The organizer's tax rules (value: the id).")
