"""Checking, creating, changing and deleting an organizer's tax rules, and their templates.

Every way in (the back office's form, the organizer API) goes through ``save_rule`` and
``delete_rule``; the clauses a rule lists through ``clean_clauses``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts.models import Organizer
from core.input import InputError, clean_name, parse_id
from events.models import Event, TicketType
from taxes import engine
from taxes.models import TaxRule
from taxes.rates import STANDARD_RATES

MAX_CLAUSES = 50
NAME_MAX_LENGTH = 100


class RuleInvalid(Exception):
    """A rule the organizer must fix: ``errors`` by field (``clauses.<n>.<key>`` for a clause's)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class RuleInUse(Exception):
    pass


def _rate(value: Any) -> Decimal | None:
    """A percentage from 0 to 100 with at most two decimals, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not rate.is_finite() or rate < 0 or rate > 100:
        return None
    rounded = rate.quantize(Decimal("0.01"))
    return rounded if rounded == rate else None


def rate_refusal() -> str:
    return gettext("Enter a rate from 0 to 100 %, with at most two decimals.")


def _country_ok(value: str) -> bool:
    return value in engine.COUNTRY_GROUPS or (
        len(value) == 2 and value.isascii() and pycountry.countries.get(alpha_2=value) is not None
    )


def clean_clauses(raw: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The clauses as stored (``country``, ``buyer``, ``action``, ``rate`` as text or None),
    and every fault by ``clauses.<n>.<key>``."""
    errors: dict[str, str] = {}
    if not isinstance(raw, list):
        return [], {"clauses": gettext("Send the rules as a list.")}
    if len(raw) > MAX_CLAUSES:
        too_many = ngettext(
            "A tax rule has at most %(count)s rule.", "A tax rule has at most %(count)s rules.", MAX_CLAUSES
        )
        return [], {"clauses": too_many % {"count": MAX_CLAUSES}}
    cleaned = []
    for n, clause in enumerate(raw):
        where = f"clauses.{n}"
        if not isinstance(clause, Mapping):
            errors[where] = gettext("Each rule is an object with country, buyer and action.")
            continue
        country = clause.get("country")
        country = country.strip().upper() if isinstance(country, str) else ""
        if country in {g.upper() for g in engine.COUNTRY_GROUPS}:
            country = next(g for g in engine.COUNTRY_GROUPS if g.upper() == country)
        if not _country_ok(country):
            errors[f"{where}.country"] = gettext("Choose a country (ISO code) or a group of countries.")
        buyer = clause.get("buyer")
        if buyer not in set(engine.BuyerKind):
            errors[f"{where}.buyer"] = gettext("Choose which buyers the rule applies to.")
        action = clause.get("action")
        if action not in set(engine.Action):
            errors[f"{where}.action"] = gettext("Choose what the rule does.")
        rate = None
        if action == engine.Action.VAT_RATE:
            rate = _rate(clause.get("rate"))
            if rate is None:
                errors[f"{where}.rate"] = rate_refusal()
        cleaned.append(
            {
                "country": country,
                "buyer": str(buyer),
                "action": str(action),
                "rate": str(rate) if rate is not None else None,
            }
        )
    return cleaned, errors


@dataclass
class RuleInput:
    """A rule as an organizer submits it (the back office's form, the API)."""

    name: str
    rate: Any
    price_includes_tax: bool = True
    seller_rate_below_oss_threshold: bool = False
    clauses: Any = field(default_factory=list)
    default_action: Any = engine.Action.VAT.value
    default_rate: Any = None


def _checked(data: RuleInput) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values["name"] = clean_name(str(data.name or ""))
    except InputError as exc:
        errors["name"] = str(exc)
        values["name"] = ""
    if not errors and not values["name"]:
        errors["name"] = gettext("Name the tax rule.")
    if len(values["name"]) > NAME_MAX_LENGTH:
        errors["name"] = ngettext(
            "A name has at most %(count)s character.",
            "A name has at most %(count)s characters.",
            NAME_MAX_LENGTH,
        ) % {"count": NAME_MAX_LENGTH}
    rate = _rate(data.rate)
    if rate is None:
        errors["rate"] = rate_refusal()
    values["rate"] = rate
    values["price_includes_tax"] = bool(data.price_includes_tax)
    values["seller_rate_below_oss_threshold"] = bool(data.seller_rate_below_oss_threshold)
    clauses, clause_errors = clean_clauses(data.clauses)
    errors.update(clause_errors)
    values["clauses"] = clauses
    if data.default_action not in set(engine.Action):
        errors["default_action"] = gettext("Choose what happens when no rule matches.")
    values["default_action"] = str(data.default_action)
    values["default_rate"] = None
    if data.default_action == engine.Action.VAT_RATE:
        values["default_rate"] = _rate(data.default_rate)
        if values["default_rate"] is None:
            errors["default_rate"] = rate_refusal()
    return values, errors


def save_rule(organizer: Organizer, data: RuleInput, rule: TaxRule | None = None) -> TaxRule:
    """Create (``rule`` None) or change a rule of ``organizer``. Raises RuleInvalid."""
    values, errors = _checked(data)
    if errors:
        raise RuleInvalid(errors)
    taken = TaxRule.objects.filter(organizer=organizer, name=values["name"])
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        raise RuleInvalid({"name": gettext("Another tax rule has this name.")})
    rule = rule or TaxRule(organizer=organizer)
    for key, value in values.items():
        setattr(rule, key, value)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:  # a racing save took the name
        raise RuleInvalid({"name": gettext("Another tax rule has this name.")}) from exc
    return rule


def uses(rule: TaxRule) -> int:
    """How many events and ticket types use ``rule``."""
    return int(rule.events.count() + rule.ticket_types.count())


def in_use(rule: TaxRule) -> bool:
    return rule.events.exists() or rule.ticket_types.exists()


def delete_rule(rule: TaxRule) -> None:
    """Delete a rule no event or ticket type uses (RuleInUse otherwise). Orders keep the
    tax their lines were written with."""
    if in_use(rule):
        raise RuleInUse(gettext("Events or ticket types use this tax rule: choose another for them first."))
    rule.delete()


# --- Templates ------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A starting point for a rule; its name and description are read in the active language."""

    key: str
    written_name: Promise
    written_description: Promise
    clauses: tuple[dict[str, Any], ...]

    @property
    def name(self) -> str:
        return str(self.written_name)

    @property
    def description(self) -> str:
        return str(self.written_description)


PHYSICAL = Template(
    key="physical_admission",
    written_name=gettext_lazy("Admission to a physical event"),
    written_description=gettext_lazy(
        "Taxed where the event takes place (Art. 53 Directive 2006/112/EC), for private and "
        "business buyers alike: never reverse charged. The rate is that country's rate for "
        "admission to such events."
    ),
    clauses=(),
)
ONLINE = Template(
    key="online_event",
    written_name=gettext_lazy("Online event / electronic service"),
    written_description=gettext_lazy(
        "Business buyers with a valid VAT ID in another EU member state: reverse charge "
        "(Art. 44, 196). Consumers in another member state: that state's standard rate (Art. 58, "
        "OSS), or the rule's rate below the EUR 10,000 threshold (Art. 59c). Buyers outside the "
        "EU: no EU VAT. Everyone else: the rule's rate."
    ),
    clauses=(
        {"country": engine.EU_FOREIGN, "buyer": "business_vat_id", "action": "reverse_charge", "rate": None},
        {"country": engine.EU_FOREIGN, "buyer": "any", "action": "vat_buyer_country", "rate": None},
        {"country": engine.NON_EU, "buyer": "any", "action": "exempt", "rate": None},
    ),
)
TEMPLATES = {t.key: t for t in (PHYSICAL, ONLINE)}


def from_template(organizer: Organizer, key: str, *, name: str | None = None) -> TaxRule:
    """A new rule from a template, at the organizer's country's standard rate (0 when its
    country is not set or outside the EU: the organizer sets it). Raises RuleInvalid."""
    template = TEMPLATES.get(key)
    if template is None:
        raise RuleInvalid({"template": gettext("Choose one of the templates.")})
    base = name or template.name
    candidate, n = base, 2
    while TaxRule.objects.filter(organizer=organizer, name=candidate).exists():
        candidate, n = f"{base} ({n})", n + 1
    rule = save_rule(
        organizer,
        RuleInput(
            name=candidate,
            rate=STANDARD_RATES.get(organizer.country, Decimal("0")),
            price_includes_tax=True,
            clauses=[dict(c) for c in template.clauses],
        ),
    )
    rule.template = key
    rule.save(update_fields=["template"])
    return rule


# --- An event's tax settings ------------------------------------------------------------


def set_event_taxes(
    event: Event, rule_id: Any, invoice_address: Any, ticket_type_rules: Any
) -> dict[str, str]:
    """Set ``event``'s tax rule (an id of its organizer's rules, or None), whether its checkout
    asks for an invoice address, and its ticket types' own rules (``{ticket type id: rule id
    or None}``, the types left out keep theirs). Returns every fault; nothing is saved then."""
    errors: dict[str, str] = {}
    own = {rule.pk: rule for rule in TaxRule.objects.filter(organizer_id=event.organizer_id)}

    def rule_of(raw: Any, field_name: str) -> TaxRule | None:
        if raw in (None, ""):
            return None
        found = own.get(parse_id(raw) or 0)
        if found is None:
            errors[field_name] = gettext("Choose one of your tax rules.")
        return found

    rule = rule_of(rule_id, "tax_rule")
    if invoice_address not in Event.InvoiceAddress.values:
        errors["invoice_address"] = gettext("Choose whether the checkout asks for an invoice address.")
    types = {t.pk: t for t in TicketType.objects.filter(event=event)}
    chosen: dict[int, TaxRule | None] = {}
    if not isinstance(ticket_type_rules, Mapping):
        errors["ticket_types"] = gettext("Send the ticket types' rules as an object.")
    else:
        for raw_id, raw_rule in ticket_type_rules.items():
            type_id = parse_id(raw_id)
            if type_id not in types:
                errors["ticket_types"] = gettext("Some of these ticket types are not the event's.")
                continue
            chosen[type_id] = rule_of(raw_rule, f"ticket_types.{type_id}")
    if errors:
        return errors
    with transaction.atomic():
        Event.objects.filter(pk=event.pk).update(tax_rule=rule, invoice_address=invoice_address)
        for type_id, type_rule in chosen.items():
            TicketType.objects.filter(pk=type_id).update(tax_rule=type_rule)
    event.tax_rule, event.invoice_address = rule, invoice_address
    return {}
