"""The tax engine (taxes/engine.py), the rules' checks and templates, and VAT ID syntax:
pure code, no database unless marked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales.models import TaxTreatment
from taxes import engine, rules, vat_ids
from taxes.models import clause_spec
from taxes.rates import EU_MEMBER_STATES, STANDARD_RATES
from tests.factories import make_event, make_organizer, make_ticket_type

FRENCH_BUSINESS = engine.Buyer(country="FR", is_business=True, has_vat_id=True)
FRENCH_CONSUMER = engine.Buyer(country="FR", is_business=False, has_vat_id=False)


def rule(
    template: rules.Template, rate: str = "19", *, gross: bool = True, below_oss: bool = False
) -> engine.Rule:
    return engine.Rule(
        rate=Decimal(rate),
        price_includes_tax=gross,
        clauses=tuple(clause_spec(c) for c in template.clauses),
        default=engine.Clause(engine.ANY_COUNTRY, engine.BuyerKind.ANY, engine.Action.VAT),
        seller_rate_below_oss_threshold=below_oss,
    )


def one(
    amount: str, the_rule: engine.Rule | None, buyer: engine.Buyer | None, currency: str = "EUR"
) -> engine.LineTax:
    (line,) = engine.tax_lines([(Decimal(amount), the_rule)], buyer, "DE", currency)
    return line


def test_the_engine_treatments_are_the_order_lines():
    assert {t.value for t in engine.Treatment} == set(TaxTreatment.values)


def test_admission_to_a_physical_event_is_taxed_there_also_for_a_business_with_a_vat_id():
    line = one("25.00", rule(rules.PHYSICAL), FRENCH_BUSINESS)
    assert (line.treatment, line.rate, line.tax, line.total) == (
        "vat",
        Decimal("19"),
        Decimal("3.99"),
        Decimal("25.00"),
    )


def test_an_online_event_is_reverse_charged_to_a_business_in_another_member_state():
    line = one("25.00", rule(rules.ONLINE), FRENCH_BUSINESS)
    # Gross prices: the buyer pays the net price, the German tax taken off.
    assert line == engine.LineTax(engine.Treatment.REVERSE_CHARGE, Decimal(0), Decimal(0), Decimal("21.01"))
    decision = engine.decide(rule(rules.ONLINE), FRENCH_BUSINESS, "DE")
    assert decision.note == (
        "Reverse charge: VAT is owed by the recipient of the service "
        "(Article 196 of Council Directive 2006/112/EC)."
    )


def test_an_online_event_charges_a_consumer_their_countrys_rate_unless_below_the_threshold():
    line = one("24.00", rule(rules.ONLINE), FRENCH_CONSUMER)
    assert (line.rate, line.tax, line.total) == (Decimal("20"), Decimal("4.00"), Decimal("24.00"))
    below = one("24.00", rule(rules.ONLINE, below_oss=True), FRENCH_CONSUMER)
    assert (below.rate, below.tax) == (Decimal("19"), Decimal("3.83"))


def test_online_sales_to_a_business_without_vat_id_or_at_home_or_outside_the_eu():
    without_id = engine.Buyer(country="FR", is_business=True, has_vat_id=False)
    assert one("10.00", rule(rules.ONLINE), without_id).rate == Decimal("20")  # treated as a consumer
    german_business = engine.Buyer(country="DE", is_business=True, has_vat_id=True)
    assert (
        one("10.00", rule(rules.ONLINE), german_business).treatment == "vat"
    )  # never reverse charged at home
    swiss = engine.Buyer(country="CH", is_business=False, has_vat_id=False)
    assert one("11.90", rule(rules.ONLINE), swiss).treatment == "exempt"
    assert one("11.90", rule(rules.ONLINE), None).rate == Decimal("19")  # no address: the seller's rule


def test_net_prices_add_the_tax_unless_reverse_charged():
    assert one("100.00", rule(rules.PHYSICAL, gross=False), None).total == Decimal("119.00")
    reverse = one("100.00", rule(rules.ONLINE, gross=False), FRENCH_BUSINESS)
    assert (reverse.total, reverse.tax) == (Decimal("100.00"), Decimal(0))


def test_no_rule_no_tax_and_whole_currencies_round_to_units():
    none = engine.LineTax(engine.Treatment.NONE, Decimal(0), Decimal(0), Decimal("10.00"))
    assert one("10.00", None, FRENCH_BUSINESS) == none
    assert one("1000", rule(rules.PHYSICAL, "10"), None, currency="JPY").tax == Decimal("91")


def test_the_standard_rates_cover_the_member_states():
    assert len(EU_MEMBER_STATES) == 27
    assert STANDARD_RATES["DE"] == Decimal("19")
    assert STANDARD_RATES["FR"] == Decimal("20")


amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999.99"), places=2)
rates = st.sampled_from(["0", "5", "7", "10", "19", "20", "21", "25.5", "27"])
buyers = st.one_of(
    st.none(),
    st.builds(
        engine.Buyer,
        country=st.sampled_from(["DE", "FR", "AT", "CH", "US", "CZ"]),
        is_business=st.booleans(),
        has_vat_id=st.booleans(),
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(amounts, rates, st.booleans(), st.booleans()), min_size=1, max_size=8),
    buyer=buyers,
    currency=st.sampled_from(["EUR", "CZK", "JPY"]),
)
def test_line_taxes_sum_to_the_orders_and_net_plus_tax_is_the_total(lines, buyer, currency):
    priced = [
        (amount, rule(rules.ONLINE if online else rules.PHYSICAL, rate, gross=gross))
        for amount, rate, gross, online in lines
    ]
    taxed = engine.tax_lines(priced, buyer, "DE", currency)
    places = engine.decimals(currency)
    summary = engine.summary((t.treatment, t.rate, t.tax, t.total) for t in taxed)
    assert sum(r.tax for r in summary) == sum(t.tax for t in taxed)
    assert sum(r.total for r in summary) == sum(t.total for t in taxed)
    for (amount, the_rule), line in zip(priced, taxed, strict=True):
        assert line.net + line.tax == line.total
        assert line.tax >= 0
        assert line.total >= 0
        half_unit = Decimal(1).scaleb(-places) / 2
        if line.treatment == "vat":
            # Rounded once per line: within half a unit of the exact tax.
            if the_rule.price_includes_tax:
                assert line.total == amount
                exact = amount * line.rate / (100 + line.rate)
            else:
                exact = amount * line.rate / 100
            assert abs(line.tax - exact) <= half_unit
        else:
            assert line.tax == 0
            assert line.rate == 0
            assert line.total <= amount


def test_vat_ids_are_normalized_with_their_prefix_and_checked():
    assert vat_ids.normalize("fr 40 303 265 045", "FR") == "FR40303265045"
    assert vat_ids.normalize("40303265045", "FR") == "FR40303265045"
    assert vat_ids.normalize("094259216", "GR") == "EL094259216"
    for raw, country, reason in [
        ("FR40303265046", "FR", "not a valid VAT ID"),
        ("FR123", "FR", "not a valid VAT ID"),
        ("DE136695976", "FR", "not one of the address's country"),
        ("CHE123", "CH", "EU only"),
        ("", "FR", "Enter the VAT ID"),
    ]:
        with pytest.raises(vat_ids.InvalidVatId, match=reason):
            vat_ids.normalize(raw, country)


def test_clauses_are_checked_field_by_field():
    cleaned, errors = rules.clean_clauses(
        [
            {"country": "eu_foreign", "buyer": "business_vat_id", "action": "reverse_charge"},
            {"country": "XX", "buyer": "anyone", "action": "vat_rate", "rate": "NaN"},
            "nope",
        ]
    )
    assert cleaned[0] == {
        "country": "EU_FOREIGN",
        "buyer": "business_vat_id",
        "action": "reverse_charge",
        "rate": None,
    }
    assert set(errors) == {"clauses.1.country", "clauses.1.buyer", "clauses.1.rate", "clauses.2"}
    assert rules.clean_clauses({"a": 1})[1] == {"clauses": "Send the rules as a list."}
    assert rules.clean_clauses([{}] * 51)[1] == {"clauses": "A tax rule has at most 50 rules."}


@pytest.mark.django_db
def test_templates_start_at_the_organizers_rate_and_a_rule_in_use_is_not_deleted():
    organizer = make_organizer(country="CZ")
    online = rules.from_template(organizer, "online_event")
    again = rules.from_template(organizer, "online_event")
    assert (online.rate, online.template, again.name) == (
        Decimal("21"),
        "online_event",
        "Online event / electronic service (2)",
    )
    assert online.spec().clauses[0].action == engine.Action.REVERSE_CHARGE
    event = make_event(organizer=organizer, tax_rule=online)
    with pytest.raises(rules.RuleInUse):
        rules.delete_rule(online)
    event.tax_rule = None
    event.save()
    make_ticket_type(event, tax_rule=online)
    with pytest.raises(rules.RuleInUse):
        rules.delete_rule(online)
    rules.delete_rule(again)
    with pytest.raises(rules.RuleInvalid) as caught:
        rules.save_rule(organizer, rules.RuleInput(name="Online event / electronic service", rate="101"))
    assert set(caught.value.errors) == {"rate"}
    with pytest.raises(rules.RuleInvalid) as caught:
        rules.save_rule(organizer, rules.RuleInput(name="Online event / electronic service", rate="19"))
    assert caught.value.errors == {"name": "Another tax rule has this name."}
