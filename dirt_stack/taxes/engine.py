"""The tax of an order's lines: which treatment and rate a line gets, and its amounts.

Pure: no database, no clock, no settings (its texts aside, see below). A tax rule (``Rule``, built from
``taxes.models.TaxRule.spec``) lists clauses by buyer country and buyer kind, tried in order,
and a default; the first clause that matches the buyer decides the line's treatment (VAT at
the rule's rate, at another rate, at the buyer country's standard rate, reverse charge,
exempt). Amounts are Decimal; each line's tax is rounded half up to the currency's decimals
(``tax_line``), and an order's tax is the sum of its lines' (``summary``), as invoices sum
per rate.

Prices are the rule's to interpret: with ``price_includes_tax`` (gross prices, the EU norm
for consumers) the line's price is what the buyer pays and the tax is the part of it at the
decided rate; a reverse-charged or exempt line is charged the net price (the tax at the
rule's own rate taken off). Without it (net prices) the tax is added, unless reverse
charged or exempt. ADR 0036 says which rules of the VAT Directive the templates follow.

The labels and legal texts are English, marked for translation: they are read in the active
language (a lazy label where it is used, ``Decision.note`` when asked).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from taxes.rates import STANDARD_RATES, is_eu

HUNDRED = Decimal(100)
ZERO = Decimal(0)

# The legal texts an invoice (invoicing.pdf) and the order page print for such lines.
REVERSE_CHARGE_TEXT = gettext_noop(
    "Reverse charge: VAT is owed by the recipient of the service "
    "(Article 196 of Council Directive 2006/112/EC)."
)
EXEMPT_TEXT = gettext_noop("No VAT is charged on this supply.")


class Treatment(enum.StrEnum):
    """How a line was taxed; the values of ``sales.models.TaxTreatment``."""

    NONE = "none"
    VAT = "vat"
    REVERSE_CHARGE = "reverse_charge"
    EXEMPT = "exempt"


class Action(enum.StrEnum):
    """What a clause does to the lines of a buyer it matches."""

    VAT = "vat"  # VAT at the rule's rate
    VAT_RATE = "vat_rate"  # VAT at the clause's own rate
    VAT_BUYER_COUNTRY = "vat_buyer_country"  # the buyer's member state's standard rate (OSS)
    REVERSE_CHARGE = "reverse_charge"
    EXEMPT = "exempt"


ACTION_LABELS = {
    Action.VAT: gettext_lazy("VAT at the rule's rate"),
    Action.VAT_RATE: gettext_lazy("VAT at another rate"),
    Action.VAT_BUYER_COUNTRY: gettext_lazy("VAT at the buyer's country's standard rate (OSS)"),
    Action.REVERSE_CHARGE: gettext_lazy("Reverse charge"),
    Action.EXEMPT: gettext_lazy("Exempt (no VAT)"),
}


class BuyerKind(enum.StrEnum):
    ANY = "any"
    PRIVATE = "private"
    BUSINESS = "business"
    # A business buyer who gave a VAT ID that is valid (VIES) or could not be checked.
    BUSINESS_VAT_ID = "business_vat_id"


BUYER_LABELS = {
    BuyerKind.ANY: gettext_lazy("Any buyer"),
    BuyerKind.PRIVATE: gettext_lazy("Private buyers"),
    BuyerKind.BUSINESS: gettext_lazy("Business buyers"),
    BuyerKind.BUSINESS_VAT_ID: gettext_lazy("Business buyers with an EU VAT ID"),
}

# Country matchers besides an ISO 3166-1 alpha-2 code.
ANY_COUNTRY = "*"
EU = "EU"
EU_FOREIGN = "EU_FOREIGN"  # an EU member state other than the seller's
NON_EU = "NON_EU"
COUNTRY_GROUPS = {
    ANY_COUNTRY: gettext_lazy("Any country"),
    EU: gettext_lazy("Any EU member state"),
    EU_FOREIGN: gettext_lazy("Another EU member state than the seller's"),
    NON_EU: gettext_lazy("Outside the EU"),
}


@dataclass(frozen=True)
class Clause:
    country: str  # an ISO code or one of COUNTRY_GROUPS
    buyer: BuyerKind
    action: Action
    rate: Decimal | None = None  # VAT_RATE's rate


@dataclass(frozen=True)
class Rule:
    rate: Decimal
    price_includes_tax: bool
    clauses: tuple[Clause, ...]
    default: Clause
    # Below the EU-wide threshold of Art. 59c (EUR 10,000 a year of cross-border sales to
    # consumers) a seller may charge its own rate: VAT_BUYER_COUNTRY then means VAT.
    seller_rate_below_oss_threshold: bool = False


@dataclass(frozen=True)
class Buyer:
    """Who buys, from the invoice address; None when the checkout asked for none (a private
    buyer whose country is not known)."""

    country: str
    is_business: bool
    has_vat_id: bool  # a VAT ID valid in VIES, or not checked because VIES was unreachable


@dataclass(frozen=True)
class Decision:
    treatment: Treatment
    rate: Decimal  # the VAT rate charged (0 unless VAT)

    @property
    def note(self) -> str:
        """The legal text an invoice and the order page print for such a line, in the active
        language."""
        if self.treatment == Treatment.REVERSE_CHARGE:
            return gettext(REVERSE_CHARGE_TEXT)
        if self.treatment == Treatment.EXEMPT:
            return gettext(EXEMPT_TEXT)
        return ""


@dataclass(frozen=True)
class LineTax:
    treatment: Treatment
    rate: Decimal
    tax: Decimal  # the tax contained in ``total``
    total: Decimal  # what the buyer pays for the line

    @property
    def net(self) -> Decimal:
        return self.total - self.tax


NO_RULE = Decision(Treatment.NONE, ZERO)


def country_matches(matcher: str, country: str | None, seller_country: str) -> bool:
    if matcher == ANY_COUNTRY:
        return True
    if not country:
        return False
    if matcher == EU:
        return is_eu(country)
    if matcher == EU_FOREIGN:
        return is_eu(country) and country != seller_country
    if matcher == NON_EU:
        return not is_eu(country)
    return matcher == country


def buyer_matches(kind: BuyerKind, buyer: Buyer | None) -> bool:
    if kind == BuyerKind.ANY:
        return True
    is_business = buyer is not None and buyer.is_business
    if kind == BuyerKind.PRIVATE:
        return not is_business
    if kind == BuyerKind.BUSINESS:
        return is_business
    return is_business and buyer is not None and buyer.has_vat_id


def matching_clause(rule: Rule, buyer: Buyer | None, seller_country: str) -> Clause:
    """The first of the rule's clauses that matches ``buyer``, else its default."""
    country = buyer.country if buyer else None
    for clause in rule.clauses:
        if country_matches(clause.country, country, seller_country) and buyer_matches(clause.buyer, buyer):
            return clause
    return rule.default


def decide(rule: Rule | None, buyer: Buyer | None, seller_country: str) -> Decision:
    """The treatment and rate of a line under ``rule`` for ``buyer`` (None: no rule, no tax)."""
    if rule is None:
        return NO_RULE
    clause = matching_clause(rule, buyer, seller_country)
    if clause.action == Action.REVERSE_CHARGE:
        return Decision(Treatment.REVERSE_CHARGE, ZERO)
    if clause.action == Action.EXEMPT:
        return Decision(Treatment.EXEMPT, ZERO)
    if clause.action == Action.VAT_RATE and clause.rate is not None:
        return Decision(Treatment.VAT, clause.rate)
    if clause.action == Action.VAT_BUYER_COUNTRY and not rule.seller_rate_below_oss_threshold:
        country = buyer.country if buyer else ""
        if country in STANDARD_RATES:
            return Decision(Treatment.VAT, STANDARD_RATES[country])
    return Decision(Treatment.VAT, rule.rate)


def decimals(currency: str) -> int:
    """The currency's minor-unit digits (2 for EUR, 0 for JPY); at most 2, as amounts are stored."""
    return min(get_currency_precision(currency), 2)


def round_money(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def contained_tax(gross: Decimal, rate: Decimal, places: int) -> Decimal:
    """The tax at ``rate`` percent contained in ``gross``, rounded."""
    return round_money(gross * rate / (HUNDRED + rate), places)


def tax_line(amount: Decimal, rule: Rule | None, decision: Decision, places: int) -> LineTax:
    """A line priced ``amount`` (its list price after discounts) taxed as ``decision`` says."""
    if rule is None or decision.treatment == Treatment.NONE:
        return LineTax(Treatment.NONE, ZERO, ZERO, amount)
    charged_vat = decision.treatment == Treatment.VAT
    if rule.price_includes_tax:
        if charged_vat:
            return LineTax(
                decision.treatment, decision.rate, contained_tax(amount, decision.rate, places), amount
            )
        # Reverse charge or exempt: the buyer pays the price without the rule's tax.
        net = amount - contained_tax(amount, rule.rate, places)
        return LineTax(decision.treatment, ZERO, ZERO, net)
    if charged_vat:
        tax = round_money(amount * decision.rate / HUNDRED, places)
        return LineTax(decision.treatment, decision.rate, tax, amount + tax)
    return LineTax(decision.treatment, ZERO, ZERO, amount)


def tax_lines(
    amounts: Sequence[tuple[Decimal, Rule | None]], buyer: Buyer | None, seller_country: str, currency: str
) -> list[LineTax]:
    """Each line (its amount, its rule) taxed for ``buyer``."""
    places = decimals(currency)
    return [tax_line(amount, rule, decide(rule, buyer, seller_country), places) for amount, rule in amounts]


@dataclass(frozen=True)
class RateTotal:
    """The lines of one treatment and rate, summed: what an invoice prints per rate."""

    treatment: Treatment
    rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


def summary(lines: Iterable[tuple[str, Decimal, Decimal, Decimal]]) -> list[RateTotal]:
    """Per (treatment, rate), the sums of the lines given as (treatment, rate, tax, total);
    VAT first, highest rate first."""
    sums: dict[tuple[str, Decimal], tuple[Decimal, Decimal]] = {}
    for treatment, rate, tax, total in lines:
        key = (str(treatment), Decimal(rate))
        tax_sum, total_sum = sums.get(key, (ZERO, ZERO))
        sums[key] = (tax_sum + tax, total_sum + total)
    rank = {Treatment.VAT: 0, Treatment.REVERSE_CHARGE: 1, Treatment.EXEMPT: 2, Treatment.NONE: 3}
    return [
        RateTotal(Treatment(treatment), rate, total - tax, tax, total)
        for (treatment, rate), (tax, total) in sorted(
            sums.items(), key=lambda item: (rank[Treatment(item[0][0])], -item[0][1])
        )
    ]
