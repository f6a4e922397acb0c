"""The EU member states and their standard VAT rates.

The rates are the standard rates of each member state as the European Commission lists them
in "VAT rates applied in the Member States of the European Union", situation at
1 January 2025 (taxation_customs, ``vat_rates_en.pdf``), with the changes in force since:
Estonia 24 % (1 July 2025), Romania 21 % (1 August 2025), Slovakia 23 % (1 January 2025),
Finland 25.5 % (1 September 2024).
Checked on 1 December 2026. A change of rate is a change here (and a line in ADR 0036).

Only standard rates: reduced rates (many member states tax admission to cultural events at a
reduced rate) are the organizer's choice, as a tax rule's rate or a rule's own rate.
"""

from __future__ import annotations

from decimal import Decimal

RATES_AS_OF = "2025-08-01"
RATES_SOURCE = (
    "European Commission, VAT rates applied in the Member States of the European Union "
    "(situation at 1 January 2025), with the changes in force since"
)

# ISO 3166-1 alpha-2 (Greece is GR here; its VAT IDs start with EL).
STANDARD_RATES: dict[str, Decimal] = {
    "AT": Decimal("20"),
    "BE": Decimal("21"),
    "BG": Decimal("20"),
    "CY": Decimal("19"),
    "CZ": Decimal("21"),
    "DE": Decimal("19"),
    "DK": Decimal("25"),
    "EE": Decimal("24"),
    "ES": Decimal("21"),
    "FI": Decimal("25.5"),
    "FR": Decimal("20"),
    "GR": Decimal("24"),
    "HR": Decimal("25"),
    "HU": Decimal("27"),
    "IE": Decimal("23"),
    "IT": Decimal("22"),
    "LT": Decimal("21"),
    "LU": Decimal("17"),
    "LV": Decimal("21"),
    "MT": Decimal("18"),
    "NL": Decimal("21"),
    "PL": Decimal("23"),
    "PT": Decimal("23"),
    "RO": Decimal("21"),
    "SE": Decimal("25"),
    "SI": Decimal("22"),
    "SK": Decimal("23"),
}

EU_MEMBER_STATES: frozenset[str] = frozenset(STANDARD_RATES)


def is_eu(country: str) -> bool:
    return country in EU_MEMBER_STATES


def vat_prefix(country: str) -> str:
    """The prefix of a member state's VAT IDs: its ISO code, but EL for Greece."""
    return "EL" if country == "GR" else country
