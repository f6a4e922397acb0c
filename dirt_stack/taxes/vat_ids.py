"""VAT IDs: their syntax (python-stdnum) and their registration (VIES, the EU's VAT
Information Exchange System, over its REST API).

``normalize`` is pure. ``ask_vies`` makes one HTTPS request with a short timeout and no
retry; call it outside any database transaction (a slow VIES must never hold a row lock).
An unreachable VIES is an answer of its own (``Vies.UNREACHABLE``): the sale goes on and the
VAT ID is checked again later (sales.invoice_addresses).
"""

from __future__ import annotations

import enum
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.translation import gettext
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import clean

from taxes.rates import is_eu, vat_prefix

logger = logging.getLogger(__name__)


class InvalidVatId(ValueError):
    pass


def normalize(raw: str, country: str) -> str:
    """``raw`` as a VAT ID of ``country`` (an EU member state), compact, with its prefix
    (EL for Greece); InvalidVatId with a reason a buyer understands when its syntax or
    check digits are wrong or it belongs to another country."""
    prefix = vat_prefix(country)
    cleaned = clean(raw or "", " -./,").upper().strip()
    if not cleaned:
        raise InvalidVatId(gettext("Enter the VAT ID."))
    if not is_eu(country):
        raise InvalidVatId(gettext("A VAT ID is checked for addresses in the EU only: leave it empty."))
    if cleaned[:2].isalpha() and cleaned[:2] != prefix:
        raise InvalidVatId(
            gettext("This VAT ID is not one of the address's country (it starts with %(prefix)s).")
            % {"prefix": prefix}
        )
    if not cleaned[:2].isalpha():
        cleaned = prefix + cleaned
    try:
        return str(eu_vat.validate(cleaned))
    except StdnumError as exc:
        raise InvalidVatId(_syntax_refusal(exc)) from exc


def _syntax_refusal(error: StdnumError) -> str:
    """Why python-stdnum refused a VAT ID, for a buyer (its own messages are English)."""
    if isinstance(error, InvalidLength):
        return gettext("This is not a valid VAT ID: it has too few or too many characters.")
    if isinstance(error, InvalidChecksum):
        return gettext("This is not a valid VAT ID: its check digits are wrong (a typing mistake?).")
    if isinstance(error, InvalidFormat):
        return gettext("This is not a valid VAT ID: it is not written as that country's VAT IDs are.")
    return gettext("This is not a valid VAT ID.")


class Vies(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNREACHABLE = "unreachable"


def ask_vies(vat_id: str) -> Vies:
    """What VIES says of a normalized VAT ID: registered, not registered, or no answer
    (timeout, network error, a member state's service down: VIES's error codes)."""
    url = settings.VIES_URL.rstrip("/") + "/check-vat-number"
    body = json.dumps({"countryCode": vat_id[:2], "vatNumber": vat_id[2:]}).encode()
    request = urllib.request.Request(  # noqa: S310 - VIES_URL is the operator's setting
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.VIES_TIMEOUT_SECONDS) as answer:  # noqa: S310
            found = json.loads(answer.read(64 * 1024))
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        logger.warning("VIES unreachable", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})
        return Vies.UNREACHABLE
    if not isinstance(found, dict) or not isinstance(found.get("valid"), bool):
        # VIES answers its own outages (MS_UNAVAILABLE, TIMEOUT...) without a verdict.
        logger.warning("VIES gave no verdict", extra={"error": str(found)[:300]})
        return Vies.UNREACHABLE
    return Vies.VALID if found["valid"] else Vies.INVALID
