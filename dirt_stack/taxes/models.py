"""An organizer's tax rules: what VAT its tickets carry, by buyer country and kind."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Organizer
from taxes import engine

RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class TaxRule(models.Model):
    """A rate, whether prices include it, and clauses tried in order (``clauses``: a list of
    ``{"country", "buyer", "action", "rate"}``, checked by ``taxes.rules.clean_clauses``),
    then the default action. Events and ticket types choose one (``Event.tax_rule``,
    ``TicketType.tax_rule``); one in use is not deleted."""

    organizer = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="tax_rules")
    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=5, decimal_places=2, validators=RATE_VALIDATORS)
    price_includes_tax = models.BooleanField(
        default=True, help_text="Prices are gross (tax included), as consumers in the EU see them."
    )
    seller_rate_below_oss_threshold = models.BooleanField(
        default=False,
        help_text="Charge the rule's rate instead of the buyer country's (OSS threshold not reached).",
    )
    clauses = models.JSONField(default=list, blank=True)
    default_action = models.CharField(
        max_length=20,
        choices=[(a.value, engine.ACTION_LABELS[a]) for a in engine.Action],
        default=engine.Action.VAT,
    )
    default_rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=RATE_VALIDATORS
    )
    template = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organizer", "name"], name="tax_rule_name_unique"),
            models.CheckConstraint(condition=Q(rate__gte=0, rate__lte=100), name="tax_rule_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate} %)"

    def spec(self) -> engine.Rule:
        """The rule as the engine reads it."""
        return engine.Rule(
            rate=Decimal(self.rate),
            price_includes_tax=self.price_includes_tax,
            clauses=tuple(clause_spec(c) for c in self.clauses),
            default=engine.Clause(
                engine.ANY_COUNTRY,
                engine.BuyerKind.ANY,
                engine.Action(self.default_action),
                Decimal(self.default_rate) if self.default_rate is not None else None,
            ),
            seller_rate_below_oss_threshold=self.seller_rate_below_oss_threshold,
        )


def clause_spec(clause: dict[str, Any]) -> engine.Clause:
    rate = clause.get("rate")
    return engine.Clause(
        country=str(clause["country"]),
        buyer=engine.BuyerKind(clause["buyer"]),
        action=engine.Action(clause["action"]),
        rate=Decimal(str(rate)) if rate not in (None, "") else None,
    )
