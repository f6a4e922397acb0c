"""Back office: the organizer's tax rules and seller details (``Manage/TaxRules``, managers;
the seller's details owners), and an event's tax settings (posted from its editor).

Every change goes through ``taxes.rules``. Errors come back keyed by the form they belong
to: ``new.<field>``, ``<rule id>.edit.<field>``, ``<rule id>.delete.form``,
``seller.<field>``; an event's settings ``taxes.<field>`` on the event editor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from accounts.models import Membership, Organizer
from accounts.permissions import membership_for, require_role
from backoffice.access import MANAGERS, OWNERS, managed_event
from backoffice.forms import SellerForm
from backoffice.schemas.taxes import (
    EventTaxSettings,
    ManagedTaxRule,
    SellerSettings,
    TaxClause,
    TaxRulesPageProps,
    TaxTemplate,
    TicketTypeTaxRule,
)
from core.inertia import form_errors, form_page, render_page, render_with_errors, submitted_data
from core.money import money_str
from core.schemas import Option
from events.models import Event
from questions import services as questions
from storefront.schemas import Country, OrganizerRef
from taxes import engine, rules
from taxes.models import TaxRule


def _rules_url(organizer_slug: str) -> str:
    return reverse("backoffice:tax_rules", kwargs={"organizer_slug": organizer_slug})


def _rules_page_url(_request: HttpRequest | None, organizer_slug: str, **_: object) -> str:
    return _rules_url(organizer_slug)


def _rate(value: Any) -> str | None:
    return None if value is None else money_str(value)


def managed_rule(rule: TaxRule, uses: int) -> ManagedTaxRule:
    return ManagedTaxRule(
        id=rule.pk,
        name=rule.name,
        rate=money_str(rule.rate),
        price_includes_tax=rule.price_includes_tax,
        seller_rate_below_oss_threshold=rule.seller_rate_below_oss_threshold,
        clauses=[
            TaxClause(country=c["country"], buyer=c["buyer"], action=c["action"], rate=c.get("rate"))
            for c in rule.clauses
        ],
        default_action=rule.default_action,
        default_rate=_rate(rule.default_rate),
        template=rule.template,
        events=uses,
    )


def _page_props(membership: Membership) -> TaxRulesPageProps:
    organizer = membership.organizer
    found = list(TaxRule.objects.filter(organizer=organizer))
    return TaxRulesPageProps(
        organizer=OrganizerRef(name=organizer.name, slug=organizer.slug),
        can_edit_seller=membership.role in OWNERS,
        seller=SellerSettings(
            legal_name=organizer.legal_name,
            legal_address=organizer.legal_address,
            country=organizer.country,
            vat_id=organizer.vat_id,
        ),
        rules=[managed_rule(rule, rules.uses(rule)) for rule in found],
        templates=[
            TaxTemplate(key=t.key, name=t.name, description=t.description) for t in rules.TEMPLATES.values()
        ],
        actions=[Option(value=a.value, label=engine.ACTION_LABELS[a]) for a in engine.Action],
        buyers=[Option(value=b.value, label=engine.BUYER_LABELS[b]) for b in engine.BuyerKind],
        country_groups=[Option(value=key, label=label) for key, label in engine.COUNTRY_GROUPS.items()],
        countries=[Country(code=code, name=name) for code, name in questions.countries()],
    )


def _membership(request: HttpRequest, organizer_slug: str, roles: Iterable[str] = MANAGERS) -> Membership:
    membership = membership_for(request.user, organizer_slug)
    require_role(membership, roles)
    return membership


def _invalid(request: HttpRequest, membership: Membership, key: str, errors: dict[str, str]) -> HttpResponse:
    return render_with_errors(
        request, _page_props(membership), {f"{key}.{field}": message for field, message in errors.items()}
    )


def _rule_of(request: HttpRequest, organizer_slug: str, rule_id: int) -> tuple[Membership, TaxRule]:
    """A manager's membership and the organizer's rule ``rule_id`` (404 for another's)."""
    membership = _membership(request, organizer_slug)
    return membership, get_object_or_404(TaxRule, pk=rule_id, organizer=membership.organizer)


def rule_input(data: dict[str, Any]) -> rules.RuleInput:
    """A rule as a form or the API submits it; ``taxes.rules.save_rule`` checks every value."""
    return rules.RuleInput(
        name=name if isinstance(name := data.get("name"), str) else "",
        rate=data.get("rate"),
        price_includes_tax=data.get("price_includes_tax", True) is True,
        seller_rate_below_oss_threshold=data.get("seller_rate_below_oss_threshold") is True,
        clauses=data.get("clauses", []),
        default_action=data.get("default_action", engine.Action.VAT.value),
        default_rate=data.get("default_rate"),
    )


@login_required
@require_GET
def tax_rules(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    membership = _membership(request, organizer_slug)
    return render_page(request, _page_props(membership), template_data={"page_title": gettext("Tax rules")})


@login_required
@form_page(_rules_page_url)
def tax_rule_create(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    """A new rule from a template (``template``), or as given."""
    membership = _membership(request, organizer_slug)
    data = submitted_data(request)
    try:
        if data.get("template"):
            rule = rules.from_template(membership.organizer, str(data["template"]))
        else:
            rule = rules.save_rule(membership.organizer, rule_input(data))
    except rules.RuleInvalid as exc:
        return _invalid(request, membership, "new", exc.errors)
    messages.success(request, gettext("Tax rule added: %(rule)s. Check its rate.") % {"rule": rule.name})
    return redirect(_rules_url(organizer_slug))


@login_required
@form_page(_rules_page_url)
def tax_rule_update(request: HttpRequest, organizer_slug: str, rule_id: int) -> HttpResponse:
    membership, rule = _rule_of(request, organizer_slug, rule_id)
    try:
        rules.save_rule(membership.organizer, rule_input(submitted_data(request)), rule)
    except rules.RuleInvalid as exc:
        return _invalid(request, membership, f"{rule.pk}.edit", exc.errors)
    messages.success(
        request,
        gettext("Tax rule saved: %(rule)s. Orders placed before keep their tax.") % {"rule": rule.name},
    )
    return redirect(_rules_url(organizer_slug))


@login_required
@form_page(_rules_page_url)
def tax_rule_delete(request: HttpRequest, organizer_slug: str, rule_id: int) -> HttpResponse:
    membership, rule = _rule_of(request, organizer_slug, rule_id)
    try:
        rules.delete_rule(rule)
    except rules.RuleInUse as exc:
        return _invalid(request, membership, f"{rule_id}.delete", {"form": str(exc)})
    messages.success(request, gettext("Tax rule deleted: %(rule)s.") % {"rule": rule.name})
    return redirect(_rules_url(organizer_slug))


@login_required
@form_page(_rules_page_url)
def seller_settings(request: HttpRequest, organizer_slug: str) -> HttpResponse:
    """Owners set the seller on invoices: legal name, address, country, VAT ID."""
    membership = _membership(request, organizer_slug, OWNERS)
    organizer: Organizer = membership.organizer
    form = SellerForm(submitted_data(request), instance=organizer)
    if not form.is_valid():
        organizer.refresh_from_db()
        return _invalid(request, membership, "seller", form_errors(form))
    form.save()
    messages.success(request, gettext("The seller's details are saved."))
    return redirect(_rules_url(organizer_slug))


# --- An event's tax settings (on its editor) ---------------------------------------------


def event_tax_settings(event: Event) -> EventTaxSettings:
    """The event editor's tax section."""
    organizer_slug = event.organizer.slug
    return EventTaxSettings(
        url=reverse(
            "backoffice:event_taxes", kwargs={"organizer_slug": organizer_slug, "event_slug": event.slug}
        ),
        rules_url=_rules_url(organizer_slug),
        tax_rule=event.tax_rule_id,
        invoice_address=event.invoice_address,
        invoice_address_options=[Option(value=v, label=label) for v, label in Event.InvoiceAddress.choices],
        ticket_types=[
            TicketTypeTaxRule(id=t.pk, name=t.name, tax_rule=t.tax_rule_id) for t in event.ticket_types.all()
        ],
        rules=[
            Option(value=str(rule.pk), label=str(rule))
            for rule in TaxRule.objects.filter(organizer_id=event.organizer_id)
        ],
    )


def _event_page_url(_request: HttpRequest | None, organizer_slug: str, event_slug: str, **_: object) -> str:
    return reverse("backoffice:event", kwargs={"organizer_slug": organizer_slug, "event_slug": event_slug})


@login_required
@form_page(_event_page_url)
def event_taxes(request: HttpRequest, organizer_slug: str, event_slug: str) -> HttpResponse:
    """The event's tax rule, its ticket types' own, and the invoice address setting."""
    # Here: the editor's page (backoffice.views.events) imports this module for its tax section.
    from backoffice.views import events as event_views

    membership, event = managed_event(request, organizer_slug, event_slug, MANAGERS)
    data = submitted_data(request)
    errors = rules.set_event_taxes(
        event, data.get("tax_rule"), data.get("invoice_address"), data.get("ticket_types", {})
    )
    if errors:
        return render_with_errors(
            request,
            event_views._editor_props(membership, event),
            {f"taxes.{k}": v for k, v in errors.items()},
        )
    messages.success(request, gettext("Tax settings saved. Orders placed before keep their tax."))
    return redirect(_event_page_url(request, organizer_slug, event_slug))
