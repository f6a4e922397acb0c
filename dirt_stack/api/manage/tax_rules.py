"""Organizer endpoints for tax rules and an event's tax settings. Reading needs any token of
the organizer; changes an owner or manager token. Every change goes through ``taxes.rules``,
as the back office's do."""

from __future__ import annotations

from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router

from api.auth import OrganizerToken
from api.manage.common import event_of, invalid_fields, require_manager, token_of
from api.manage.schemas import Body
from api.problems import problem
from api.schemas import ProblemOut
from backoffice.schemas.taxes import ManagedTaxRule
from backoffice.views.taxes import managed_rule
from core.input import Id, NameRules, QueryId, TextRules
from core.schemas import OneOf, Shape
from events.models import Event
from taxes import engine, rules
from taxes.models import TaxRule

router = Router(tags=["Organizer"], auth=OrganizerToken())

Rate = Annotated[str, TextRules(10)]


class ClauseIn(Body):
    country: Annotated[str, TextRules(10)] = Field(
        ..., description="An ISO 3166-1 alpha-2 code, or `*`, `EU`, `EU_FOREIGN`, `NON_EU`."
    )
    buyer: Annotated[str, OneOf([b.value for b in engine.BuyerKind])]
    action: Annotated[str, OneOf([a.value for a in engine.Action])]
    rate: Rate | None = Field(None, description="For `vat_rate`: the rate in percent, e.g. `10.00`.")


class TaxRuleIn(Body):
    name: Annotated[str, NameRules(100)] = Field(..., min_length=1)
    rate: Rate = Field(..., description="Percent, from 0 to 100, two decimals at most.")
    price_includes_tax: bool = True
    seller_rate_below_oss_threshold: bool = False
    clauses: list[ClauseIn] = Field(default_factory=list, max_length=rules.MAX_CLAUSES)
    default_action: Annotated[str, OneOf([a.value for a in engine.Action])] = engine.Action.VAT.value
    default_rate: Rate | None = None


class TemplateIn(Body):
    template: Annotated[str, OneOf(list(rules.TEMPLATES))]


class EventTaxesIn(Body):
    tax_rule: Id | None = Field(None, description="One of the organizer's tax rules; null: no tax.")
    invoice_address: Annotated[str, OneOf(Event.InvoiceAddress.values)] = Event.InvoiceAddress.OFF.value
    ticket_types: dict[str, Id | None] = Field(
        default_factory=dict,
        max_length=200,
        description="Ticket type id → its own tax rule (null: the event's). Types left out keep theirs.",
    )


class EventTaxesOut(Shape):
    tax_rule: int | None
    invoice_address: str
    ticket_types: dict[str, int | None]


def _out(rule: TaxRule, status: int = 200) -> HttpResponse:
    body = managed_rule(rule, rules.uses(rule))
    return HttpResponse(body.model_dump_json(), status=status, content_type="application/json")


def _rule_of(request: HttpRequest, rule_id: int) -> TaxRule:
    rule = TaxRule.objects.filter(organizer=token_of(request).organizer, pk=rule_id).first()
    if rule is None:
        raise Http404("No tax rule with this id for your organizer.")
    return rule


def _input(body: TaxRuleIn) -> rules.RuleInput:
    return rules.RuleInput(
        name=body.name,
        rate=body.rate,
        price_includes_tax=body.price_includes_tax,
        seller_rate_below_oss_threshold=body.seller_rate_below_oss_threshold,
        clauses=[clause.dict() for clause in body.clauses],
        default_action=body.default_action,
        default_rate=body.default_rate,
    )


RULE_ERRORS = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


@router.get("/manage/tax-rules", response={200: list[ManagedTaxRule], 401: ProblemOut}, summary="Tax rules")
def list_rules(request: HttpRequest) -> list[ManagedTaxRule]:
    return [
        managed_rule(rule, rules.uses(rule))
        for rule in TaxRule.objects.filter(organizer=token_of(request).organizer)
    ]


@router.post(
    "/manage/tax-rules",
    response={201: ManagedTaxRule, **RULE_ERRORS},
    summary="Add a tax rule",
    description="Clauses are tried in order; the first matching the buyer decides, else `default_action`.",
)
def create_rule(request: HttpRequest, body: TaxRuleIn) -> HttpResponse:
    require_manager(request)
    try:
        rule = rules.save_rule(token_of(request).organizer, _input(body))
    except rules.RuleInvalid as exc:
        return invalid_fields(exc.errors)
    return _out(rule, 201)


@router.post(
    "/manage/tax-rules/from-template",
    response={201: ManagedTaxRule, **RULE_ERRORS},
    summary="Add a tax rule from a template",
    description=(
        "`physical_admission` (Art. 53: taxed where the event takes place, never reverse charged) "
        "or `online_event` (reverse charge to EU businesses with a VAT ID, the buyer country's rate "
        "for EU consumers, no EU VAT outside the EU). Its rate starts at the organizer's country's "
        "standard rate: check it."
    ),
)
def create_from_template(request: HttpRequest, body: TemplateIn) -> HttpResponse:
    require_manager(request)
    try:
        rule = rules.from_template(token_of(request).organizer, body.template)
    except rules.RuleInvalid as exc:
        return invalid_fields(exc.errors)
    return _out(rule, 201)


@router.get(
    "/manage/tax-rules/{rule_id}",
    response={200: ManagedTaxRule, 401: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="A tax rule",
)
def get_rule(request: HttpRequest, rule_id: QueryId) -> HttpResponse:
    return _out(_rule_of(request, rule_id))


@router.put(
    "/manage/tax-rules/{rule_id}",
    response={200: ManagedTaxRule, **RULE_ERRORS},
    summary="Change a tax rule (orders placed before keep their tax)",
)
def update_rule(request: HttpRequest, rule_id: QueryId, body: TaxRuleIn) -> HttpResponse:
    require_manager(request)
    rule = _rule_of(request, rule_id)
    try:
        rules.save_rule(token_of(request).organizer, _input(body), rule)
    except rules.RuleInvalid as exc:
        return invalid_fields(exc.errors)
    return _out(rule)


@router.delete(
    "/manage/tax-rules/{rule_id}",
    response={204: None, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    summary="Delete a tax rule no event or ticket type uses (409 otherwise)",
)
def delete_rule(request: HttpRequest, rule_id: QueryId) -> HttpResponse:
    require_manager(request)
    rule = _rule_of(request, rule_id)
    try:
        rules.delete_rule(rule)
    except rules.RuleInUse as exc:
        return problem(409, str(exc))
    return HttpResponse(status=204)


def _event_taxes(event: Event) -> HttpResponse:
    body = EventTaxesOut(
        tax_rule=event.tax_rule_id,
        invoice_address=event.invoice_address,
        ticket_types={str(t.pk): t.tax_rule_id for t in event.ticket_types.all()},
    )
    return HttpResponse(body.model_dump_json(), content_type="application/json")


@router.get(
    "/manage/events/{slug}/taxes",
    response={200: EventTaxesOut, 401: ProblemOut, 404: ProblemOut},
    summary="The event's tax rule, its ticket types' own, and the invoice address setting",
)
def get_event_taxes(request: HttpRequest, slug: str) -> HttpResponse:
    return _event_taxes(event_of(request, slug))


@router.put(
    "/manage/events/{slug}/taxes",
    response={200: EventTaxesOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut},
    summary="Set the event's tax rule and whether its checkout asks for an invoice address",
    description=(
        "`invoice_address`: `off` (not asked), `optional`, `required`. Orders placed before keep "
        "the tax they were written with."
    ),
)
def put_event_taxes(request: HttpRequest, slug: str, body: EventTaxesIn) -> HttpResponse:
    require_manager(request)
    event = event_of(request, slug)
    errors = rules.set_event_taxes(event, body.tax_rule, body.invoice_address, body.ticket_types)
    if errors:
        return invalid_fields(errors)
    return _event_taxes(event)
