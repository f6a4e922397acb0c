"""The invoice address a buyer gives at checkout: checked, its VAT ID verified, and the
buyer it makes for the tax engine.

``check`` is pure (every fault at once, keys ``invoice_address.<field>``); ``verify`` asks
VIES and must run outside any database transaction; ``prepare`` does both, as the web
checkout and the purchase API call it before the order's write. ``sales.order_writer``
stores the result as the order's ``sales.InvoiceAddress``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pycountry
from django.utils import timezone
from django.utils.translation import gettext

from core.input import InputError, clean_name, text_problem, too_long
from taxes import engine, vat_ids
from taxes.rates import is_eu

# The columns' lengths (sales.InvoiceAddress).
LENGTHS = {"company": 200, "name": 200, "street": 300, "zipcode": 30, "city": 200}

OFF, OPTIONAL, REQUIRED = "off", "optional", "required"
PREFIX = "invoice_address"

NOT_GIVEN, VALID, UNCHECKED = "not_given", "valid", "unchecked"  # sales.InvoiceAddress.VatIdStatus
# What the buyer gives, as sales.InvoiceAddress and the order's answers name it.
FIELDS = ("is_business", "company", "name", "street", "zipcode", "city", "country", "vat_id")


@dataclass
class AddressDetails:
    is_business: bool
    company: str
    name: str
    street: str
    zipcode: str
    city: str
    country: str
    vat_id: str = ""
    vat_id_status: str = NOT_GIVEN
    vat_id_checked_at: dt.datetime | None = None

    def buyer(self) -> engine.Buyer:
        return engine.Buyer(
            country=self.country,
            is_business=self.is_business,
            has_vat_id=self.is_business and self.vat_id_status in (VALID, UNCHECKED),
        )

    def fingerprint(self) -> dict[str, Any]:
        """What an Idempotency-Key's request is compared by (not VIES's answer)."""
        found = asdict(self)
        for key in ("vat_id_status", "vat_id_checked_at"):
            found.pop(key)
        return found


def _text(raw: Mapping[str, Any], key: str, errors: dict[str, str]) -> str:
    value = raw.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[f"{PREFIX}.{key}"] = gettext("Enter text.")
        return ""
    try:
        cleaned = clean_name(value)  # line breaks folded, control characters refused
    except InputError as exc:
        errors[f"{PREFIX}.{key}"] = str(exc)
        return ""
    if len(cleaned) > LENGTHS[key]:
        errors[f"{PREFIX}.{key}"] = too_long(LENGTHS[key], len(cleaned))
        return ""
    return cleaned


def _given(raw: Mapping[str, Any]) -> bool:
    return any(raw.get(k) not in (None, "", False) for k in (*LENGTHS, "country", "vat_id", "is_business"))


def check(setting: str, raw: Any) -> tuple[AddressDetails | None, dict[str, str]]:
    """The address given at checkout (None when none was: allowed unless ``setting`` is
    required) under the event's ``Event.invoice_address`` setting, or every fault."""
    if raw is None or (isinstance(raw, Mapping) and not _given(raw)):
        if setting == REQUIRED:
            return None, {PREFIX: gettext("Enter the invoice address.")}
        return None, {}
    if setting == OFF:
        return None, {PREFIX: gettext("This event does not issue invoices to an address: leave it out.")}
    if not isinstance(raw, Mapping):
        return None, {PREFIX: gettext("Send the invoice address as an object.")}
    errors: dict[str, str] = {}
    is_business = raw.get("is_business", False)
    if not isinstance(is_business, bool):
        errors[f"{PREFIX}.is_business"] = gettext("Say whether you buy as a business.")
        is_business = False
    values = {key: _text(raw, key, errors) for key in LENGTHS}
    country = raw.get("country", "")
    country = country.strip().upper() if isinstance(country, str) else ""
    if len(country) != 2 or not country.isascii() or pycountry.countries.get(alpha_2=country) is None:
        errors[f"{PREFIX}.country"] = gettext("Choose the country.")
        country = ""
    if is_business and not values["company"]:
        errors.setdefault(f"{PREFIX}.company", gettext("Enter the company's name."))
    if not is_business and not values["name"]:
        errors.setdefault(f"{PREFIX}.name", gettext("Enter the name the invoice is made out to."))
    if not values["street"]:
        errors.setdefault(f"{PREFIX}.street", gettext("Enter the street."))
    if not values["city"]:
        errors.setdefault(f"{PREFIX}.city", gettext("Enter the city."))
    vat_id = raw.get("vat_id", "")
    vat_id = vat_id if isinstance(vat_id, str) else ""
    normalized = ""
    if text_problem(vat_id, max_length=40):
        errors[f"{PREFIX}.vat_id"] = gettext("This is not a valid VAT ID.")
    elif vat_id.strip() and not is_business:
        errors[f"{PREFIX}.vat_id"] = gettext(
            "A VAT ID is for business buyers: tick “Buying as a business” or leave it out."
        )
    elif is_business and country and (vat_id.strip() or is_eu(country)):
        try:
            normalized = vat_ids.normalize(vat_id, country)
        except vat_ids.InvalidVatId as exc:
            errors[f"{PREFIX}.vat_id"] = str(exc)
    if errors:
        return None, errors
    return AddressDetails(
        is_business=is_business,
        company=values["company"],
        name=values["name"],
        street=values["street"],
        zipcode=values["zipcode"],
        city=values["city"],
        country=country,
        vat_id=normalized,
    ), {}


def verify(address: AddressDetails) -> dict[str, str]:
    """Ask VIES about the address's VAT ID (none: nothing to ask). Sets its status: valid, or
    unchecked when VIES could not answer; a VAT ID VIES does not know is a fault."""
    if not address.vat_id:
        address.vat_id_status = NOT_GIVEN
        return {}
    answer = vat_ids.ask_vies(address.vat_id)
    if answer == vat_ids.Vies.INVALID:
        return {
            f"{PREFIX}.vat_id": gettext(
                "This VAT ID is not registered in the EU's VIES: check it, or leave it out."
            )
        }
    address.vat_id_status = VALID if answer == vat_ids.Vies.VALID else UNCHECKED
    address.vat_id_checked_at = timezone.now() if answer == vat_ids.Vies.VALID else None
    return {}


def prepare(setting: str, raw: Any) -> tuple[AddressDetails | None, dict[str, str]]:
    """``check``, then ``verify`` when the address is sound. Outside any transaction."""
    address, errors = check(setting, raw)
    if address is None or errors:
        return address, errors
    errors = verify(address)
    return (None, errors) if errors else (address, {})
